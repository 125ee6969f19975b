import { parseExpression } from "cron-parser";
import schedule, { type Job } from "node-schedule";
import type { DataSource } from "typeorm";
import { cronForInterval, fastestIntervalMinutes, projectCronMonthlyCredits } from "../coinmarketcap/credits";
import { databaseErrorLog, isDatabaseUnavailable } from "../db/availability";
import { trackedAssetCount } from "../db/store/assets";
import { claimSlot, claimStartup, pruneClaims } from "../db/store/claims";
import { trackedSymbolsSeeded } from "../db/store/meta";
import { lastStoringRunFinishedAt } from "../db/store/runs";
import type { Logger } from "../logger";
import type { IngestionRunner, RunAction, RunOutcome } from "./runner";

export interface SchedulerOptions {
  dataSource: DataSource;
  runner: IngestionRunner;
  logger: Logger;
  source: string;
  /** A user-set cron expression; undefined: the fastest schedule that fits the budget. */
  cron: string | undefined;
  converts: number;
  monthlyCredits: number;
  /** Tracked coins assumed before the database says (the first start seeds TRACKED_SYMBOLS). */
  expectedCoins: number;
  /** Unique per process: recorded with each claimed tick. */
  instance: string;
  /**
   * The clock the pause and the start-up decision read; it must be the one runs are recorded on
   * (the runner's `now`). Default: the system clock.
   */
  now?: () => Date;
}

export interface IngestionStateSnapshot {
  enabled: boolean;
  source: string;
  schedule: string;
  nextRunAt: Date | null;
  projectedMonthlyCredits: number;
  monthlyCreditBudget: number;
}

/** Triggers runs on a cron schedule that fits the CMC credit budget, one CMC call per tick across replicas. */
export class IngestionScheduler {
  readonly #o: Required<SchedulerOptions>;
  #job: Job | undefined;
  #cron = "";
  #projected = 0;
  #disabled: string | undefined;
  #pausedUntil: Date | undefined;
  #warnedOverspend = false;
  #stopped = false;
  #ticks = new Set<Promise<unknown>>();
  /** The start-up run, when one was due: tests and `ingest:once` await it. */
  startupRun: Promise<RunOutcome | undefined> = Promise.resolve(undefined);

  constructor(options: SchedulerOptions) {
    this.#o = { now: () => new Date(), ...options };
  }

  state(): IngestionStateSnapshot {
    const next = this.#job?.nextInvocation();
    const nextRunAt = this.#disabled ? null : (this.#pausedUntil ?? (next ? new Date(next.getTime()) : null));
    return {
      enabled: this.#disabled === undefined,
      source: this.#o.source,
      schedule: this.#cron,
      nextRunAt,
      projectedMonthlyCredits: this.#projected,
      monthlyCreditBudget: this.#o.monthlyCredits,
    };
  }

