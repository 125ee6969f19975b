import { STATUS_CODES } from "node:http";
import {
  CMC_ERROR_MESSAGES,
  errorResponse,
  htmlResponse,
  JSON_TYPE,
  type Outcome,
  type SimResponse,
  type SuccessMeta,
  successResponse,
} from "./responses";

/** Faults hit data endpoints only, unless `includeKeyInfo` says `/v1/key/info` fails too. */
interface FaultScope {
  includeKeyInfo?: boolean;
}

export type Fault = FaultScope &
  (
    | {
        kind: "http-error";
        httpStatus: 400 | 401 | 402 | 403 | 429 | 500 | 502 | 503;
        errorCode: number | null;
        message?: string;
      }
    | { kind: "malformed-json" }
    | { kind: "non-json" }
    | { kind: "hang" }
    | { kind: "missing-data" }
    | { kind: "error-code-on-200"; errorCode: number; message: string }
    | { kind: "string-numbers" }
    | { kind: "null-price"; cmcId: number }
    | { kind: "override-quote"; cmcId: number; fields: Record<string, unknown> }
    /** Instead of CMC: this body, as an impostor or a broken proxy would send it; free of charge. */
    | { kind: "raw-body"; body: string; httpStatus?: number; contentType?: string }
    /** CMC's answer with members replaced (or removed, where `value` is undefined); charged. */
    | { kind: "patch"; patches: readonly BodyPatch[] }
    /** CMC's answer `chunkBytes` at a time, the first at once and the last `totalMs` later; charged. */
    | { kind: "drip"; chunkBytes: number; totalMs: number }
    /** A 200 whose body never ends (spaces inside a JSON array), gzipped if asked; free of charge. */
    | { kind: "flood" }
  );

/** One member of a JSON body to replace: `path` from the top, e.g. ["data", "1", "quote", "USD", "price"]. */
export interface BodyPatch {
  path: readonly (string | number)[];
  /** Serialised with JSON.stringify: undefined removes the member, as it would from any JSON body. */
  value: unknown;
}

type HttpErrorFault = Extract<Fault, { kind: "http-error" }>;

const httpError = (httpStatus: HttpErrorFault["httpStatus"], errorCode: number): HttpErrorFault => ({
  kind: "http-error",
  httpStatus,
  errorCode,
  message: CMC_ERROR_MESSAGES[errorCode],
});

/** Ready-made faults with CMC's own status codes, error codes and messages. */
export const faults = {
  invalidKey: httpError(401, 1001),
  missingKey: httpError(401, 1002),
  paymentRequired: httpError(402, 1003),
  paymentExpired: httpError(402, 1004),
  keyRequired: httpError(403, 1005),
  planNotAuthorized: httpError(403, 1006),
  keyDisabled: httpError(403, 1007),
  minuteRateLimit: httpError(429, 1008),
  dailyLimit: httpError(429, 1009),
  monthlyLimit: httpError(429, 1010),
  ipRateLimit: httpError(429, 1011),
  serverError: httpError(500, 500),
  malformedJson: { kind: "malformed-json" },
  nonJson: { kind: "non-json" },
  hang: { kind: "hang" },
  missingData: { kind: "missing-data" },
  stringNumbers: { kind: "string-numbers" },
  nullPrice: (cmcId: number): Fault => ({ kind: "null-price", cmcId }),
  /** Numbers no market has: a negative price, market cap and volume (seen from CMC-compatible feeds). */
  negativeNumbers: (cmcId: number): Fault => ({
    kind: "override-quote",
    cmcId,
    fields: { price: -162.7, market_cap: -12345.5, volume_24h: -1 },
  }),
  /** A last_updated a year after the answer's own time. */
  futureTime: (cmcId: number): Fault => ({
    kind: "override-quote",
    cmcId,
    fields: { last_updated: "2099-01-01T00:00:00.000Z" },
  }),
} satisfies Record<string, Fault | ((cmcId: number) => Fault)>;

/** The fault queue (`failNext`) in front of the persistent fault (`setFault`). */
export class FaultSwitches {
  readonly #queue: { fault: Fault; remaining: number }[] = [];
  #persistent: Fault | undefined;

  failNext(fault: Fault, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
    this.#queue.push({ fault, remaining: times });
  }

  set(fault: Fault | undefined): void {
    this.#persistent = fault;
  }

  /** The fault for this request, consuming one use of a queued one. */
  take(keyInfo: boolean): Fault | undefined {
    const applies = (fault: Fault) => !keyInfo || fault.includeKeyInfo === true;
    const index = this.#queue.findIndex((entry) => applies(entry.fault));
    if (index >= 0) {
      const entry = this.#queue[index];
      entry.remaining--;
      if (entry.remaining === 0) this.#queue.splice(index, 1);
      return entry.fault;
    }
    return this.#persistent && applies(this.#persistent) ? this.#persistent : undefined;
  }
}

