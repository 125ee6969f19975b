import { EventEmitter } from "node:events";
import type { Logger } from "../../logger";
import { databaseErrorLog } from "../availability";
import {
  comparePositions,
  type FeedEntry,
  type FeedEntryPage,
  type FeedFilter,
  type FeedPage,
  type FeedPosition,
  pageOf,
  pageOfQuotes,
  readFrontier,
  readUpdateEntries,
} from "./feed";
import type { FeedListener } from "./feed-listener";
import type { QuoteRow } from "./quotes";
import type { Sql } from "./sql";

export interface FeedHubOptions {
  /** The configured currencies: the hub reads every asset's quotes in these. */
  converts: readonly string[];
  /** Long polls and subscriptions served at a time, in all. */
  maxWaiters: number;
  /** The same, per client address; 0: no cap. */
  maxWaitersPerClient: number;
  /** While anyone waits, look again this often without a notification: the frontier also moves when unrelated transactions end. */
  recheckMs?: number;
  /** How many of the newest quotes are kept in memory. */
  windowSize?: number;
  /** Rows per read of the table. */
  pageSize?: number;
}

/** Why a read of the table ran: the hub's own reads, or one request's (`request`). */
export type FeedReadTrigger = "notify" | "recheck" | "reconnect" | "request";

/** The cap that turned a waiter away. */
export type FeedCap = "max_waiters" | "max_waiters_per_client";

export type Admission = { admitted: true; release(): void } | { admitted: false; cap: FeedCap; limit: number };

export interface Wait {
  /** How long to wait for a quote when none is there: 0 reads the table at once and returns; Infinity waits until `signal` or the hub stops. */
  ms: number;
  signal: AbortSignal;
  /** Where a read of the caller's own goes (a request's share of the pool); the hub's when absent. */
  db?: Sql;
}

interface Waiter {
  position: FeedPosition;
  matches: (quote: QuoteRow) => boolean;
  limit: number;
  finish: (page?: FeedEntryPage) => void;
}

const DEFAULT_RECHECK_MS = 1_000;
const DEFAULT_WINDOW = 10_000;
const DEFAULT_PAGE = 1_000;

const matcherOf = ({ assetIds, converts }: FeedFilter) => {
  const assets = assetIds ? new Set(assetIds) : null;
  const currencies = new Set(converts);
  return (q: QuoteRow) => (assets === null || assets.has(q.assetId)) && currencies.has(q.convert);
};

/**
 * The fan-out of one replica's quote feed. On each notification (and on a slow safety re-check) it
 * reads what is new since its head once, for every asset in every configured currency, keeps the
 * newest quotes in commit order in memory, and answers every waiting long poll and subscription
 * from there with its own filter and limit. The table stays the source of truth: memory holds
 * exactly the quotes between two positions the table gave (`#start`, `#head`], so a waiter whose
 * position is in that range gets what a read of the table would have given it, by the same page
 * rule (`pageOf`): no quote skipped, none repeated. A waiter behind the window reads its own
 * backlog from the table, then waits here.
 */
export class FeedHub {
  /** `read`: a read of the table ran; `notified`: a notification came; `refused`: a cap turned a waiter away. */
  readonly events = new EventEmitter<{ read: [FeedReadTrigger]; notified: []; refused: [FeedCap] }>();
  readonly #db: Sql;
  readonly #listener: FeedListener;
  readonly #logger: Logger;
  readonly #everything: FeedFilter;
  readonly #maxWaiters: number;
  readonly #maxPerClient: number;
  readonly #recheckMs: number;
  readonly #windowSize: number;
  readonly #pageSize: number;

  /** The newest quotes, in commit order: every quote after #start up to #head, none other. */
  #window: FeedEntry[] = [];
  #start: FeedPosition | undefined;
  #head: FeedPosition | undefined;
  /** False after a read of the table failed, until one succeeds: requests then read for themselves. */
  #healthy = true;
  #reading = false;
  #pending: FeedReadTrigger | undefined;
  #recheck: NodeJS.Timeout | undefined;
  readonly #parked = new Set<Waiter>();

