import { EventEmitter } from "node:events";
import type { PoolClient } from "pg";
import type { DataSource } from "typeorm";
import type { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";
import type { Logger } from "../../logger";
import { databaseErrorLog } from "../availability";
import { ASSET_CHANNEL, QUOTE_CHANNEL } from "./channels";

/** What a commit announced: stored quotes, or changed assets. */
export type CommitKind = "quotes" | "assets";

const RECONNECT_MS = [1_000, 2_000, 5_000, 10_000];

/**
 * One LISTEN connection per replica: the NOTIFY that every commit storing quotes or changing assets
 * sends, from whichever replica, arrives here (quotes wake the replica's FeedHub; both empty the
 * response cache). Notifications only say "look again"; the quotes themselves are always read from
 * the table, so a missed or repeated one loses nothing.
 */
export class FeedListener {
  /**
   * `connected`: LISTEN is (again) in place; `lost`: the connection broke, a reconnect is scheduled;
   * `notified`: look again for quotes (a notification, or the connection was lost); `committed`: a
   * commit announced quotes or assets; `stopped`: stop() was called.
   */
  readonly events = new EventEmitter<{
    connected: [];
    lost: [Error];
    notified: [];
    committed: [CommitKind];
    stopped: [];
  }>();
  readonly #dataSource: DataSource;
  readonly #logger: Logger;
  #client: PoolClient | undefined;
  #release: ((error?: Error) => void) | undefined;
  #stopped = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(dataSource: DataSource, logger: Logger) {
    this.#dataSource = dataSource;
    this.#logger = logger;
  }

  /** True while LISTEN is in place: every commit from now on will be announced here. */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** After stop(), nothing waits for notifications: long polls answer and subscriptions end. */
  get stopped(): boolean {
    return this.#stopped;
  }

  async start(): Promise<void> {
    const [client, release] = (await (this.#dataSource.driver as PostgresDriver).obtainMasterConnection()) as [
      PoolClient,
      (error?: Error) => void,
    ];
    client.on("notification", ({ channel }) => {
      if (channel === ASSET_CHANNEL) return this.events.emit("committed", "assets");
      this.events.emit("committed", "quotes");
      this.events.emit("notified");
    });
    client.on("error", (error) => this.#lost(error));
    await client.query(`LISTEN ${QUOTE_CHANNEL}; LISTEN ${ASSET_CHANNEL}`);
    this.#client = client;
    this.#release = release;
    if (this.#failures > 0) this.#logger.info("listening for new quotes again");
    this.#failures = 0;
    this.events.emit("connected");
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.events.emit("stopped");
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      await client.query("UNLISTEN *").catch(() => undefined);
      this.#release?.();
    }
  }

  #lost(error: Error): void {
    if (this.#stopped) return;
    if (this.#client) {
      this.#release?.(error);
      this.#client = undefined;
      // Look again now: whatever was stored while the connection was down is in the table.
      this.events.emit("notified");
    }
    const delay = RECONNECT_MS[Math.min(this.#failures++, RECONNECT_MS.length - 1)];
    this.#logger.warn(
      { ...databaseErrorLog(error), retryInMs: delay },
      "lost the LISTEN connection for new quotes; reconnecting",
    );
    this.events.emit("lost", error);
    this.#retry = setTimeout(() => {
      this.start().catch((reason: Error) => this.#lost(reason));
    }, delay);
    this.#retry.unref();
  }
}
