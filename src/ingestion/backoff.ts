const MINUTE_MS = 60_000;
const MAX_JITTER_MS = 5_000;

/**
 * Wait before retrying after CMC's per-minute limit (429 with 1008 or 1011): never before CMC's
 * minute window resets, doubling per attempt, plus jitter so that replicas and other clients of
 * the same key do not all retry in the same second.
 */
export function rateLimitDelayMs(attempt: number, now: Date, random: () => number): number {
  const untilNextMinute = MINUTE_MS - (now.getTime() % MINUTE_MS);
  const exponential = 1_000 * 2 ** (attempt - 1);
  return Math.max(untilNextMinute, exponential) + random() * MAX_JITTER_MS;
}
