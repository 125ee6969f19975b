import type { Secret } from "../config";
import type { Logger } from "../logger";
import { QUOTE_BATCH_SIZE, quoteCallCredits } from "./credits";
import { CmcError, cmcErrorKind } from "./errors";
import { readResponse } from "./response";
import {
  addQuotesResult,
  type CmcKeyInfo,
  type CmcMapEntry,
  type CmcQuotesResult,
  type CmcResponse,
  emptyQuotesResult,
  parseKeyInfo,
  parseMap,
  parseQuotesLatest,
} from "./schemas";

/** The message of a request cut short by shutdown (a network error that says nothing about CMC). */
export const ABANDONED = "request abandoned: the service is shutting down";

export interface CmcClientOptions {
  /** CMC or a compatible server, with or without a trailing `/`. */
  baseUrl: string;
  apiKey: Secret;
  /** Per request, body included; default 10 000. */
  timeoutMs?: number;
  /** Largest response body read, in bytes once decompressed; default `MAX_BODY_BYTES` (16 MiB). */
  maxBodyBytes?: number;
  logger: Logger;
  fetch?: typeof fetch;
  /** Aborts every request in flight, e.g. at shutdown: nothing is half-stored, since nothing was received. */
  signal?: AbortSignal;
  /** Told of every request's outcome (metrics). */
  onCall?: (call: CmcCall) => void;
  /** This service's clock: no quote is dated later (give or take an hour). Default: the system clock. */
  now?: () => Date;
}

/**
 * What `quotesLatest` got: every batch's quotes up to the first failing one, and that failure (null
 * when every batch answered). Quotes already received and credits already spent are kept either way.
 */
export interface CmcQuotesOutcome {
  result: CmcQuotesResult;
  error: CmcError | null;
}

/** One request to CMC as metrics see it. */
export interface CmcCall {
  endpoint: string;
  /** "ok", or the CmcError kind. */
  outcome: string;
  httpStatus: number | null;
  errorCode: number | null;
  seconds: number;
}

/**
 * The largest answer this client asks for, quotes/latest for 100 coins in 120 currencies (CMC's
 * limits), is about 6.3 MB (the simulator's, with CMC's fields); 16 MiB leaves room for more tags and
 * fields, and keeps an endless body or a gzip bomb from filling memory for as long as the timeout.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const QUOTES_LATEST = "/v2/cryptocurrency/quotes/latest";
const MAP = "/v1/cryptocurrency/map";
const KEY_INFO = "/v1/key/info";

/** CoinMarketCap Pro API calls this service makes. Every failure is a `CmcError`. */
export class CmcClient {
  readonly #baseUrl: URL;
  readonly #apiKey: Secret;
  readonly #timeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #logger: Logger;
  readonly #fetch: typeof fetch;
  readonly #signal: AbortSignal | undefined;
  readonly #onCall: (call: CmcCall) => void;
  readonly #now: () => Date;

  constructor(options: CmcClientOptions) {
    this.#baseUrl = new URL(options.baseUrl);
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isInteger(this.#timeoutMs) || this.#timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive whole number, got ${options.timeoutMs}`);
    }
    this.#maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.#logger = options.logger;
    this.#fetch = options.fetch ?? fetch;
    this.#signal = options.signal;
    this.#onCall = options.onCall ?? (() => undefined);
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Latest quotes of coins by CMC id (never by symbol: symbols are ambiguous), one request per
   * `QUOTE_BATCH_SIZE` ids, one after the other to stay clear of the per-minute limit. A failing
   * batch stops the run; it comes back as `error` beside what the earlier batches returned.
   */
  async quotesLatest(ids: number[], converts: string[]): Promise<CmcQuotesOutcome> {
    const uniqueIds = [...new Set(ids)];
    for (const id of uniqueIds) {
      if (!Number.isSafeInteger(id) || id <= 0) throw new RangeError(`CMC ids are positive integers, got ${id}`);
    }
    const codes = [...new Set(converts.map((code) => code.trim().toUpperCase()))];
    if (codes.length === 0 || codes.includes("")) throw new RangeError("converts must name at least one currency");

    const result = emptyQuotesResult();
    for (let start = 0; start < uniqueIds.length; start += QUOTE_BATCH_SIZE) {
      const batch = uniqueIds.slice(start, start + QUOTE_BATCH_SIZE);
      let response: CmcResponse | undefined;
      try {
        response = await this.#get(QUOTES_LATEST, {
          id: batch.join(","),
          convert: codes.join(","),
          // Otherwise one delisted id fails the whole batch with a 400.
          skip_invalid: "true",
        });
        addQuotesResult(result, {
          ...parseQuotesLatest(response, batch, codes, this.#now()),
          creditCount: creditsCharged(response, batch.length, codes.length),
          notice: response.status.notice,
        });
      } catch (error) {
        if (!(error instanceof CmcError)) throw error;
        // A successful answer whose data is unusable was charged all the same.
        if (response) result.creditCount += creditsCharged(response, batch.length, codes.length);
        return { result, error };
      }
    }
    return { result, error: null };
  }