/** What a CDN or proxy in front of CMC might send with a 200. */
const PROXY_PAGE =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>" +
  "<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>";

/** Faults that answer instead of CMC's logic, before key checks; "hang" means never answering. */
export function preemptiveResponse(fault: Fault, timestamp: Date): SimResponse | "hang" | undefined {
  switch (fault.kind) {
    case "http-error": {
      const known = CMC_ERROR_MESSAGES[fault.errorCode ?? fault.httpStatus] ?? STATUS_CODES[fault.httpStatus] ?? "";
      return errorResponse(fault.httpStatus, fault.errorCode, fault.message ?? known, timestamp);
    }
    case "error-code-on-200":
      return errorResponse(200, fault.errorCode, fault.message, timestamp);
    case "non-json":
      return htmlResponse(200, PROXY_PAGE);
    case "hang":
      return "hang";
    case "raw-body":
      return {
        httpStatus: fault.httpStatus ?? 200,
        contentType: fault.contentType ?? JSON_TYPE,
        body: fault.body,
        errorCode: null,
        creditCount: 0,
      };
    case "flood":
      return {
        httpStatus: 200,
        contentType: JSON_TYPE,
        body: '{"status":{"error_code":0,"error_message":null},"data":[',
        errorCode: null,
        creditCount: 0,
        delivery: { kind: "flood", chunk: " ".repeat(64 * 1024) },
      };
    default:
      return undefined;
  }
}

/** Faults that spoil a successful answer. The call is still charged: CMC charges every 200. */
export function successWithFault(fault: Fault | undefined, outcome: Outcome, meta: SuccessMeta): SimResponse {
  switch (fault?.kind) {
    case "missing-data":
      return successResponse(undefined, outcome.credits, meta);
    case "string-numbers":
      return successResponse(stringifyQuoteNumbers(outcome.data), outcome.credits, meta);
    case "override-quote":
      return successResponse(overrideQuote(outcome.data, fault.cmcId, fault.fields), outcome.credits, meta);
    case "patch": {
      const body = applyPatches(JSON.parse(successResponse(outcome.data, outcome.credits, meta).body), fault.patches);
      const code = (body as { status?: { error_code?: unknown } } | null)?.status?.error_code;
      return {
        httpStatus: 200,
        contentType: JSON_TYPE,
        body: JSON.stringify(body) ?? "",
        errorCode: typeof code === "number" ? code : null,
        creditCount: outcome.credits,
      };
    }
    case "drip": {
      const { chunkBytes, totalMs } = fault;
      return {
        ...successResponse(outcome.data, outcome.credits, meta),
        delivery: { kind: "drip", chunkBytes, totalMs },
      };
    }
    case "malformed-json": {
      const response = successResponse(outcome.data, outcome.credits, meta);
      return { ...response, body: response.body.slice(0, Math.floor(response.body.length / 2)), errorCode: null };
    }
    default:
      return successResponse(outcome.data, outcome.credits, meta);
  }
}

/** `body` with each patch applied in turn; a path must lead through existing objects or arrays. */
function applyPatches(body: unknown, patches: readonly BodyPatch[]): unknown {
  for (const { path, value } of patches) {
    if (path.length === 0) throw new RangeError("a patch needs a path; raw-body replaces a whole body");
    let parent = body;
    for (const key of path.slice(0, -1)) {
      if (parent === null || typeof parent !== "object") throw new RangeError(`no member ${path.join(".")} to patch`);
      parent = (parent as Record<string | number, unknown>)[key];
    }
    if (parent === null || typeof parent !== "object") throw new RangeError(`no member ${path.join(".")} to patch`);
    const last = path[path.length - 1];
    // defineProperty, so that a "__proto__" member is an own member like any other key of parsed JSON.
    Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return body;
}

/** The coin `cmcId`'s quote in every currency, with `fields` in place of CMC's values. */
function overrideQuote(data: unknown, cmcId: number, fields: Record<string, unknown>): unknown {
  const coins = (value: unknown): Record<string, unknown>[] =>
    value === null || typeof value !== "object"
      ? []
      : Array.isArray(value)
        ? value.flatMap(coins)
        : "quote" in value
          ? [value as Record<string, unknown>]
          : Object.values(value).flatMap(coins);
  const copy = structuredClone(data);
  for (const coin of coins(copy)) {
    if (coin.id !== cmcId) continue;
    coin.quote = mapValues(coin.quote, (currency) => ({ ...(currency as object), ...fields }));
  }
  return copy;
}

/** Imitates the OpenAPI examples, where every number inside `quote` is a string. */
function stringifyQuoteNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringifyQuoteNumbers);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => [
      key,
      key === "quote"
        ? mapValues(member, (currency) => mapValues(currency, numberToString))
        : stringifyQuoteNumbers(member),
    ]),
  );
}

function mapValues(value: unknown, map: (member: unknown) => unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, map(member)]));
}

const numberToString = (value: unknown) => (typeof value === "number" ? String(value) : value);
