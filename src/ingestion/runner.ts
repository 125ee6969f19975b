import type { DataSource } from "typeorm";
import { ABANDONED, type CmcClient, type CmcQuotesOutcome } from "../coinmarketcap/client";
import { CmcError } from "../coinmarketcap/errors";
import { addQuotesResult, emptyQuotesResult } from "../coinmarketcap/schemas";
import { databaseErrorLog, isDatabaseUnavailable } from "../db/availability";
import type { IngestionTrigger } from "../db/entities/ingestion-run.entity";
import { type AssetRow, trackedAssets } from "../db/store/assets";
import type { NewQuote } from "../db/store/quotes";
import {
  closeInterruptedRuns,
  type HeldRun,
  type RunReport,
  type RunRow,
  recordRun,
  recordSkippedRun,
  startRun,
} from "../db/store/runs";
import type { Logger } from "../logger";
import { rateLimitDelayMs } from "./backoff";
import type { QuoteBuffer } from "./quote-buffer";
import type { AssetTracker } from "./tracking";

/** What the schedule must do after a run, from CMC's answer. */
export type RunAction =
  | { kind: "continue" }
  | { kind: "disable"; reason: string }
  | { kind: "pause"; until: Date; reason: string };

export interface RunOutcome {
  run: RunRow;
  action: RunAction;
}

export interface RunnerOptions {
  dataSource: DataSource;
  cmc: CmcClient;
  tracker: AssetTracker;
  buffer: QuoteBuffer;
  converts: string[];
  trackedSymbols: string[];
  logger: Logger;
  /** Told of every recorded run (metrics, tests). */
  onRun?: (outcome: RunOutcome) => void;
  /** Attempts of one CMC call when CMC says "too many requests this minute". */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
}

function errorCodeOf(error: CmcError): string {
  if (error.errorCode !== null) return `CMC_${error.errorCode}`;
  if (error.kind === "server" && error.httpStatus !== null) return `CMC_HTTP_${error.httpStatus}`;
  return `CMC_${error.kind.toUpperCase().replaceAll("-", "_")}`;
}

/** A run kept in memory, as its record will read until the database is back: RUNNING, nothing stored yet. */
function unrecorded(report: RunReport): RunRow {
  return {
    id: report.runId ?? 0,
    trigger: report.trigger,
    status: "RUNNING",
    startedAt: report.startedAt,
    finishedAt: null,
    quotesFetched: report.quotesFetched,
    quotesInserted: 0,
    quotesSkipped: 0,
    creditsUsed: report.creditsUsed,
    errorCode: report.errorCode,
    errorMessage: report.errorMessage,
  };
}

/** One ingestion run: tracked assets → CMC → one transaction of quotes → the run's record. */
export class IngestionRunner {
  readonly #o: Required<RunnerOptions>;
  #current: Promise<RunOutcome | undefined> | undefined;
  /** The tracked assets as last read: what a run fetches while the database is unreachable. */
  #knownAssets: AssetRow[] | undefined;
  /** The last run found CMC unreachable (it was said once). */
  #unreachable = false;

