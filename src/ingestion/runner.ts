import type { DataSource } from "typeorm";
import type { CmcClient, CmcQuotesOutcome } from "../coinmarketcap/client";
import { CmcError } from "../coinmarketcap/errors";
import { addQuotesResult, emptyQuotesResult } from "../coinmarketcap/schemas";
import type { IngestionTrigger } from "../db/entities/ingestion-run.entity";
import { type AssetRow, trackedAssets } from "../db/store/assets";
import { insertQuotes, type NewQuote } from "../db/store/quotes";
import { finishRun, type RunRow, recordSkippedRun, startRun, storeBufferedRun } from "../db/store/runs";
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

/** One ingestion run: tracked assets → CMC → one transaction of quotes → the run's record. */
export class IngestionRunner {
  readonly #o: Required<RunnerOptions>;
  #current: Promise<RunOutcome | undefined> | undefined;

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
      if (outcome) this.#o.onRun(outcome);
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

  /** Stores quotes that were fetched while the database was unavailable, oldest first. */
  async flushBuffer(): Promise<number> {
    const { buffer, dataSource, logger } = this.#o;
    let stored = 0;
    for (let batch = buffer.peek(); batch; batch = buffer.peek()) {
      const inserted = await storeBufferedRun(dataSource, batch);
      buffer.shift();
      stored += inserted;
      logger.info(
        { runId: batch.runId, quotes: batch.quotes.length, inserted },
        "stored quotes kept while the database was unavailable",
      );
    }
    return stored;
  }

  async #run(trigger: IngestionTrigger, deadline: Date | undefined): Promise<RunOutcome> {
    const { dataSource, logger, tracker } = this.#o;
    await this.flushBuffer();
    const run = await startRun(dataSource, trigger, this.#o.now());
    const started = performance.now();
    let assets: AssetRow[] = [];
    let fetched: CmcQuotesOutcome = { result: emptyQuotesResult(), error: null };
    try {
      await tracker.seed(this.#o.trackedSymbols);
      assets = await trackedAssets(dataSource);
      if (assets.length > 0) {
        fetched = await this.#fetch(
          assets.map((a) => a.cmcId).sort((a, b) => a - b),
          deadline,
        );
      }
    } catch (cmcError) {
      // Resolving TRACKED_SYMBOLS through /map can fail like any CMC call.
      if (!(cmcError instanceof CmcError)) throw cmcError;
      fetched = { result: emptyQuotesResult(), error: cmcError };
    }
    const { result, error } = fetched;

    const assetIds = new Map(assets.map((a) => [a.cmcId, a.id]));
    const pending: NewQuote[] = result.quotes.flatMap(({ cmcId, symbol, ...values }) => {
      const assetId = assetIds.get(cmcId);
      return assetId === undefined ? [] : [{ ...values, assetId }];
    });
    run.quotesFetched = result.quotes.length + result.skipped.length;
    run.creditsUsed = result.creditCount;
    if (result.skipped.length > 0) {
      logger.warn(
        { runId: run.id, skipped: result.skipped.slice(0, 20) },
        `skipped ${result.skipped.length} invalid CoinMarketCap entries`,
      );
    }
    if (result.notice) logger.warn({ notice: result.notice }, "CoinMarketCap notice");

    try {
      run.quotesInserted = await insertQuotes(dataSource, pending);
    } catch (writeError) {
      const dropped = this.#o.buffer.add({
        runId: run.id,
        quotesFetched: run.quotesFetched,
        creditsUsed: run.creditsUsed,
        errorCode: error ? errorCodeOf(error) : null,
        errorMessage: error ? error.message : null,
        quotes: pending,
      });
      logger.error(
        { err: writeError, runId: run.id, buffered: this.#o.buffer.size, dropped },
        `could not store ${pending.length} fetched quotes; kept in memory until the database is back`,
      );
      return { run, action: error ? await this.#actionFor(error) : { kind: "continue" } };
    }
    run.quotesSkipped = run.quotesFetched - run.quotesInserted;
    run.status = error ? (run.quotesInserted > 0 ? "PARTIAL" : "FAILED") : "SUCCEEDED";
    run.errorCode = error ? errorCodeOf(error) : null;
    run.errorMessage = error ? error.message : null;
    run.finishedAt = this.#o.now();
    const finished = await finishRun(dataSource, run);

    const action = error ? await this.#actionFor(error) : ({ kind: "continue" } as const);
    logger[error ? "error" : "info"](
      {
        runId: finished.id,
        trigger,
        status: finished.status,
        fetched: finished.quotesFetched,
        inserted: finished.quotesInserted,
        skipped: finished.quotesSkipped,
        credits: finished.creditsUsed,
        ms: Math.round(performance.now() - started),
        ...(error ? { error: finished.errorCode, kind: error.kind } : {}),
      },
      error ? `ingestion run ${finished.status.toLowerCase()}: ${error.message}` : "ingestion run succeeded",
    );
    return { run: finished, action };
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
