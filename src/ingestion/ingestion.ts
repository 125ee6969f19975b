import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import type { DataSource } from "typeorm";
import { type CmcCall, CmcClient } from "../coinmarketcap/client";
import type { Config } from "../config";
import { databaseErrorLog } from "../db/availability";
import type { AssetRow } from "../db/store/assets";
import type { Logger } from "../logger";
import { QuoteBuffer } from "./quote-buffer";
import { IngestionRunner, type RunnerOptions, type RunOutcome } from "./runner";
import { IngestionScheduler, type IngestionStateSnapshot } from "./scheduler";
import { guardPriceSource } from "./source-guard";
import { type AssetSelector, AssetTracker, TrackingError } from "./tracking";

/** Quotes kept in memory while the database is unavailable; about 2 MB at this bound. */
const BUFFER_LIMIT = 10_000;

export interface IngestionOptions {
  config: Pick<Config, "cmc" | "converts" | "trackedSymbols" | "ingestCron">;
  dataSource: DataSource;
  logger: Logger;
  /** Test seams for time and randomness; production uses the real ones. The scheduler reads the same `now`. */
  runner?: Pick<RunnerOptions, "sleep" | "random" | "now" | "maxAttempts">;
  /** Quotes the buffer keeps while the database is unavailable; default 10 000. */
  bufferLimit?: number;
  cmcTimeoutMs?: number;
  /** The HTTP client CMC calls go through; default: global fetch. */
  fetch?: typeof fetch;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The asset now (un)tracked, or why the request was refused: the caller's mistake, to be fixed by the caller. */
export type TrackResult = { asset: AssetRow; refused?: undefined } | { asset?: undefined; refused: string };

/** Everything ingestion offers the rest of the service: its state, a manual run, tracking. */
export class Ingestion {
  readonly buffer: QuoteBuffer;
  /** `run`: every recorded run, with what the schedule does next; `cmc`: every CMC request. */
  readonly events = new EventEmitter<{ run: [RunOutcome]; cmc: [CmcCall] }>();
  readonly scheduler: IngestionScheduler;
  readonly #runner: IngestionRunner;
  readonly #tracker: AssetTracker;
  readonly #o: IngestionOptions;
  readonly #shutdown = new AbortController();

  constructor(options: IngestionOptions) {
    this.#o = options;
    const { config, dataSource, logger } = options;
    this.buffer = new QuoteBuffer(options.bufferLimit ?? BUFFER_LIMIT);
    const cmc = new CmcClient({
      baseUrl: config.cmc.baseUrl,
      apiKey: config.cmc.apiKey,
      logger,
      ...(options.cmcTimeoutMs ? { timeoutMs: options.cmcTimeoutMs } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      signal: this.#shutdown.signal,
      onCall: (call) => this.events.emit("cmc", call),
      ...(options.runner?.now ? { now: options.runner.now } : {}),
    });
    this.#tracker = new AssetTracker(dataSource, cmc, logger);
    this.#runner = new IngestionRunner({
      dataSource,
      cmc,
      tracker: this.#tracker,
      buffer: this.buffer,
      converts: config.converts,
      trackedSymbols: config.trackedSymbols,
      logger,
      onRun: (outcome) => this.events.emit("run", outcome),
      sleep: (ms) => abortableSleep(ms, this.#shutdown.signal),
      ...options.runner,
    });
    this.scheduler = new IngestionScheduler({
      dataSource,
      runner: this.#runner,
      logger,
      source: config.cmc.source,
      cron: config.ingestCron,
      converts: config.converts.length,
      monthlyCredits: config.cmc.monthlyCredits,
      expectedCoins: config.trackedSymbols.length,
      instance: `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
      ...(options.runner?.now ? { now: options.runner.now } : {}),
    });
  }

  /** Refuses a database that holds another price source's quotes. */
  prepare(): Promise<void> {
    return guardPriceSource(this.#o.dataSource, this.#o.config.cmc.source);
  }

  async start(): Promise<void> {
    await this.prepare();
    await this.scheduler.start();
  }

  /**
   * No new runs; a CMC call in flight is abandoned, a write in flight completes. Quotes still kept
   * in memory get one last try at the database; what cannot be stored is said loudly.
   */
  async stop(): Promise<void> {
    this.#shutdown.abort();
    await this.scheduler.stop();
    if (this.buffer.size === 0) return;
    try {
      await this.#runner.flushBuffer();
    } catch (error) {
      this.#o.logger.error(
        { ...databaseErrorLog(error), quotes: this.buffer.size, dropped: this.buffer.dropped },
        `${this.buffer.size} quotes fetched while the database was unavailable could not be stored before shutdown and are lost`,
      );
    }
  }

  state(): IngestionStateSnapshot {
    return this.scheduler.state();
  }

  /** One run now, outside the schedule; also what `npm run ingest:once` does. */
  runNow(): Promise<RunOutcome> {
    return this.scheduler.runNow();
  }

  /** Tracks a coin; a request that names no coin, or several, is refused with what to send instead. */
  track(selector: AssetSelector): Promise<TrackResult> {
    return this.#changeTracking(() => this.#tracker.track(selector));
  }

  untrack(selector: AssetSelector): Promise<TrackResult> {
    return this.#changeTracking(() => this.#tracker.untrack(selector));
  }

  async #changeTracking(change: () => Promise<AssetRow>): Promise<TrackResult> {
    let asset: AssetRow;
    try {
      asset = await change();
    } catch (error) {
      if (error instanceof TrackingError) return { refused: error.message };
      throw error;
    }
    await this.scheduler.refresh();
    return { asset };
  }
}