  constructor(options: RunnerOptions) {
    this.#o = {
      maxAttempts: 3,
      onRun: () => undefined,
      sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
      random: Math.random,
      now: () => new Date(),
      ...options,
    };
  }

  get running(): boolean {
    return this.#current !== undefined;
  }

  /** Resolves when no run is in progress (for an orderly shutdown). */
  async idle(): Promise<void> {
    await this.#current?.catch(() => undefined);
  }

  /**
   * Runs never overlap in a process: a run asked for while one is in progress is recorded SKIPPED.
   * `deadline` (the next tick) bounds how long rate-limit retries may wait.
   */
  async run(trigger: IngestionTrigger, deadline?: Date): Promise<RunOutcome> {
    return (await this.runClaimed(trigger, async () => true, deadline)) as RunOutcome;
  }

  /**
   * Like `run`, for runs replicas take turns at: `claim` is asked once this process has reserved
   * the run, so a claim granted is always followed by this run (nothing in this process can come
   * in between and turn it into a SKIPPED one). Undefined when the claim went to another replica.
   */
  async runClaimed(
    trigger: IngestionTrigger,
    claim: () => Promise<boolean>,
    deadline?: Date,
  ): Promise<RunOutcome | undefined> {
    if (this.#current) {
      return {
        run: await this.recordSkipped(trigger, "the previous run is still in progress"),
        action: { kind: "continue" },
      };
    }
    this.#current = claim().then((granted) => (granted ? this.#run(trigger, deadline) : undefined));
    try {
      const outcome = await this.#current;
      // A run kept in memory is told of when it is recorded (flushBuffer).
      if (outcome && outcome.run.status !== "RUNNING") this.#o.onRun(outcome);
      return outcome;
    } finally {
      this.#current = undefined;
    }
  }

  async recordSkipped(trigger: IngestionTrigger, reason: string): Promise<RunRow> {
    this.#o.logger.warn({ trigger }, `ingestion run skipped: ${reason}`);
    const run = await recordSkippedRun(this.#o.dataSource, trigger, this.#o.now(), reason);
    this.#o.onRun({ run, action: { kind: "continue" } });
    return run;
  }

  /**
   * Where CMC cannot be reached (offline, a DNS or firewall problem), one plain warning says so and
   * what to do; the runs that fail that way (recorded as usual) log at debug, not an error a tick.
   */
  #logLevelOf(error: CmcError | null): "error" | "info" | "debug" {
    // Cut short by shutdown (recorded FAILED with that reason): nothing went wrong.
    if (error?.message === ABANDONED) return "info";
    const unreachable = error?.kind === "network";
    if (unreachable && !this.#unreachable) {
      this.#o.logger.warn(
        `CoinMarketCap cannot be reached (${error.message}): the API keeps serving stored quotes and every tick ` +
          "tries again. Without a network, `npm run demo` runs quotegraph on simulated prices.",
      );
    } else if (!unreachable && this.#unreachable && error === null) {
      this.#o.logger.info("CoinMarketCap answers again");
    }
    if (error === null || unreachable) this.#unreachable = unreachable;
    return unreachable ? "debug" : error ? "error" : "info";
  }

  /** Records the runs that ran while the database was unavailable, with their quotes, oldest first. */
  async flushBuffer(): Promise<number> {
    const { buffer, dataSource, logger } = this.#o;
    let stored = 0;
    for (let report = buffer.peek(); report; report = buffer.peek()) {
      const run = await recordRun(dataSource, report);
      buffer.shift();
      stored += run.quotesInserted;
      this.#o.onRun({ run, action: { kind: "continue" } });
      logger.info(
        { runId: run.id, status: run.status, quotes: report.quotes.length, inserted: run.quotesInserted },
        "stored quotes kept while the database was unavailable",
      );
    }
    return stored;
  }

  /** Records the runs of processes that stopped mid-run (killed, or their machine gone) as interrupted. */
  async closeInterrupted(): Promise<void> {
    const runs = await closeInterruptedRuns(this.#o.dataSource);
    if (runs.length > 0) {
      this.#o.logger.warn({ runs }, "recorded runs a stopped process left RUNNING as FAILED (interrupted)");
    }
  }

  async #run(trigger: IngestionTrigger, deadline: Date | undefined): Promise<RunOutcome> {
    const begun = { trigger, startedAt: this.#o.now(), started: performance.now() };
    const held = await this.#begin(trigger, begun.startedAt);
    try {
      return await this.#fetchAndRecord(begun, held?.run.id ?? null, deadline);
    } finally {
      await held?.release();
    }
  }

  async #fetchAndRecord(
    { trigger, startedAt, started }: { trigger: IngestionTrigger; startedAt: Date; started: number },
    runId: number | null,
    deadline: Date | undefined,
  ): Promise<RunOutcome> {
    const { dataSource, logger } = this.#o;
    const { assets, fetched } = await this.#fetchTracked(deadline);
    const { result, error } = fetched;

    const assetIds = new Map(assets.map((a) => [a.cmcId, a.id]));
    const quotes: NewQuote[] = result.quotes.flatMap(({ cmcId, symbol, ...values }) => {
      const assetId = assetIds.get(cmcId);
      return assetId === undefined ? [] : [{ ...values, assetId }];
    });
    if (result.skipped.length > 0) {
      logger.warn(
        { runId, skipped: result.skipped.slice(0, 20) },
        `skipped ${result.skipped.length} invalid CoinMarketCap entries`,
      );
    }
    if (result.notice) logger.warn({ notice: result.notice }, "CoinMarketCap notice");
    const report: RunReport = {
      runId,
      trigger,
      startedAt,
      finishedAt: this.#o.now(),
      quotesFetched: result.quotes.length + result.skipped.length,
      entriesSkipped: result.skipped.length,
      creditsUsed: result.creditCount,
      errorCode: error ? errorCodeOf(error) : null,
      errorMessage: error ? error.message : null,
      quotes,
    };
    const action = error ? await this.#actionFor(error) : ({ kind: "continue" } as const);

    let run: RunRow;
    try {
      run = await recordRun(dataSource, report);
    } catch (writeError) {
      if (!isDatabaseUnavailable(writeError)) throw writeError;
      const dropped = this.#o.buffer.add(report);
      logger.error(
        { ...databaseErrorLog(writeError), runId, buffered: this.#o.buffer.size, dropped },
        `could not store ${quotes.length} fetched quotes; kept in memory until the database is back`,
      );
      // Recorded when the database is back (flushBuffer); until then the run is RUNNING, as in the table.
      return { run: unrecorded(report), action };
    }
    logger[this.#logLevelOf(error)](
      {
        runId: run.id,
        trigger,
        status: run.status,
        fetched: run.quotesFetched,
        inserted: run.quotesInserted,
        skipped: run.quotesSkipped,
        credits: run.creditsUsed,
        ms: Math.round(performance.now() - started),
        ...(error ? { error: run.errorCode, kind: error.kind } : {}),
      },
      error
        ? `ingestion run ${run.status.toLowerCase()}: ${error.message}`
        : `ingestion run ${run.status.toLowerCase()}`,
    );
    return { run, action };
  }

  /**
   * Stores what earlier runs kept in memory, closes those of stopped processes (after this process's
   * own are stored, so none of them is taken for one), then opens this run's RUNNING record. With the
   * database unreachable the run goes on without a record (null): CMC's latest price cannot be
   * fetched later.
   */
  async #begin(trigger: IngestionTrigger, startedAt: Date): Promise<HeldRun | null> {
    try {
      await this.flushBuffer();
      await this.closeInterrupted();
      return await startRun(this.#o.dataSource, trigger, startedAt);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.#o.logger.warn(
        { reason: (error as Error).message, buffered: this.#o.buffer.size },
        "database unreachable: fetching this run's quotes into memory",
      );
      return null;
    }
  }

  /** The tracked assets (the last ones read, while the database is unreachable) and their quotes from CMC. */
  async #fetchTracked(deadline: Date | undefined): Promise<{ assets: AssetRow[]; fetched: CmcQuotesOutcome }> {
    const none = { result: emptyQuotesResult(), error: null };
    let assets = this.#knownAssets;
    try {
      await this.#o.tracker.seed(this.#o.trackedSymbols);
      assets = await trackedAssets(this.#o.dataSource);
      this.#knownAssets = assets;
    } catch (error) {
      // Resolving TRACKED_SYMBOLS through /map can fail like any CMC call.
      if (error instanceof CmcError) return { assets: [], fetched: { result: emptyQuotesResult(), error } };
      if (!isDatabaseUnavailable(error) || assets === undefined) throw error;
    }
    if (assets.length === 0) return { assets, fetched: none };
    const ids = assets.map((a) => a.cmcId).sort((a, b) => a - b);
    return { assets, fetched: await this.#fetch(ids, deadline) };
  }

  /** quotes/latest with retries on CMC's per-minute limit; a retry asks only for the ids still missing. */
  async #fetch(ids: number[], deadline: Date | undefined): Promise<CmcQuotesOutcome> {
    const { cmc, converts, logger } = this.#o;
    const total = emptyQuotesResult();
    let missing = ids;
    for (let attempt = 1; ; attempt++) {
      const { result, error } = await cmc.quotesLatest(missing, converts);
      addQuotesResult(total, result);
      if (!error) return { result: total, error: null };
      const answered = new Set<number | null>([
        ...total.quotes.map((q) => q.cmcId),
        ...total.skipped.map((s) => s.cmcId),
      ]);
      missing = missing.filter((id) => !answered.has(id));
      const wait = rateLimitDelayMs(attempt, this.#o.now(), this.#o.random);
      const late = deadline !== undefined && this.#o.now().getTime() + wait >= deadline.getTime();
      if (error.kind !== "rate-limit-minute" || attempt >= this.#o.maxAttempts || late) {
        return { result: total, error };
      }
      logger.warn(
        { attempt, waitMs: Math.round(wait), errorCode: error.errorCode },
        `CoinMarketCap rate limit: ${error.message}; retrying`,
      );
      await this.#o.sleep(wait);
    }
  }

  async #actionFor(error: CmcError): Promise<RunAction> {
    switch (error.kind) {
      case "auth":
      case "payment":
      case "forbidden":
        return {
          kind: "disable",
          reason: `CoinMarketCap refused the API key (${errorCodeOf(error)}): ${error.message}`,
        };
      case "quota-daily":
      case "quota-monthly":
        return { kind: "pause", until: await this.#quotaReset(error.kind), reason: error.message };
      default:
        return { kind: "continue" };
    }
  }

  /** When CMC's daily or monthly credits come back, per /v1/key/info, else per CMC's documented resets. */
  async #quotaReset(kind: "quota-daily" | "quota-monthly"): Promise<Date> {
    const now = this.#o.now();
    try {
      const info = await this.#o.cmc.keyInfo();
      const reset = kind === "quota-daily" ? info.dailyResetAt : info.monthlyResetAt;
      if (reset && reset.getTime() > now.getTime()) return reset;
    } catch (error) {
      this.#o.logger.warn({ err: error }, "could not read the key's reset time from CoinMarketCap");
    }
    return kind === "quota-daily"
      ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))
      : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  }
}
