import type { DataSource } from "typeorm";
import type { CmcClient } from "../coinmarketcap/client";
import { CmcError } from "../coinmarketcap/errors";
import type { CmcQuote, CmcQuotesResult } from "../coinmarketcap/schemas";
import { Asset } from "../db/entities/asset.entity";
import { IngestionRun, type IngestionStatus, type IngestionTrigger } from "../db/entities/ingestion-run.entity";
import type { Logger } from "../logger";
import { rateLimitDelayMs } from "./backoff";
import type { QuoteBuffer } from "./quote-buffer";
import { type PendingQuote, writeQuotes } from "./quote-writer";
import type { AssetTracker } from "./tracking";

/** What the schedule must do after a run, from CMC's answer. */
export type RunAction =
  | { kind: "continue" }
  | { kind: "disable"; reason: string }
  | { kind: "pause"; until: Date; reason: string };

export interface RunOutcome {
  run: IngestionRun;
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
  #current: Promise<RunOutcome> | undefined;

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
    if (this.#current) {
      return {
        run: await this.recordSkipped(trigger, "the previous run is still in progress"),
        action: { kind: "continue" },
      };
    }
    this.#current = this.#run(trigger, deadline);
    try {
      const outcome = await this.#current;
      this.#o.onRun(outcome);
      return outcome;
    } finally {
      this.#current = undefined;
    }
  }

  async recordSkipped(trigger: IngestionTrigger, reason: string): Promise<IngestionRun> {
    const now = this.#o.now();
    this.#o.logger.warn({ trigger }, `ingestion run skipped: ${reason}`);
    const run = await this.#o.dataSource.getRepository(IngestionRun).save({
      trigger,
      status: "SKIPPED",
      startedAt: now,
      finishedAt: now,
      errorCode: "SKIPPED",
      errorMessage: reason,
    });
    this.#o.onRun({ run, action: { kind: "continue" } });
    return run;
  }

  /** Stores quotes that were fetched while the database was unavailable, oldest first. */
  async flushBuffer(): Promise<number> {
    const { buffer, dataSource, logger } = this.#o;
    let stored = 0;
    for (let batch = buffer.peek(); batch; batch = buffer.peek()) {
      const inserted = await writeQuotes(dataSource, batch.quotes);
      await dataSource.query(
        `UPDATE ingestion_run SET quotes_inserted = quotes_inserted + $2,
           quotes_skipped = greatest(quotes_fetched - quotes_inserted - $2, 0),
           status = CASE WHEN status = 'RUNNING' THEN 'SUCCEEDED' ELSE status END,
           finished_at = coalesce(finished_at, now())
         WHERE id = $1`,
        [batch.runId, inserted],
      );
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
    const runs = dataSource.getRepository(IngestionRun);
    await this.flushBuffer();
    const run = await runs.save({ trigger, status: "RUNNING" as IngestionStatus, startedAt: this.#o.now() });
    const started = performance.now();
    let result: CmcQuotesResult = { quotes: [], skipped: [], creditCount: 0, fetched: 0, notice: null };
    let failure: CmcError | undefined;
    let assets: Asset[] = [];
    try {
      await tracker.seed(this.#o.trackedSymbols);
      assets = await dataSource.getRepository(Asset).find({ where: { tracked: true }, order: { cmcId: "ASC" } });
      if (assets.length > 0)
        result = await this.#fetch(
          assets.map((a) => a.cmcId),
          deadline,
        );
    } catch (error) {
      if (!(error instanceof CmcError)) throw error;
      failure = error;
      if (error.partial) result = error.partial;
    }

    const assetIds = new Map(assets.map((a) => [a.cmcId, a.id]));
    const pending: PendingQuote[] = result.quotes.flatMap((q) => {
      const assetId = assetIds.get(q.cmcId);
      return assetId === undefined ? [] : [{ ...q, assetId }];
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
      run.quotesInserted = await writeQuotes(dataSource, pending);
    } catch (error) {
      const dropped = this.#o.buffer.add({ runId: run.id, quotes: pending });
      logger.error(
        { err: error, runId: run.id, buffered: this.#o.buffer.size, dropped },
        `could not store ${pending.length} fetched quotes; kept in memory until the database is back`,
      );
      return { run, action: { kind: "continue" } };
    }
    run.quotesSkipped = run.quotesFetched - run.quotesInserted;
    run.status = failure ? (run.quotesInserted > 0 ? "PARTIAL" : "FAILED") : "SUCCEEDED";
    run.errorCode = failure ? errorCodeOf(failure) : null;
    run.errorMessage = failure ? failure.message : null;
    run.finishedAt = this.#o.now();
    await runs.save(run);

    const action = failure ? await this.#actionFor(failure) : ({ kind: "continue" } as const);
    logger[failure ? "error" : "info"](
      {
        runId: run.id,
        trigger,
        status: run.status,
        fetched: run.quotesFetched,
        inserted: run.quotesInserted,
        skipped: run.quotesSkipped,
        credits: run.creditsUsed,
        ms: Math.round(performance.now() - started),
        ...(failure ? { error: run.errorCode, kind: failure.kind } : {}),
      },
      failure ? `ingestion run ${run.status.toLowerCase()}: ${failure.message}` : "ingestion run succeeded",
    );
    return { run, action };
  }

  /** quotes/latest with retries on CMC's per-minute limit; a retry asks only for the ids still missing. */
  async #fetch(ids: number[], deadline: Date | undefined): Promise<CmcQuotesResult> {
    const { cmc, converts, logger } = this.#o;
    const total: CmcQuotesResult = { quotes: [], skipped: [], creditCount: 0, fetched: 0, notice: null };
    const merge = (part: CmcQuotesResult) => {
      total.quotes.push(...part.quotes);
      total.skipped.push(...part.skipped);
      total.creditCount += part.creditCount;
      total.fetched += part.fetched;
      total.notice = part.notice ?? total.notice;
    };
    let missing = ids;
    for (let attempt = 1; ; attempt++) {
      try {
        merge(await cmc.quotesLatest(missing, converts));
        return total;
      } catch (error) {
        if (!(error instanceof CmcError)) throw error;
        if (error.partial) merge(error.partial);
        const answered = new Set<number | null>([
          ...total.quotes.map((q: CmcQuote) => q.cmcId),
          ...total.skipped.map((s) => s.cmcId),
        ]);
        missing = missing.filter((id) => !answered.has(id));
        const wait = rateLimitDelayMs(attempt, this.#o.now(), this.#o.random);
        const late = deadline !== undefined && this.#o.now().getTime() + wait >= deadline.getTime();
        if (error.kind !== "rate-limit-minute" || attempt >= this.#o.maxAttempts || late) {
          error.partial = total;
          throw error;
        }
        logger.warn(
          { attempt, waitMs: Math.round(wait), errorCode: error.errorCode },
          `CoinMarketCap rate limit: ${error.message}; retrying`,
        );
        await this.#o.sleep(wait);
      }
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