  /**
   * Active coins with these symbols (case-insensitive), namesakes included: one request, 1 credit.
   * CMC may ignore `listing_status` when `symbol` is given, so inactive entries can come back too.
   */
  async map(symbols: string[]): Promise<CmcMapEntry[]> {
    const wanted = [...new Set(symbols.map((symbol) => symbol.trim().toUpperCase()))].filter((s) => s !== "");
    if (wanted.length === 0) return [];
    const response = await this.#get(MAP, { symbol: wanted.join(","), listing_status: "active" });
    const { entries, skipped } = parseMap(response);
    if (skipped.length > 0) {
      this.#logger.warn({ endpoint: MAP, skipped }, "ignored invalid CoinMarketCap map entries");
    }
    return entries;
  }

  /** Plan limits and usage of the key; costs no credit but counts toward the per-minute limit. */
  async keyInfo(): Promise<CmcKeyInfo> {
    return parseKeyInfo(await this.#get(KEY_INFO, {}));
  }

  async #get(endpoint: string, params: Record<string, string>): Promise<CmcResponse> {
    const url = new URL(this.#baseUrl);
    url.pathname = url.pathname.replace(/\/+$/, "") + endpoint;
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);

    const started = performance.now();
    try {
      const response = await this.#request(endpoint, url);
      this.#onCall({
        endpoint,
        outcome: "ok",
        httpStatus: response.httpStatus,
        errorCode: null,
        seconds: (performance.now() - started) / 1000,
      });
      return response;
    } catch (error) {
      if (error instanceof CmcError) {
        this.#onCall({
          endpoint,
          outcome: error.kind,
          httpStatus: error.httpStatus,
          errorCode: error.errorCode,
          seconds: (performance.now() - started) / 1000,
        });
      }
      throw error;
    }
  }

  async #request(endpoint: string, url: URL): Promise<CmcResponse> {
    const key = this.#apiKey.reveal();
    const started = performance.now();
    let httpStatus: number;
    let text: string | null;
    try {
      const response = await this.#fetch(url, {
        headers: { "X-CMC_PRO_API_KEY": key, Accept: "application/json", "Accept-Encoding": "deflate, gzip" },
        // A redirect would carry the key header to wherever it points.
        redirect: "manual",
        // Covers reading the body too, so a server that stalls mid-body cannot hang a tick.
        signal: this.#signal
          ? AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#signal])
          : AbortSignal.timeout(this.#timeoutMs),
      });
      httpStatus = response.status;
      text = await readBody(response, this.#maxBodyBytes);
    } catch (error) {
      throw this.#transportError(endpoint, error, key);
    }
    if (text === null) {
      const ok = httpStatus >= 200 && httpStatus < 300;
      throw new CmcError({
        kind: ok ? "malformed" : cmcErrorKind(httpStatus, null),
        endpoint,
        httpStatus,
        errorCode: null,
        message: `response body larger than ${this.#maxBodyBytes} bytes: not read further`,
      });
    }
    // Nothing CMC or a proxy echoes back may carry the key into errors or logs.
    const response = readResponse(endpoint, httpStatus, scrub(text, key));
    this.#logger.debug(
      {
        endpoint,
        httpStatus,
        elapsedMs: Math.round(performance.now() - started),
        creditCount: response.status.creditCount,
      },
      "CoinMarketCap request",
    );
    return response;
  }

  #transportError(endpoint: string, error: unknown, key: string): CmcError {
    const name = error instanceof Error ? error.name : "";
    if (this.#signal?.aborted) {
      return new CmcError({
        kind: "network",
        endpoint,
        httpStatus: null,
        errorCode: null,
        message: ABANDONED,
      });
    }
    if (name === "TimeoutError" || name === "AbortError") {
      return new CmcError({
        kind: "timeout",
        endpoint,
        httpStatus: null,
        errorCode: null,
        message: `no complete response within ${this.#timeoutMs} ms`,
      });
    }
    return new CmcError({
      kind: "network",
      endpoint,
      httpStatus: null,
      errorCode: null,
      message: scrub(describeNetworkError(error), key),
    });
  }
}

/**
 * The body as text (as `Response.text()` decodes it), or null once it grows past `limit` bytes:
 * reading stops there and the connection is dropped.
 */
async function readBody(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks, size));
}

// undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, certificate errors) in `cause`;
// an AggregateError cause (several addresses tried) has only its code.
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const detail = cause instanceof Error ? cause.message || (cause as NodeJS.ErrnoException).code : undefined;
  return detail ? `${error.message}: ${detail}` : error.message;
}

/** What a successful quotes/latest answer cost; should CMC leave out the count, the documented price rather than free. */
function creditsCharged(response: CmcResponse, coins: number, converts: number): number {
  return response.status.creditCount ?? quoteCallCredits(coins, converts);
}

function scrub(text: string, secret: string): string {
  return secret !== "" && text.includes(secret) ? text.replaceAll(secret, "[redacted]") : text;
}
