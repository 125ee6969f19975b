import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { pipeline, Readable } from "node:stream";
import { createGzip, gzipSync } from "node:zlib";
import { Account } from "./account";
import { type Fault, FaultSwitches, preemptiveResponse, successWithFault } from "./faults";
import { cryptocurrencyMap } from "./map";
import { Market } from "./market";
import { KEY_PARAM, type Query } from "./params";
import { quotesLatest } from "./quotes";
import { BadRequest, cmcError, errorResponse, htmlResponse, type Outcome, type SimResponse } from "./responses";

export { type BodyPatch, type Fault, faults } from "./faults";

export interface SimulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Accepted keys; default ["sim-key"]. */
  apiKeys?: string[];
  /** Real milliseconds per simulated minute for the automatic clock; default 60000, 0 stops the clock. */
  minuteMs?: number;
  /** The simulated minute only moves through advanceMinute(). */
  manualClock?: boolean;
  /** Default 2026-01-05T00:00:00Z; floored to a whole minute (a whole step). */
  startTime?: Date;
  /**
   * Simulated milliseconds per step of the clock and the prices; default 60000, as CMC refreshes.
   * Equal to `minuteMs`, with `startTime` now, the clock follows real time (what `npm run demo` does).
   */
  stepMs?: number;
  /** Seed of the price walks; default 1. */
  seed?: number;
  /** Plan credits per month; default 10000. Reaching them answers 429 1010 until the month turns. */
  monthlyCredits?: number;
  /** Requests per simulated minute before 429 1008; default 30, 0 = no limit. */
  rateLimitPerMinute?: number;
  /** Active made-up coins (ids from 100000, symbols SYN0…); default 5000. */
  syntheticCoins?: number;
}

export interface RecordedCall {
  path: string;
  query: Record<string, string>;
  apiKey: string | undefined;
  /** HTTP status; 0 for a request left hanging. */
  status: number;
  /** `status.error_code`; null when no CMC body was sent. */
  errorCode: number | null;
  creditCount: number;
  /** Bytes of the body before compression; null for a request left hanging or an endless body. */
  bodyBytes: number | null;
  /** Simulated time of the request. */
  at: Date;
}

export interface CmcSimulator {
  /** e.g. http://127.0.0.1:43210, no trailing slash. */
  readonly url: string;
  close(): Promise<void>;
  advanceMinute(n?: number): void;
  now(): Date;
  calls: RecordedCall[];
  creditsUsed(): number;
  failNext(fault: Fault, times?: number): void;
  setFault(fault: Fault | undefined): void;
  setDelay(ms: number): void;
  exhaustCredits(kind: "daily" | "monthly"): void;
  resetCredits(): void;
}

const DEFAULT_START = new Date("2026-01-05T00:00:00Z");
const MINUTE_MS = 60_000;
/**
 * CMC sits behind Cloudflare (its 1015 page turns up in reports), which answers 414 past 32 KB of
 * URI: 5000 ids do not fit in one request, so a client has to batch them.
 */
const MAX_URL_LENGTH = 32 * 1024;
const NO_IDS: ReadonlySet<number> = new Set();

interface RouteRequest {
  at: Date;
  /** Coins the null-price fault strips of their price in this answer. */
  nullPriceIds: ReadonlySet<number>;
}

interface Route {
  /** Data routes take faults and credit limits; key/info does neither. */
  data: boolean;
  handle(query: Query, request: RouteRequest): Outcome;
}

export async function startCmcSimulator(options: SimulatorOptions = {}): Promise<CmcSimulator> {
  const simulator = new Simulator(options);
  await simulator.listen(options.port ?? 0);
  return simulator;
}

class Simulator implements CmcSimulator {
  calls: RecordedCall[] = [];
  readonly #market: Market;
  readonly #account: Account;
  readonly #faults = new FaultSwitches();
  readonly #apiKeys: ReadonlySet<string>;
  readonly #routes: ReadonlyMap<string, Route>;
  readonly #minuteMs: number;
  readonly #stepMs: number;
  // Node's default (16 KiB) would refuse long URLs with a bare 431 before the simulator sees them.
  readonly #server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => this.#onRequest(req, res));
  readonly #pending = new Set<NodeJS.Timeout>();
  #ticker: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #delayMs = 0;
  #creditsUsed = 0;
  #minuteBegan = performance.now();

