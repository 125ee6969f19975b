import { EventEmitter } from "node:events";
import type { PoolClient } from "pg";
import type { DataSource } from "typeorm";
import type { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";
import type { Logger } from "../../logger";
import { QUOTE_CHANNEL } from "./quotes";

const RECONNECT_MS = [1_000, 2_000, 5_000, 10_000];

/** Why a wait ended. */
export type WakeReason = "notified" | "timeout" | "aborted" | "stopped";

/**
 * One LISTEN connection per replica: the NOTIFY that every quote-storing commit sends, from
 * whichever replica, wakes every long poll and subscription here. Notifications only say "look
 * again"; the quotes themselves are always read from the table, so a missed or repeated one loses
 * nothing.
 */
export class FeedListener {
  /** `connected`: LISTEN is (again) in place; `lost`: the connection broke, a reconnect is scheduled. */
  readonly events = new EventEmitter<{ connected: []; lost: [Error] }>();
  readonly #wake = new EventEmitter<{ wake: [WakeReason] }>();
  readonly #dataSource: DataSource;
  readonly #logger: Logger;
  #client: PoolClient | undefined;
  #release: ((error?: Error) => void) | undefined;
  #stopped = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;
  #subscriptions = 0;

  constructor(dataSource: DataSource, logger: Logger) {
    this.#dataSource = dataSource;
    this.#logger = logger;
    this.#wake.setMaxListeners(0);
  }

  /** After stop(), waits return at once: long polls answer and subscriptions end. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Open subscriptions (metrics). */
  get subscriptions(): number {
    return this.#subscriptions;
  }

  /** Counts a subscription until the returned function is called (once). */
  subscribed(): () => void {
    this.#subscriptions++;
    let open = true;
    return () => {
      if (open) this.#subscriptions--;
      open = false;
    };
  }

  /** Long polls and subscriptions waiting right now. */
  get waiters(): number {
    return this.#wake.listenerCount("wake");
  }

  async start(): Promise<void> {
    const [client, release] = (await (this.#dataSource.driver as PostgresDriver).obtainMasterConnection()) as [
      PoolClient,
      (error?: Error) => void,
    ];
    client.on("notification", () => this.#wake.emit("wake", "notified"));
    client.on("error", (error) => this.#lost(error));
    await client.query(`LISTEN ${QUOTE_CHANNEL}`);
    this.#client = client;
    this.#release = release;
    this.#failures = 0;
    this.events.emit("connected");
  }

  /** Resolves on the next notification, after `ms`, or when `signal` aborts, whichever is first. */
  wait(ms: number, signal?: AbortSignal): Promise<WakeReason> {
    if (this.#stopped) return Promise.resolve("stopped");
    if (signal?.aborted) return Promise.resolve("aborted");
    return new Promise((resolve) => {
      const done = (reason: WakeReason) => {
        clearTimeout(timer);
        this.#wake.off("wake", done);
        signal?.removeEventListener("abort", aborted);
        resolve(reason);
      };
      const aborted = () => done("aborted");
      const timer = setTimeout(done, ms, "timeout");
      this.#wake.on("wake", done);
      signal?.addEventListener("abort", aborted, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#wake.emit("wake", "stopped");
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      await client.query(`UNLISTEN ${QUOTE_CHANNEL}`).catch(() => undefined);
      this.#release?.();
    }
  }

  #lost(error: Error): void {
    if (this.#stopped) return;
    if (this.#client) {
      this.#release?.(error);
      this.#client = undefined;
      // Waiters re-read now: whatever was stored while the connection was down is in the table.
      this.#wake.emit("wake", "notified");
    }
    const delay = RECONNECT_MS[Math.min(this.#failures++, RECONNECT_MS.length - 1)];
    this.#logger.warn({ err: error, retryInMs: delay }, "lost the LISTEN connection for new quotes; reconnecting");
    this.events.emit("lost", error);
    this.#retry = setTimeout(() => {
      this.start().catch((reason: Error) => this.#lost(reason));
    }, delay);
    this.#retry.unref();
  }
}
