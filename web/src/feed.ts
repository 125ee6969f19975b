import { ApiError, request } from "./api";
import { retryDelayMs } from "./backoff";
import { PollQuery, type Quote } from "./graphql";

export type Connection =
  | { state: "live" }
  | { state: "paused" }
  | { state: "reconnecting"; attempt: number; retryMs: number; reason: string };

export interface FeedEvents {
  quotes(quotes: Quote[]): void;
  connection(connection: Connection): void;
  /** The feed answered again after failing: what was missed while away may need reloading. */
  recovered(): void;
}

/** How long one poll waits on the server for something new (the API allows 0–30 s). */
const WAIT_SECONDS = 25;
/** An empty answer well before WAIT_SECONDS means the server is busy or stopping: the API asks for a pause. */
const BUSY_PAUSE_MS = 3_000;
/**
 * Follows `quoteUpdates` from a cursor with long polls: every quote once, in commit order. Backs off
 * while the service is unreachable and stops polling while the tab is hidden.
 */
export class QuoteFeed {
  #cursor: string;
  #events: FeedEvents;
  #run: AbortController | undefined;
  #loops = 0;

  constructor(cursor: string, events: FeedEvents) {
    this.#cursor = cursor;
    this.#events = events;
  }

  start(): void {
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.#pause();
      else this.#resume();
    });
    if (document.visibilityState !== "hidden") this.#resume();
    else this.#pause();
  }

  #pause(): void {
    this.#run?.abort();
    this.#run = undefined;
    this.#events.connection({ state: "paused" });
  }

  #resume(): void {
    if (this.#run) return;
    const run = new AbortController();
    this.#run = run;
    void this.#loop(run.signal);
  }

  /**
   * A loop starts (and every retry is made) with a poll that answers at once, which tells at once
   * whether the service is back and brings what was stored meanwhile; then it waits in long polls.
   */
  async #loop(signal: AbortSignal): Promise<void> {
    const resumed = this.#loops++ > 0;
    let attempt = 0;
    let waitSeconds = 0;
    let announced = false;
    while (!signal.aborted) {
      const asked = performance.now();
      try {
        const { quoteUpdates } = await request(PollQuery, { after: this.#cursor, waitSeconds }, signal);
        if (!announced) {
          this.#events.connection({ state: "live" });
          if (resumed || attempt > 0) this.#events.recovered();
          announced = true;
        }
        this.#cursor = quoteUpdates.cursor;
        if (quoteUpdates.quotes.length > 0) this.#events.quotes(quoteUpdates.quotes);
        const early = performance.now() - asked < (waitSeconds - 1) * 1000;
        if (waitSeconds > 0 && quoteUpdates.quotes.length === 0 && early) await sleep(BUSY_PAUSE_MS, signal);
        attempt = 0;
        waitSeconds = quoteUpdates.hasMore ? 0 : WAIT_SECONDS;
      } catch (error) {
        if (signal.aborted) return;
        attempt += 1;
        waitSeconds = 0;
        announced = false;
        const retryMs = retryDelayMs(attempt);
        const reason = error instanceof ApiError ? error.message : String(error);
        this.#events.connection({ state: "reconnecting", attempt, retryMs, reason });
        await sleep(retryMs, signal);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
