import { EventEmitter } from "node:events";
import type { PoolClient } from "pg";
import type { DataSource } from "typeorm";
import type { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";
import { QUOTE_CHANNEL } from "../ingestion/quote-writer";
import type { Logger } from "../logger";

const RECONNECT_MS = [1_000, 2_000, 5_000, 10_000];

/**
 * One LISTEN connection per replica: ingestion's NOTIFY, sent by whichever replica stored the
 * quotes, wakes every long poll and subscription here. Notifications only say "look again"; the
 * quotes themselves are always read from the table, so a missed or repeated one loses nothing.
 */
export class QuoteFeed {
  readonly #emitter = new EventEmitter();
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
    this.#emitter.setMaxListeners(0);
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
    return this.#emitter.listenerCount("wake");
  }

  async start(): Promise<void> {
    const [client, release] = (await (this.#dataSource.driver as PostgresDriver).obtainMasterConnection()) as [
      PoolClient,
      (error?: Error) => void,
    ];
    client.on("notification", () => this.#emitter.emit("wake"));
    client.on("error", (error) => this.#lost(error));
    await client.query(`LISTEN ${QUOTE_CHANNEL}`);
    this.#client = client;
    this.#release = release;
    this.#failures = 0;
  }

  /** Resolves on the next notification, after `ms`, or when `signal` aborts, whichever is first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#emitter.off("wake", done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#emitter.on("wake", done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#emitter.emit("wake");
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
      this.#emitter.emit("wake");
    }
    const delay = RECONNECT_MS[Math.min(this.#failures++, RECONNECT_MS.length - 1)];
    this.#logger.warn({ err: error, retryInMs: delay }, "lost the LISTEN connection for new quotes; reconnecting");
    this.#retry = setTimeout(() => {
      this.start().catch((reason: Error) => this.#lost(reason));
    }, delay);
    this.#retry.unref();
  }
}