  async start(): Promise<void> {
    await this.refresh(this.#o.expectedCoins);
    await pruneClaims(this.#o.dataSource);
    await this.#o.runner.closeInterrupted();
    this.startupRun = this.#track(
      this.#startupRun().catch((error: unknown) => {
        this.#o.logger.error({ err: error }, `start-up ingestion run failed: ${(error as Error).message}`);
        return undefined;
      }),
    );
  }

  /** Recomputes the schedule and its projection, e.g. after tracking changed. */
  async refresh(coins?: number): Promise<void> {
    const count = coins ?? (await this.#coinCount());
    const { cron, converts, monthlyCredits, logger } = this.#o;
    let next: string;
    if (cron) {
      next = cron;
      this.#projected = projectCronMonthlyCredits(cron, count, converts);
      if (this.#projected > monthlyCredits && !this.#warnedOverspend) {
        this.#warnedOverspend = true;
        logger.warn(
          { schedule: cron, projectedMonthlyCredits: this.#projected, monthlyCreditBudget: monthlyCredits },
          "INGEST_CRON spends more CoinMarketCap credits than CMC_MONTHLY_CREDITS allows; running it as asked",
        );
      }
    } else {
      const choice = fastestIntervalMinutes(count, converts, monthlyCredits);
      next = cronForInterval(choice.minutes);
      this.#projected = choice.projectedMonthlyCredits;
      if (!choice.fits) {
        logger.warn(
          { coins: count, converts, projectedMonthlyCredits: this.#projected, monthlyCreditBudget: monthlyCredits },
          "even one run a day overspends CMC_MONTHLY_CREDITS; running daily",
        );
      }
    }
    if (next !== this.#cron || !this.#job) {
      this.#job?.cancel();
      this.#cron = next;
      // After stop(), a run that was in flight may still refresh: it must not schedule again.
      if (this.#disabled === undefined && !this.#stopped) {
        this.#job = schedule.scheduleJob(next, (fireDate) => void this.#track(this.#tick(fireDate)));
      }
      logger.info(
        {
          schedule: next,
          coins: count,
          converts,
          projectedMonthlyCredits: this.#projected,
          monthlyCreditBudget: monthlyCredits,
        },
        "ingestion schedule",
      );
    }
  }

  /** A run outside the schedule (the admin mutation); it costs credits like any other. */
  async runNow(): Promise<RunOutcome> {
    const outcome = await this.#o.runner.run("MANUAL");
    this.#apply(outcome.action);
    return outcome;
  }

  /** Stops scheduling and waits for a tick in progress to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#job?.cancel();
    this.#job = undefined;
    await Promise.allSettled([...this.#ticks]);
    await this.#o.runner.idle();
  }

  async #tick(fireDate: Date): Promise<void> {
    const { runner, logger } = this.#o;
    if (this.#pausedUntil) {
      if (this.#o.now().getTime() < this.#pausedUntil.getTime()) {
        logger.debug({ tick: fireDate, until: this.#pausedUntil }, "tick skipped: ingestion is paused");
        return;
      }
      logger.info("CoinMarketCap credits are back; ingestion resumes");
      this.#pausedUntil = undefined;
    }
    try {
      if (runner.running) {
        await runner.recordSkipped("SCHEDULE", "the previous run is still in progress");
        return;
      }
      const next = this.#job?.nextInvocation();
      const outcome = await runner.runClaimed(
        "SCHEDULE",
        () => this.#claim(`tick:${fireDate.toISOString()}`),
        next ? new Date(next.getTime()) : undefined,
      );
      if (!outcome) {
        logger.debug({ tick: fireDate }, "another instance runs this tick");
        return;
      }
      this.#apply(outcome.action);
    } catch (error) {
      logger.error(databaseErrorLog(error), `ingestion tick failed: ${(error as Error).message}`);
      await runner.flushBuffer().catch(() => undefined);
    }
  }

  /**
   * A tick's claim. With the database unreachable replicas cannot take turns, so each fetches: a
   * minute CMC served but nobody fetched is lost for good, while one fetched twice is stored once.
   */
  async #claim(slot: string): Promise<boolean> {
    try {
      return await claimSlot(this.#o.dataSource, slot, this.#o.instance);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.#o.logger.warn(
        { slot },
        "database unreachable: running this tick without a claim (replicas may each fetch it)",
      );
      return true;
    }
  }

  async #startupRun(): Promise<RunOutcome | undefined> {
    const { dataSource, instance, logger, runner } = this.#o;
    const interval = this.#intervalMs();
    const last = await lastStoringRunFinishedAt(dataSource);
    if (last && this.#o.now().getTime() - last.getTime() < interval) {
      logger.info({ lastSuccessAt: last }, "no start-up run: the last successful run is recent");
      return undefined;
    }
    if (runner.running) return undefined;
    // It stands in for the schedule's latest tick, and only when no run was claimed within the last
    // interval: replicas starting together, even across a tick boundary, make one call between them.
    const latestTick = parseExpression(this.#cron).prev().toDate();
    const outcome = await runner.runClaimed("STARTUP", () =>
      claimStartup(dataSource, `tick:${latestTick.toISOString()}`, instance, interval),
    );
    if (!outcome) {
      logger.info("no start-up run: another instance ran within the last interval");
      return undefined;
    }
    this.#apply(outcome.action);
    // The first run on a database seeds TRACKED_SYMBOLS: the schedule follows the real count.
    await this.refresh();
    return outcome;
  }

  #apply(action: RunAction): void {
    const { logger } = this.#o;
    if (action.kind === "disable" && this.#disabled === undefined) {
      this.#disabled = action.reason;
      this.#job?.cancel();
      this.#job = undefined;
      logger.error(
        `ingestion disabled: ${action.reason}. The API keeps serving stored quotes; fix CMC_API_KEY and restart.`,
      );
    } else if (action.kind === "pause" && this.#pausedUntil === undefined) {
      this.#pausedUntil = action.until;
      logger.warn(
        { until: action.until },
        `CoinMarketCap credits exhausted (${action.reason}); ingestion paused until the reset`,
      );
    }
  }

  /**
   * The tracked assets' count, or TRACKED_SYMBOLS' while they wait to be resolved (CMC unreachable
   * at the first start): the schedule planned for them stays, rather than one for no coins at all.
   */
  async #coinCount(): Promise<number> {
    const { dataSource, expectedCoins } = this.#o;
    return (await trackedSymbolsSeeded(dataSource)) ? trackedAssetCount(dataSource) : expectedCoins;
  }

  /** Time between two consecutive ticks of the schedule. */
  #intervalMs(): number {
    const expression = parseExpression(this.#cron);
    const first = expression.next().getTime();
    return expression.next().getTime() - first;
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#ticks.add(promise);
    const forget = () => this.#ticks.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}