  constructor(options: SimulatorOptions) {
    const minuteMs = options.manualClock ? 0 : (options.minuteMs ?? MINUTE_MS);
    if (!(minuteMs >= 0)) throw new RangeError(`minuteMs must be 0 or more, got ${minuteMs}`);
    this.#minuteMs = minuteMs;
    this.#stepMs = options.stepMs ?? MINUTE_MS;
    if (!(this.#stepMs >= 1000 && this.#stepMs <= MINUTE_MS && MINUTE_MS % this.#stepMs === 0)) {
      throw new RangeError(`stepMs must divide a minute into whole steps of at least 1000 ms, got ${this.#stepMs}`);
    }
    this.#market = new Market(
      options.startTime ?? DEFAULT_START,
      options.seed ?? 1,
      options.syntheticCoins ?? 5000,
      this.#stepMs,
    );
    this.#account = new Account({
      monthlyCredits: options.monthlyCredits ?? 10_000,
      rateLimitPerMinute: options.rateLimitPerMinute ?? 30,
    });
    this.#apiKeys = new Set(options.apiKeys ?? ["sim-key"]);
    const market = this.#market;
    this.#routes = new Map<string, Route>([
      [
        "/v2/cryptocurrency/quotes/latest",
        { data: true, handle: (query, { nullPriceIds }) => quotesLatest(query, market, { version: 2, nullPriceIds }) },
      ],
      [
        "/v1/cryptocurrency/quotes/latest",
        { data: true, handle: (query, { nullPriceIds }) => quotesLatest(query, market, { version: 1, nullPriceIds }) },
      ],
      ["/v1/cryptocurrency/map", { data: true, handle: (query) => cryptocurrencyMap(query, market) }],
      ["/v1/key/info", { data: false, handle: (query, { at }) => this.#account.keyInfo(query, at) }],
    ]);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    if (this.#minuteMs > 0) {
      this.#ticker = setInterval(() => this.advanceMinute(), this.#minuteMs);
      this.#ticker.unref();
    }
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve, reject) => {
      clearInterval(this.#ticker);
      for (const timer of this.#pending) clearTimeout(timer);
      this.#server.close((error) => (error ? reject(error) : resolve()));
      // Hanging and keep-alive connections would otherwise hold close() open forever.
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  advanceMinute(n = 1): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`advanceMinute needs a whole number ≥ 0, got ${n}`);
    const before = this.#market.now();
    this.#market.advance(n);
    this.#account.clockMoved(before, this.#market.now());
    this.#minuteBegan = performance.now();
  }

  now(): Date {
    return this.#market.now();
  }

  creditsUsed(): number {
    return this.#creditsUsed;
  }

  failNext(fault: Fault, times = 1): void {
    this.#faults.failNext(fault, times);
  }

  setFault(fault: Fault | undefined): void {
    this.#faults.set(fault);
  }

  setDelay(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`delay must be 0 or more, got ${ms}`);
    this.#delayMs = ms;
  }

  exhaustCredits(kind: "daily" | "monthly"): void {
    this.#account.exhaust(kind);
  }

  resetCredits(): void {
    this.#account.reset();
  }

  /**
   * Simulated time within the current minute, so that `status.timestamp` is never on the whole
   * minute like `last_updated` is, as on CMC.
   */
  #timestamp(): Date {
    const real = performance.now() - this.#minuteBegan;
    const simulated = this.#minuteMs > 0 ? (real * this.#stepMs) / this.#minuteMs : real;
    return new Date(this.#market.now().getTime() + Math.min(this.#stepMs - 1, Math.floor(simulated)));
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const query = Object.fromEntries(url.searchParams);
    const header = req.headers["x-cmc_pro_api_key"];
    const apiKey = (Array.isArray(header) ? header[0] : header) ?? query[KEY_PARAM];
    const at = this.#timestamp();
    let response: SimResponse | "hang";
    try {
      response =
        (req.url?.length ?? 0) > MAX_URL_LENGTH
          ? htmlResponse(414, "<html><body><h1>414 Request-URI Too Large</h1></body></html>")
          : this.#answer(url.pathname, query, apiKey, at, started);
    } catch (error) {
      // A simulator bug must not take the test process down: report it like CMC's own 500.
      response = errorResponse(500, 500, `Simulator error: ${(error as Error).message}`, at);
    }
    const sent = response === "hang" ? undefined : response;
    this.#creditsUsed += sent?.creditCount ?? 0;
    this.calls.push({
      path: url.pathname,
      query,
      apiKey,
      status: sent?.httpStatus ?? 0,
      errorCode: sent?.errorCode ?? null,
      creditCount: sent?.creditCount ?? 0,
      bodyBytes: sent && sent.delivery?.kind !== "flood" ? Buffer.byteLength(sent.body) : null,
      at,
    });
    if (sent) this.#deliver(req, res, sent);
  }

  #deliver(req: IncomingMessage, res: ServerResponse, response: SimResponse): void {
    if (this.#delayMs === 0) {
      send(req, res, response, this.#pending);
      return;
    }
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      send(req, res, response, this.#pending);
    }, this.#delayMs);
    this.#pending.add(timer);
  }

  #answer(path: string, query: Query, apiKey: string | undefined, at: Date, started: number): SimResponse | "hang" {
    const route = this.#routes.get(path);
    if (!route) return errorResponse(404, 404, "Not Found", at);
    const fault = this.#faults.take(!route.data);
    const preempted = fault && preemptiveResponse(fault, at);
    if (preempted) return preempted;
    if (!apiKey) return cmcError(401, 1002, at);
    if (!this.#apiKeys.has(apiKey)) return cmcError(401, 1001, at);
    const minuteLimit = this.#account.admitRequest();
    if (minuteLimit) return cmcError(429, minuteLimit, at);
    const creditLimit = route.data ? this.#account.creditBlock() : undefined;
    if (creditLimit) return cmcError(429, creditLimit, at);
    let outcome: Outcome;
    try {
      outcome = route.handle(query, {
        at,
        nullPriceIds: fault?.kind === "null-price" ? new Set([fault.cmcId]) : NO_IDS,
      });
    } catch (error) {
      if (error instanceof BadRequest) return errorResponse(400, 400, error.message, at);
      throw error;
    }
    this.#account.charge(outcome.credits);
    const elapsed = Math.round(performance.now() - started);
    return successWithFault(fault, outcome, { timestamp: at, elapsed, notice: this.#account.notice() });
  }
}

function send(req: IncomingMessage, res: ServerResponse, response: SimResponse, timers: Set<NodeJS.Timeout>): void {
  if (res.destroyed) return;
  const gzip = /\bgzip\b/i.test(req.headers["accept-encoding"] ?? "");
  // No Retry-After and no X-RateLimit-*: CMC sends neither.
  const headers: OutgoingHttpHeaders = { "Content-Type": response.contentType, "Cache-Control": "no-cache" };
  if (gzip) headers["Content-Encoding"] = "gzip";
  const { delivery } = response;
  if (delivery?.kind === "flood") {
    // Chunked, without end: only the client hanging up (or close()) stops it.
    res.writeHead(response.httpStatus, headers);
    const chunks = Readable.from(endless(response.body, delivery.chunk));
    const done = () => undefined;
    if (gzip) pipeline(chunks, createGzip(), res, done);
    else pipeline(chunks, res, done);
    return;
  }
  const body = gzip ? gzipSync(Buffer.from(response.body)) : Buffer.from(response.body);
  headers["Content-Length"] = body.length;
  res.writeHead(response.httpStatus, headers);
  if (delivery?.kind !== "drip") {
    res.end(body);
    return;
  }
  const chunks = Math.ceil(body.length / delivery.chunkBytes);
  const intervalMs = chunks > 1 ? delivery.totalMs / (chunks - 1) : 0;
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (timer) timers.delete(timer);
    if (res.destroyed) return;
    const chunk = body.subarray(sent, sent + delivery.chunkBytes);
    sent += chunk.length;
    if (sent >= body.length) {
      res.end(chunk);
      return;
    }
    res.write(chunk);
    timer = setTimeout(next, intervalMs);
    timers.add(timer);
  };
  next();
}

function* endless(first: string, chunk: string): Generator<string> {
  yield first;
  for (;;) yield chunk;
}
