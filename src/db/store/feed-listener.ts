import { EventEmitter } from "node:events";
import type { PoolClient, QueryConfig } from "pg";
import type { DataSource } from "typeorm";
import type { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";
import type { Logger } from "../../logger";
import { databaseErrorLog } from "../availability";
import { ASSET_CHANNEL, QUOTE_CHANNEL } from "./channels";

/** What a commit announced: stored quotes, or changed assets. */
export type CommitKind = "quotes" | "assets";

const RECONNECT_MS = [1_000, 2_000, 5_000, 10_000];

export interface FeedListenerOptions {
  /**
   * How often the connection is asked a trivial query. A network that drops it silently (no reset,
   * as a NAT or firewall forgetting an idle flow does) would otherwise leave LISTEN dead unnoticed:
   * no notification, and response caches never emptied.
   */
  heartbeatMs?: number;
  /** How long that query (and LISTEN, and UNLISTEN) may take before the connection counts as lost. */
  heartbeatTimeoutMs?: number;
}

/** Told apart from LISTEN in pg_stat_activity by its comment. */
const HEARTBEAT_SQL = "SELECT 1 /* heartbeat of the LISTEN connection */";

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
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #heartbeatMs: number;
  readonly #heartbeatTimeoutMs: number;

  constructor(dataSource: DataSource, logger: Logger, options: FeedListenerOptions = {}) {
    this.#dataSource = dataSource;
    this.#logger = logger;
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 5_000;
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
    // Only the connection in use counts: a lost one may still report its end after it was replaced.
    client.on("error", (error) => {
      if (this.#client === client) this.#lost(error);
    });
    try {
      // Bounded as the heartbeat is: the pool may hand over a connection that already died silently.
      await this.#ask(client, `LISTEN ${QUOTE_CHANNEL}; LISTEN ${ASSET_CHANNEL}`);
    } catch (error) {
      release(error as Error);
      throw error;
    }
    this.#client = client;
    this.#release = release;
    this.#heartbeat = setInterval(() => void this.#beat(client), this.#heartbeatMs);
    this.#heartbeat.unref();
    if (this.#failures > 0) this.#logger.info("listening for new quotes again");
    this.#failures = 0;
    this.events.emit("connected");
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    this.events.emit("stopped");
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      // Bounded too: a shutdown must not wait on a connection that died without a word.
      const failed = await this.#ask(client, "UNLISTEN *").then(
        () => undefined,
        (error: Error) => error,
      );
      this.#release?.(failed);
    }
  }

  /** Asks the connection a trivial query; no answer in time means it is gone, however silently. */
  async #beat(client: PoolClient): Promise<void> {
    try {
      await this.#ask(client, HEARTBEAT_SQL);
    } catch (error) {
      if (this.#client === client) this.#lost(error as Error);
    }
  }

  /** A statement that fails with "Query read timeout" when the server does not answer in time. */
  async #ask(client: PoolClient, text: string): Promise<void> {
    // pg's per-query read timeout (not in @types/pg's QueryConfig).
    const query: QueryConfig & { query_timeout: number } = { text, query_timeout: this.#heartbeatTimeoutMs };
    await client.query(query);
  }

  #lost(error: Error): void {
    if (this.#stopped) return;
    clearInterval(this.#heartbeat);
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
