import { type Query, rejectUnknown } from "./params";
import type { Outcome } from "./responses";

const DAY_MS = 86_400_000;

export interface Plan {
  monthlyCredits: number;
  /** 0 turns the per-minute limit off. */
  rateLimitPerMinute: number;
}

/** The API key's plan and usage: what `/v1/key/info` reports and what the 429s enforce. */
export class Account {
  #requestsThisMinute = 0;
  #creditsToday = 0;
  #creditsThisMonth = 0;
  #dailyExhausted = false;

  constructor(private readonly plan: Plan) {}

  /** Counts a request towards the minute; answers 1008 when the minute is used up. */
  admitRequest(): number | undefined {
    if (this.plan.rateLimitPerMinute > 0 && this.#requestsThisMinute >= this.plan.rateLimitPerMinute) return 1008;
    this.#requestsThisMinute++;
    return undefined;
  }

  /** The 429 error code that blocks credit-charging calls, if any. */
  creditBlock(): number | undefined {
    if (this.#dailyExhausted) return 1009;
    if (this.#creditsThisMonth >= this.plan.monthlyCredits) return 1010;
    return undefined;
  }

  charge(credits: number): void {
    this.#creditsToday += credits;
    this.#creditsThisMonth += credits;
  }

  /** Called when the simulated clock moves from `before` to `after`. */
  clockMoved(before: Date, after: Date): void {
    if (after.getTime() === before.getTime()) return;
    this.#requestsThisMinute = 0;
    if (Math.floor(after.getTime() / DAY_MS) !== Math.floor(before.getTime() / DAY_MS)) {
      this.#creditsToday = 0;
      this.#dailyExhausted = false;
    }
    if (monthStart(after) !== monthStart(before)) this.#creditsThisMonth = 0;
  }

  exhaust(kind: "daily" | "monthly"): void {
    if (kind === "daily") this.#dailyExhausted = true;
    else this.#creditsThisMonth = Math.max(this.#creditsThisMonth, this.plan.monthlyCredits);
  }

  reset(): void {
    this.#creditsToday = 0;
    this.#creditsThisMonth = 0;
    this.#dailyExhausted = false;
  }

  /** CMC warns in `status.notice` once a key has used more than 95% of its credits. */
  notice(): string | null {
    return this.#creditsThisMonth > 0.95 * this.plan.monthlyCredits
      ? "You have used more than 95% of your monthly credit limit."
      : null;
  }

  /** `/v1/key/info`: free, but it has already counted towards the minute. */
  keyInfo(query: Query, now: Date): Outcome {
    rejectUnknown(query, []);
    const { monthlyCredits, rateLimitPerMinute } = this.plan;
    const reset = new Date(monthStart(now));
    reset.setUTCMonth(reset.getUTCMonth() + 1);
    const limited = rateLimitPerMinute > 0;
    const data = {
      plan: {
        credit_limit_monthly: monthlyCredits,
        credit_limit_monthly_reset: resetText(reset.getTime() - now.getTime()),
        credit_limit_monthly_reset_timestamp: reset.toISOString(),
        // null when the simulator enforces no limit: any number would be a lie.
        rate_limit_minute: limited ? rateLimitPerMinute : null,
      },
      usage: {
        current_minute: {
          requests_made: this.#requestsThisMinute,
          requests_left: limited ? Math.max(0, rateLimitPerMinute - this.#requestsThisMinute) : null,
        },
        current_day: { credits_used: this.#creditsToday },
        current_month: {
          credits_used: this.#creditsThisMonth,
          credits_left: Math.max(0, monthlyCredits - this.#creditsThisMonth),
        },
      },
    };
    return { data, credits: 0 };
  }
}

function monthStart(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** Reference capture: "In 3 days, 19 hours…"; the minutes part is the simulator's guess. */
function resetText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return `In ${days} days, ${hours} hours, ${minutes % 60} minutes`;
}