  #slots = 0;
  #subscriptions = 0;
  readonly #perClient = new Map<string, number>();

  constructor(db: Sql, listener: FeedListener, logger: Logger, options: FeedHubOptions) {
    this.#db = db;
    this.#listener = listener;
    this.#logger = logger;
    this.#everything = { assetIds: null, converts: options.converts };
    this.#maxWaiters = options.maxWaiters;
    this.#maxPerClient = options.maxWaitersPerClient;
    this.#recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
    this.#windowSize = options.windowSize ?? DEFAULT_WINDOW;
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE;
  }

  /** Starts at the current frontier and follows the listener's notifications; stops with it. */
  async start(): Promise<void> {
    const frontier = await readFrontier(this.#db);
    this.#start = frontier;
    this.#head = frontier;
    this.#listener.events.on("notified", () => {
      this.events.emit("notified");
      this.#kick("notify");
    });
    this.#listener.events.on("connected", () => this.#kick("reconnect"));
    this.#listener.events.once("stopped", () => this.#stop());
    this.#recheck = setInterval(() => {
      if (this.#parked.size > 0 || !this.#healthy) this.#kick("recheck");
    }, this.#recheckMs);
    this.#recheck.unref();
  }

  /** After the listener stopped, nothing waits: long polls answer and subscriptions end. */
  get stopped(): boolean {
    return this.#listener.stopped;
  }

  /** Long polls and subscriptions waiting for new quotes right now. */
  get waiters(): number {
    return this.#parked.size;
  }

  /** Open subscriptions. */
  get subscriptions(): number {
    return this.#subscriptions;
  }

  /**
   * A place for a long poll (for its request) or a subscription (for its life), within the caps:
   * per client address first, then in all. Release it once done (a second release does nothing).
   */
  admit(client: string, kind: "poll" | "subscription"): Admission {
    const mine = this.#perClient.get(client) ?? 0;
    const refused: [FeedCap, number] | undefined =
      this.#maxPerClient > 0 && mine >= this.#maxPerClient
        ? ["max_waiters_per_client", this.#maxPerClient]
        : this.#slots >= this.#maxWaiters
          ? ["max_waiters", this.#maxWaiters]
          : undefined;
    if (refused) {
      this.events.emit("refused", refused[0]);
      return { admitted: false, cap: refused[0], limit: refused[1] };
    }
    this.#slots++;
    this.#perClient.set(client, mine + 1);
    if (kind === "subscription") this.#subscriptions++;
    let held = true;
    return {
      admitted: true,
      release: () => {
        if (!held) return;
        held = false;
        this.#slots--;
        const left = (this.#perClient.get(client) ?? 1) - 1;
        if (left > 0) this.#perClient.set(client, left);
        else this.#perClient.delete(client);
        if (kind === "subscription") this.#subscriptions--;
      },
    };
  }

  /**
   * The next page after `after`, as `readUpdates` would give it. With `wait.ms` 0 it is read from the
   * table (what a plain poll sees at once). Otherwise it comes from memory when `after` is in the
   * window, or from the table once when it is behind; when that page is empty the caller waits, for
   * at most `wait.ms`, for the first quote it wants.
   */
  async next(after: FeedPosition, filter: FeedFilter, limit: number, wait: Wait): Promise<FeedPage> {
    const { ms: waitMs, signal } = wait;
    const matches = matcherOf(filter);
    let position = after;
    for (;;) {
      const page =
        waitMs > 0 && this.#healthy && this.#inWindow(position)
          ? this.#serve(position, matches, limit)
          : await this.#readFor(wait.db ?? this.#db, position, filter, limit);
      if (page.entries.length > 0 || waitMs <= 0 || this.stopped || signal.aborted) return pageOfQuotes(page);
      position = page.position;
      // Only a waiter inside the window can be served from memory; a read that raced the window's
      // move past it (a burst larger than the window) reads again, from where it now is.
      if (this.#inWindow(position)) return this.#park(position, matches, limit, waitMs, signal);
    }
  }

  #inWindow(position: FeedPosition): boolean {
    return this.#start !== undefined && comparePositions(position, this.#start) >= 0;
  }

  /** A page from memory: the quotes after `after` up to the head that `matches` takes. */
  #serve(after: FeedPosition, matches: (quote: QuoteRow) => boolean, limit: number): FeedEntryPage {
    const found: FeedEntry[] = [];
    for (let i = this.#firstAfter(after); i < this.#window.length && found.length <= limit; i++) {
      if (matches(this.#window[i].quote)) found.push(this.#window[i]);
    }
    return pageOf(after, found, limit, this.#head as FeedPosition);
  }

  /** The index of the first quote in the window after `position` (binary search). */
  #firstAfter(position: FeedPosition): number {
    let low = 0;
    let high = this.#window.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (comparePositions(this.#window[middle].position, position) > 0) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  #readFor(db: Sql, after: FeedPosition, filter: FeedFilter, limit: number): Promise<FeedEntryPage> {
    this.events.emit("read", "request");
    return readUpdateEntries(db, after, filter, limit);
  }

  #park(
    position: FeedPosition,
    matches: (quote: QuoteRow) => boolean,
    limit: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<FeedPage> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position,
        matches,
        limit,
        finish: (page) => {
          if (!this.#parked.delete(waiter)) return;
          clearTimeout(timer);
          signal.removeEventListener("abort", aborted);
          resolve(pageOfQuotes(page ?? { entries: [], position: waiter.position, hasMore: false }));
        },
      };
      const aborted = () => waiter.finish();
      const timer = Number.isFinite(waitMs) ? setTimeout(() => waiter.finish(), waitMs) : undefined;
      signal.addEventListener("abort", aborted, { once: true });
      this.#parked.add(waiter);
    });
  }

  /** Reads now, or right after the read under way (which may have started before the commit). */
  #kick(trigger: FeedReadTrigger): void {
    if (this.stopped) return;
    this.#pending ??= trigger;
    if (!this.#reading) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#reading = true;
    try {
      while (this.#pending && !this.stopped) {
        const trigger = this.#pending;
        this.#pending = undefined;
        let more: boolean;
        do more = await this.#readPage(trigger);
        while (more && !this.stopped);
      }
    } finally {
      this.#reading = false;
    }
  }

  /** Reads one page after the head into the window and serves the waiters; true when a full page leaves more to read. */
  async #readPage(trigger: FeedReadTrigger): Promise<boolean> {
    let page: FeedEntryPage;
    try {
      this.events.emit("read", trigger);
      page = await readUpdateEntries(this.#db, this.#head as FeedPosition, this.#everything, this.#pageSize);
    } catch (error) {
      if (this.#healthy) {
        this.#logger.warn(
          { ...databaseErrorLog(error), retryInMs: this.#recheckMs },
          "cannot read new quotes; long polls and subscriptions wait for the next read",
        );
      }
      this.#healthy = false;
      return false;
    }
    if (!this.#healthy) this.#logger.info("reading new quotes again");
    this.#healthy = true;
    if (this.stopped) return false;
    for (const entry of page.entries) this.#window.push(entry);
    this.#head = page.position;
    for (const waiter of this.#parked) {
      const answer = this.#serve(waiter.position, waiter.matches, waiter.limit);
      if (answer.entries.length > 0) waiter.finish(answer);
      else waiter.position = answer.position;
    }
    // Every waiter left is now at the head or later, so dropping older quotes strands none.
    const excess = this.#window.length - this.#windowSize;
    if (excess > 0) {
      this.#start = this.#window[excess - 1].position;
      this.#window = this.#window.slice(excess);
    }
    return page.hasMore;
  }

  #stop(): void {
    clearInterval(this.#recheck);
    for (const waiter of this.#parked) waiter.finish();
  }
}
