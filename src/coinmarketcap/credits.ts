import { parseExpression } from "cron-parser";

/**
 * Ids per `quotes/latest` request. CMC's documents disagree on whether a credit covers 100, 200 or
 * 250 coins; at 100 a request costs the same under every reading.
 */
export const QUOTE_BATCH_SIZE = 100;

/**
 * Projections use the longest month, so a schedule that fits never overspends in any month.
 */
export const PROJECTION_DAYS = 31;
const MINUTES_PER_PROJECTION = PROJECTION_DAYS * 24 * 60;

/** Intervals that divide an hour or a day, so `cronForInterval` can fire at an even pace. */
export const CRON_FRIENDLY_INTERVALS: readonly number[] = [
  1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440,
];

/**
 * Credits one tick costs: one `quotes/latest` request per batch of `QUOTE_BATCH_SIZE` coins, each
 * charged ceil(coins / 100) + (converts − 1). Splitting into batches repeats the convert surcharge
 * per request.
 */
export function quoteCallCredits(coins: number, converts: number): number {
  requireCount(coins, 0, "coins");
  requireCount(converts, 1, "converts");
  const fullBatches = Math.floor(coins / QUOTE_BATCH_SIZE);
  const rest = coins % QUOTE_BATCH_SIZE;
  const requestCost = (size: number) => Math.ceil(size / 100) + converts - 1;
  return fullBatches * requestCost(QUOTE_BATCH_SIZE) + (rest > 0 ? requestCost(rest) : 0);
}

/** Credits a steady schedule spends in `PROJECTION_DAYS` days. */
export function projectMonthlyCredits(coins: number, converts: number, intervalMinutes: number): number {
  if (!Number.isFinite(intervalMinutes) || intervalMinutes <= 0) {
    throw new RangeError(`intervalMinutes must be a positive number, got ${intervalMinutes}`);
  }
  return Math.ceil(MINUTES_PER_PROJECTION / intervalMinutes) * quoteCallCredits(coins, converts);
}

export interface IntervalChoice {
  minutes: number;
  /** False when even the slowest candidate overspends the budget; `minutes` is then that slowest one. */
  fits: boolean;
  projectedMonthlyCredits: number;
}

/** The shortest candidate interval (whole minutes, at least 1) whose projection fits the monthly budget. */
export function fastestIntervalMinutes(
  coins: number,
  converts: number,
  monthlyBudget: number,
  options: { candidates?: readonly number[] } = {},
): IntervalChoice {
  const candidates = [...(options.candidates ?? CRON_FRIENDLY_INTERVALS)].sort((a, b) => a - b);
  if (candidates.length === 0) throw new RangeError("candidates must not be empty");
  for (const minutes of candidates) requireCount(minutes, 1, "a candidate interval");
  requireCount(monthlyBudget, 0, "monthlyBudget");
  const projections = candidates.map((minutes) => ({
    minutes,
    projectedMonthlyCredits: projectMonthlyCredits(coins, converts, minutes),
  }));
  const fitting = projections.find((p) => p.projectedMonthlyCredits <= monthlyBudget);
  if (fitting) return { ...fitting, fits: true };
  return { ...projections[projections.length - 1], fits: false };
}

/** A node-schedule cron expression firing every `minutes` minutes, aligned to the hour or to midnight. */
export function cronForInterval(minutes: number): string {
  requireCount(minutes, 1, "minutes");
  if (minutes === 1) return "* * * * *";
  if (minutes < 60 && 60 % minutes === 0) return `*/${minutes} * * * *`;
  const hours = minutes / 60;
  if (Number.isInteger(hours) && 24 % hours === 0) {
    if (hours === 1) return "0 * * * *";
    if (hours === 24) return "0 0 * * *";
    return `0 */${hours} * * *`;
  }
  throw new RangeError(
    `cannot fire evenly every ${minutes} minutes with cron; use a divisor of 60 or a whole number of hours dividing 24`,
  );
}

export interface CronWindowOptions {
  /** Start of the window; defaults to now. */
  from?: Date;
  /** IANA time zone the expression is read in; defaults to the process's, as node-schedule does. */
  tz?: string;
}

/**
 * How often a cron expression (5 fields, 6 with seconds first, or an @alias) fires in the
 * `PROJECTION_DAYS` days after `from`.
 *
 * Walking every tick with cron-parser takes about half a millisecond each (25 s for a month of
 * minutes), so the days the expression fires on are walked instead and each counts the day's
 * seconds × minutes × hours. Days that gain or lose an hour to daylight saving are counted as 24 h.
 */
export function countCronTicks(cron: string, options: CronWindowOptions = {}): number {
  const from = options.from ?? new Date();
  const zone = options.tz === undefined ? {} : { tz: options.tz };
  const expression = parseExpression(cron, zone);
  const { second, minute, hour } = expression.fields;
  const ticksPerDay = second.length * minute.length * hour.length;

  // The user's own day fields, when written out, keep what cron-parser's fields lose (e.g. "1#2").
  const written = cron.trim().split(/\s+/);
  const dayFields = (written.length >= 5 ? written : expression.stringify(true).split(" ")).slice(-3);
  // Midnights in [from, from + PROJECTION_DAYS); cron-parser looks strictly after currentDate.
  const days = parseExpression(`0 0 0 ${dayFields.join(" ")}`, { ...zone, currentDate: new Date(from.getTime() - 1) });
  const end = from.getTime() + PROJECTION_DAYS * 86_400_000;
  let firingDays = 0;
  while (days.next().getTime() < end) firingDays += 1;
  return firingDays * ticksPerDay;
}

/** Credits a cron schedule spends in the `PROJECTION_DAYS` days after `options.from`. */
export function projectCronMonthlyCredits(
  cron: string,
  coins: number,
  converts: number,
  options: CronWindowOptions = {},
): number {
  return countCronTicks(cron, options) * quoteCallCredits(coins, converts);
}

function requireCount(value: number, min: number, what: string): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${what} must be a whole number of at least ${min}, got ${value}`);
  }
}
