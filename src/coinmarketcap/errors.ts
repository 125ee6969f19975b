export type CmcErrorKind =
  | "auth"
  | "payment"
  | "forbidden"
  | "rate-limit-minute"
  | "quota-daily"
  | "quota-monthly"
  | "bad-request"
  | "server"
  | "timeout"
  | "network"
  | "malformed";

// Retrying these soon can succeed; the others need a new key, plan, request or a quota reset.
const RETRYABLE: ReadonlySet<CmcErrorKind> = new Set([
  "rate-limit-minute",
  "server",
  "timeout",
  "network",
  "malformed",
]);

const KIND_BY_CMC_CODE: ReadonlyMap<number, CmcErrorKind> = new Map([
  [1001, "auth"],
  [1002, "auth"],
  [1003, "payment"],
  [1004, "payment"],
  [1005, "forbidden"],
  [1006, "forbidden"],
  [1007, "forbidden"],
  [1008, "rate-limit-minute"],
  [1009, "quota-daily"],
  [1010, "quota-monthly"],
  // An IP limit also clears within the minute window.
  [1011, "rate-limit-minute"],
]);

const KIND_BY_HTTP_STATUS: ReadonlyMap<number, CmcErrorKind> = new Map([
  [401, "auth"],
  [402, "payment"],
  [403, "forbidden"],
  [408, "timeout"],
  [429, "rate-limit-minute"],
]);

/**
 * CMC's own code decides first (it is set even on HTTP 200, and it tells a daily from a monthly quota
 * on a 429); the HTTP status decides when the code is unknown or absent, as with proxy error pages.
 */
export function cmcErrorKind(httpStatus: number | null, errorCode: number | null): CmcErrorKind {
  const byCode = errorCode === null ? undefined : KIND_BY_CMC_CODE.get(errorCode);
  if (byCode) return byCode;
  if (httpStatus !== null) {
    const byStatus = KIND_BY_HTTP_STATUS.get(httpStatus);
    if (byStatus) return byStatus;
    if (httpStatus >= 500) return "server";
    // Redirects are not followed (they would carry the key header to another host): a wrong base URL.
    if (httpStatus >= 300) return "bad-request";
  }
  if (errorCode !== null && errorCode >= 400 && errorCode < 500) return "bad-request";
  // An unknown code on a 2xx: nothing says our request is wrong, and failed calls cost no credits.
  return "server";
}

export function isRetryableKind(kind: CmcErrorKind): boolean {
  return RETRYABLE.has(kind);
}

export interface CmcErrorDetails {
  kind: CmcErrorKind;
  /** Path of the CMC endpoint called, without host or query. */
  endpoint: string;
  httpStatus: number | null;
  /** CMC's `status.error_code`, or null when the response had none. */
  errorCode: number | null;
  /** CMC's message when it sent one; never contains the API key. */
  message: string;
}

// Long enough for any CMC message; an HTML error page quoted in a JSON parse error gets cut.
const MAX_MESSAGE_LENGTH = 300;

export class CmcError extends Error {
  override name = "CmcError";
  readonly kind: CmcErrorKind;
  readonly endpoint: string;
  readonly httpStatus: number | null;
  readonly errorCode: number | null;
  readonly retryable: boolean;

  constructor(details: CmcErrorDetails) {
    // A run's record keeps the message, and PostgreSQL text cannot hold NUL: the insert would fail.
    const text = details.message.replaceAll("\u0000", "\ufffd");
    const message = text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
    super(message);
    this.kind = details.kind;
    this.endpoint = details.endpoint;
    this.httpStatus = details.httpStatus;
    this.errorCode = details.errorCode;
    this.retryable = isRetryableKind(details.kind);
  }
}
