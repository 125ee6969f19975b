const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * The delay before retry `attempt` (1, 2, …): doubling from 1 s up to 30 s, each drawn from the upper
 * half of its step ("equal jitter"), so that many dashboards do not come back in step after an outage.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}
