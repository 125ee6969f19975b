/** CMC's messages per `error_code`, word for word (including their punctuation). */
export const CMC_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  500: "An internal server error occurred",
  1001: "This API Key is invalid.",
  1002: "API key missing.",
  1003: "Your API Key must be activated. Please go to pro.coinmarketcap.com/account/plan.",
  1004: "Your API Key's subscription plan has expired.",
  1005: "An API Key is required for this call.",
  1006: "Your API Key subscription plan doesn't support this endpoint.",
  1007: "This API Key has been disabled. Please contact support.",
  1008: "You've exceeded your API Key's HTTP request rate limit. Rate limits reset every minute.",
  1009: "You've exceeded your API Key's daily rate limit.",
  1010: "You've exceeded your API Key's monthly rate limit.",
  1011: "You've hit an IP rate limit.",
};

/** What one request gets back, before compression and delay. */
export interface SimResponse {
  httpStatus: number;
  contentType: string;
  body: string;
  /** `status.error_code` as sent; null when the body is not a CMC body. */
  errorCode: number | null;
  /** Credits charged for this request. */
  creditCount: number;
  /** How the body goes out; default: at once. */
  delivery?: Delivery;
}

/**
 * `drip`: the (encoded) body `chunkBytes` at a time, the first chunk at once and the others evenly
 * over `totalMs`, as a slow or congested link delivers it. `flood`: `body`, then `chunk` again and again, as fast as the client
 * reads, until it hangs up (a proxy or impostor streaming without end; gzipped when asked).
 */
export type Delivery = { kind: "drip"; chunkBytes: number; totalMs: number } | { kind: "flood"; chunk: string };

/** A handler's successful answer: the `data` member and what it costs. */
export interface Outcome {
  data: unknown;
  credits: number;
}

/** Thrown by request validation; becomes CMC's HTTP 400 with error_code 400. */
export class BadRequest extends Error {}

export const JSON_TYPE = "application/json; charset=utf-8";

export function errorResponse(
  httpStatus: number,
  errorCode: number | null,
  message: string,
  timestamp: Date,
): SimResponse {
  // CMC error bodies carry no `data` and no `notice`, and report zero credits and elapsed time.
  const status = {
    timestamp: timestamp.toISOString(),
    error_code: errorCode,
    error_message: message,
    elapsed: 0,
    credit_count: 0,
  };
  return { httpStatus, contentType: JSON_TYPE, body: JSON.stringify({ status }), errorCode, creditCount: 0 };
}

/** A body that is not CMC's, as a proxy in front of it would send. */
export function htmlResponse(httpStatus: number, body: string): SimResponse {
  return { httpStatus, contentType: "text/html; charset=utf-8", body, errorCode: null, creditCount: 0 };
}

export function cmcError(httpStatus: number, errorCode: number, timestamp: Date): SimResponse {
  return errorResponse(httpStatus, errorCode, CMC_ERROR_MESSAGES[errorCode] ?? `Error ${errorCode}`, timestamp);
}

export interface SuccessMeta {
  timestamp: Date;
  elapsed: number;
  notice: string | null;
}

/** A 200 body; `data` undefined leaves the member out (the missing-data fault). */
export function successResponse(data: unknown, credits: number, meta: SuccessMeta): SimResponse {
  const status = {
    timestamp: meta.timestamp.toISOString(),
    error_code: 0,
    error_message: null,
    elapsed: meta.elapsed,
    credit_count: credits,
    notice: meta.notice,
  };
  return {
    httpStatus: 200,
    contentType: JSON_TYPE,
    body: JSON.stringify({ status, data }),
    errorCode: 0,
    creditCount: credits,
  };
}
