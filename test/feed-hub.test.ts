import { request } from "node:http";
import { createClient, type Client as WsClient } from "graphql-ws";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { QUOTE_CHANNEL } from "../src/db/store/channels";
import { comparePositions, UPDATES_SQL } from "../src/db/store/feed";
import type { FeedReadTrigger } from "../src/db/store/feed-hub";
import { updatesCursor } from "../src/graphql/cursor";
import { type Service, startService } from "../src/service";
import { type TestApi, useApi } from "./support/api";
import { quietLogger, testConfig } from "./support/database";
import { logRecorder, oneLine, sqlRecorder } from "./support/log-recorder";

const UPDATES = `query($after: String, $symbols: [String!], $convert: String, $limit: Int, $wait: Int) {
  quoteUpdates(after: $after, symbols: $symbols, convert: $convert, limit: $limit, waitSeconds: $wait) {
    cursor hasMore quotes { id } } }`;

const ADDED = `subscription($symbols: [String!], $convert: String) {
  quoteAdded(symbols: $symbols, convert: $convert) { id } }`;

const seedAssets = async (ds: { query(sql: string): Promise<unknown> }) => {
  await ds.query(`
    INSERT INTO asset (cmc_id, symbol, name, slug, rank, tracked) VALUES
      (1, 'BTC', 'Bitcoin', 'bitcoin', 1, true), (1027, 'ETH', 'Ethereum', 'ethereum', 2, true),
      (5426, 'SOL', 'Solana', 'solana', 5, false)`);
};

interface Page {
  cursor: string;
  hasMore: boolean;
  quotes: { id: string }[];
}

interface Filter {
  symbols?: string[];
  convert?: string;
}

/**
 * POSTs a quoteUpdates poll and returns its page. `from` picks the local address the request leaves
 * from (any 127.x.y.z reaches the service on 127.0.0.1), so a test can act as another client.
 */
function poll(url: string, variables: Record<string, unknown>, from?: string): Promise<Page> {
  const body = JSON.stringify({ query: UPDATES, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      { method: "POST", headers: { "content-type": "application/json" }, localAddress: from },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          const parsed = JSON.parse(text);
          if (parsed.errors) reject(new Error(JSON.stringify(parsed.errors)));
          else resolve(parsed.data.quoteUpdates);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Counts the service's reads of new quotes by trigger, from the hub's own announcements. */
function readCounter(api: () => Service) {
  const counts: Record<FeedReadTrigger, number> = { notify: 0, recheck: 0, reconnect: 0, request: 0 };
  beforeAll(() => {
    api().hub.events.on("read", (trigger) => counts[trigger]++);
  });
  return {
    /** What was read since `since()` was called. */
    since() {
      const before = { ...counts };
      return () => ({
        notify: counts.notify - before.notify,
        recheck: counts.recheck - before.recheck,
        reconnect: counts.reconnect - before.reconnect,
        request: counts.request - before.request,
      });
    },
  };
}

let minute = 0;

/**
 * Stores quotes in one transaction from a connection of neither replica and, like ingestion,
 * announces them (unless `notify` is false: then only the hub's re-check finds them). Returns the ids.
 */
async function store(
  writer: Client,
  quotes: readonly (readonly [symbol: string, convert: string])[],
  { notify = true, beforeCommit }: { notify?: boolean; beforeCommit?: () => Promise<void> } = {},
): Promise<string[]> {
  await writer.query("BEGIN");
  const { rows } = await writer.query<{ id: string }>(
    `INSERT INTO price_quote (asset_id, convert, price, last_updated)
     SELECT a.id, q.convert, 100, timestamptz '2026-01-01' + q.minute * interval '1 minute'
     FROM unnest($1::text[], $2::text[], $3::int[]) AS q(symbol, convert, minute)
     JOIN asset a ON a.symbol = q.symbol
     RETURNING id::text`,
    [quotes.map((q) => q[0]), quotes.map((q) => q[1]), quotes.map(() => ++minute)],
  );
  if (notify) await writer.query(`SELECT pg_notify($1, '{}')`, [QUOTE_CHANNEL]);
  await beforeCommit?.();
  await writer.query("COMMIT");
  return rows.map((r) => r.id).sort((a, b) => Number(BigInt(a) - BigInt(b)));
}

/** A connection of neither replica, closed when the test ends (before its database is dropped). */
async function connect(api: TestApi): Promise<Client> {
  const client = new Client({ connectionString: api.db.url });
  await client.connect();
  onTestFinished(() => client.end());
  return client;
}

/** Every stored quote in the feed's order (commit order), with what filters look at. */
async function commitOrder(api: TestApi): Promise<{ id: string; symbol: string; convert: string }[]> {
  return api.ds.query(
    `SELECT p.id::text, a.symbol, p.convert FROM price_quote p JOIN asset a ON a.id = p.asset_id ORDER BY p.tx_id, p.id`,
  );
}

const matching = (filter: Filter) => (q: { symbol: string; convert: string }) =>
  (!filter.symbols || filter.symbols.some((s) => s.toUpperCase() === q.symbol)) &&
  (!filter.convert || filter.convert.toUpperCase() === q.convert);

function wsClient(url: string): WsClient {
  return createClient({ url: `${url.replace("http", "ws")}/graphql`, webSocketImpl: WebSocket, lazy: false });
}

/** A subscription's ids as they arrive, or the error that ended it. */
function subscribe(client: WsClient, variables: Filter = {}) {
  const ids: string[] = [];
  const outcome = new Promise<unknown>((resolve) => {
    client.subscribe<{ quoteAdded: { id: string } }>(
      { query: ADDED, variables: { ...variables } },
      {
        next: ({ data, errors }) => {
          if (errors) resolve(errors);
          if (data) ids.push(data.quoteAdded.id);
        },
        error: resolve,
        complete: () => resolve("complete"),
      },
    );
  });
  return { ids, outcome };
}

describe("the feed hub: one read of the table per commit, whatever the number of waiters", () => {
  const recorder = sqlRecorder();
  // 200 long polls from one address: no cap per address on connections, nor on waiters (0).
  const api = useApi({
    env: { CONVERT: "USD,EUR", HTTP_MAX_CONNECTIONS_PER_ADDRESS: "0", MAX_WAITERS_PER_CLIENT: "0" },
    logger: recorder.logger,
    seed: seedAssets,
  });
  const reads = readCounter(() => api.service);
  const FILTERS = [{}, { symbols: ["BTC"] }, { symbols: ["btc", "eth"], limit: 1 }, { convert: "usd", limit: 3 }];

  it("answers 200 waiting long polls with the new quote, once each, from one read of the table per commit", async () => {
    const writer = await connect(api);
    let cursor = (await poll(api.url, {})).cursor;
    for (let round = 0; round < 2; round++) {
      // Counted from before the polls arrive: neither waiting nor coming back may read per poll.
      recorder.clear();
      const read = reads.since();
      const polls = FILTERS.flatMap((filter) =>
        Array.from({ length: 50 }, () => poll(api.url, { after: cursor, wait: 30, ...filter })),
      );
      await expect.poll(() => api.service.hub.waiters, { timeout: 20_000 }).toBe(200);
      const [id] = await store(writer, [["BTC", "USD"]]);
      const pages = await Promise.all(polls);

      // All 200 were answered by the same read: the same page, and one cursor for all.
      const next = pages[0].cursor;
      expect(pages).toEqual(pages.map(() => ({ cursor: next, hasMore: false, quotes: [{ id }] })));
      // That cursor is past the quote in commit order, and the next round proves it skips nothing.
      const [{ tx_id }] = await api.ds.query(`SELECT tx_id::text FROM price_quote WHERE id = $1`, [id]);
      expect(comparePositions(updatesCursor.decode(next), { txId: BigInt(tx_id), id: BigInt(id) })).toBe(1);

      // One notification, one read by the hub, none by the 200 requests; every feed statement run is
      // the hub's (a safety re-check, if its second came round, is the hub's too and not per waiter).
      const counted = read();
      expect(counted.notify).toBe(1);
      expect(counted.request).toBe(0);
      const statements = recorder.statements.filter((s) => s === oneLine(UPDATES_SQL));
      expect(statements).toHaveLength(counted.notify + counted.recheck);
      cursor = next;
    }
  });
});

describe("the feed hub: a long poll behind the in-memory window reads its own backlog, then waits with the rest", () => {
  // Five quotes in memory: the sixth newest is already behind the window.
  const api = useApi({ seed: seedAssets, options: { feed: { windowSize: 5 } } });
  const reads = readCounter(() => api.service);

  it("pages a late poller through the table until it reaches the window, then serves it from memory", async () => {
    const writer = await connect(api);
    const start = (await poll(api.url, {})).cursor;
    // A poller already waiting proves the hub has read the twelve quotes before the late one comes.
    const waiting = poll(api.url, { after: start, wait: 30 });
    await expect.poll(() => api.service.hub.waiters).toBe(1);
    const ids = await store(
      writer,
      Array.from({ length: 12 }, () => ["BTC", "USD"] as const),
    );
    expect((await waiting).quotes.map((q) => q.id)).toEqual(ids);

    const read = reads.since();
    const first = await poll(api.url, { after: start, wait: 30, limit: 5 });
    expect(first.quotes.map((q) => q.id)).toEqual(ids.slice(0, 5));
    expect(first.hasMore).toBe(true);
    expect(read().request).toBe(1);
    // The fifth quote is still behind the window (which starts after the seventh): the table again.
    const second = await poll(api.url, { after: first.cursor, wait: 30, limit: 5 });
    expect(second.quotes.map((q) => q.id)).toEqual(ids.slice(5, 10));
    expect(second.hasMore).toBe(true);
    expect(read().request).toBe(2);
    // The tenth is in the window: memory, same page rule.
    const third = await poll(api.url, { after: second.cursor, wait: 30, limit: 5 });
    expect(third.quotes.map((q) => q.id)).toEqual(ids.slice(10));
    expect(third.hasMore).toBe(false);
    expect(read().request).toBe(2);

    // Caught up, it waits with the others and the next commit reaches it without a read of its own.
    const fourth = poll(api.url, { after: third.cursor, wait: 30, limit: 5 });
    await expect.poll(() => api.service.hub.waiters).toBe(1);
    const next = await store(writer, [["BTC", "USD"]]);
    expect((await fourth).quotes.map((q) => q.id)).toEqual(next);
    expect(read().request).toBe(2);
  });
});

describe("the feed hub: exactly once under concurrent writers, across two replicas, with filters", () => {
  // Replica A keeps a window of 16 quotes and reads pages of 5, so slow pollers fall behind it and
  // commits of more than 5 quotes take several reads; replica B keeps the defaults.
  const api = useApi({
    env: { CONVERT: "USD,EUR" },
    seed: seedAssets,
    options: { feed: { windowSize: 16, pageSize: 5 } },
  });
  let replica: Service;
  beforeAll(async () => {
    replica = await startService(testConfig(api.db, { CONVERT: "USD,EUR" }), quietLogger, { schedule: false });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  /** A small seeded generator (mulberry32): the same writes every run, the interleaving left to the machine. */
  function random(seed: number) {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it("gives every poller and subscriber exactly the quotes its filter takes, each once, in commit order", async () => {
    const next = random(9);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
    const PAIRS = [
      ["BTC", "USD"],
      ["BTC", "EUR"],
      ["ETH", "USD"],
      ["ETH", "EUR"],
      ["SOL", "USD"],
      ["SOL", "EUR"],
    ] as const;
    const filters: Filter[] = [
      {},
      { symbols: ["BTC"] },
      { convert: "EUR" },
      { symbols: ["eth", "SOL"], convert: "USD" },
    ];
    const replicas = [api.service, replica];

    const sockets = replicas.map((r) => wsClient(r.url));
    const subscriptions = filters
      .slice(0, 2)
      .flatMap((filter) => sockets.map((s) => ({ filter, ...subscribe(s, filter) })));
    await expect.poll(() => api.service.hub.waiters).toBe(2);
    await expect.poll(() => replica.hub.waiters).toBe(2);
    const start = (await poll(api.url, {})).cursor;

    // How many quotes each filter takes, known before the last commit any poller can see.
    let wanted: Map<Filter, number> | undefined;
    const done = (filter: Filter, seen: readonly string[]) =>
      wanted !== undefined && seen.length >= (wanted.get(filter) as number);
    const pollers = filters.flatMap((filter, f) =>
      [1, 3, 500].map(async (limit, l) => {
        const seen: string[] = [];
        let cursor = start;
        // Each poll goes to either replica, so cursors cross from one to the other.
        for (let turn = f + l; !done(filter, seen); turn++) {
          const page = await poll(replicas[turn % 2].url, { after: cursor, wait: 5, limit, ...filter });
          seen.push(...page.quotes.map((q) => q.id));
          cursor = page.cursor;
          // Nothing more came although quotes are missing: stop, and let the comparison show which.
          if (wanted !== undefined && page.quotes.length === 0) break;
        }
        return { filter, seen };
      }),
    );

    // Three writers; some transactions stay open across the others' commits (ids commit out of
    // order), some store without announcing (only a re-check finds them).
    const plans = [0, 1, 2].map(() =>
      Array.from({ length: 25 }, () => ({
        quotes: Array.from({ length: 1 + Math.floor(next() * 7) }, () => pick(PAIRS)),
        notify: next() < 0.8,
        linger: next() < 0.3,
      })),
    );
    const writers = await Promise.all(plans.map(() => connect(api)));
    await Promise.all(
      plans.map(async (plan, w) => {
        for (const { quotes, notify, linger } of plan) {
          await store(writers[w], quotes, {
            notify,
            beforeCommit: linger ? () => new Promise((resolve) => setTimeout(resolve, 5)) : undefined,
          });
        }
      }),
    );
    // A last commit that every filter takes wakes whoever still waits.
    const last = [
      { symbol: "BTC", convert: "EUR" },
      { symbol: "ETH", convert: "USD" },
    ];
    const before = await commitOrder(api);
    wanted = new Map(filters.map((f) => [f, [...before, ...last].filter(matching(f)).length]));
    await store(
      writers[0],
      last.map((q) => [q.symbol, q.convert] as const),
    );
    const all = await commitOrder(api);
    expect(all.length).toBeGreaterThan(200);
    const expected = new Map(filters.map((filter) => [filter, all.filter(matching(filter)).map((q) => q.id)]));

    for (const { filter, seen } of await Promise.all(pollers)) {
      expect(seen).toEqual(expected.get(filter));
    }
    for (const { filter, ids } of subscriptions) {
      await expect.poll(() => ids.length, { timeout: 10_000 }).toBe(expected.get(filter)?.length);
      expect(ids).toEqual(expected.get(filter));
    }
    await Promise.all(sockets.map((s) => s.dispose()));
  }, 120_000);
});

describe("the feed hub's caps: MAX_WAITERS, MAX_WAITERS_PER_CLIENT, MAX_SUBSCRIPTIONS_PER_SOCKET", () => {
  const api = useApi({
    env: { MAX_WAITERS: "4", MAX_WAITERS_PER_CLIENT: "3", MAX_SUBSCRIPTIONS_PER_SOCKET: "2" },
    seed: seedAssets,
  });
  const reads = readCounter(() => api.service);

  async function refusals(): Promise<string[]> {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    return text.split("\n").filter((line) => line.startsWith("quotegraph_feed_refused_total"));
  }

  it("answers a long poll over a cap at once, empty, with the cursor it came with, and without reading", async () => {
    const writer = await connect(api);
    const { cursor } = await poll(api.url, {});
    const mine = [1, 2, 3].map(() => poll(api.url, { after: cursor, wait: 30 }));
    await expect.poll(() => api.service.hub.waiters).toBe(3);
    const read = reads.since();
    // A fourth from the same address: over MAX_WAITERS_PER_CLIENT (3). A 30 s wait would outlast the test.
    expect(await poll(api.url, { after: cursor, wait: 30 })).toEqual({ cursor, hasMore: false, quotes: [] });
    // Another address still gets a place, the fourth and last of MAX_WAITERS ...
    const theirs = poll(api.url, { after: cursor, wait: 30 }, "127.0.0.2");
    await expect.poll(() => api.service.hub.waiters).toBe(4);
    // ... and its second is over MAX_WAITERS.
    expect(await poll(api.url, { after: cursor, wait: 30 }, "127.0.0.2")).toEqual({
      cursor,
      hasMore: false,
      quotes: [],
    });
    expect(read()).toEqual({ notify: 0, recheck: 0, reconnect: 0, request: 0 });
    expect(api.service.hub.waiters).toBe(4);

    // The admitted ones are answered by the next commit, and their places are free again.
    const ids = await store(writer, [["BTC", "USD"]]);
    for (const page of await Promise.all([...mine, theirs])) expect(page.quotes.map((q) => q.id)).toEqual(ids);
    const again = poll(api.url, { after: cursor, wait: 30 });
    expect((await again).quotes.map((q) => q.id)).toEqual(ids);
    expect(await refusals()).toEqual([
      'quotegraph_feed_refused_total{cap="max_waiters_per_client"} 1',
      'quotegraph_feed_refused_total{cap="max_waiters"} 1',
    ]);
  });

  it("refuses a subscription over MAX_SUBSCRIPTIONS_PER_SOCKET or MAX_WAITERS_PER_CLIENT with its own error code", async () => {
    const writer = await connect(api);
    const first = wsClient(api.url);
    const second = wsClient(api.url);
    const open = [subscribe(first), subscribe(first)];
    await expect.poll(() => api.service.hub.subscriptions).toBe(2);
    expect(await subscribe(first).outcome).toEqual([
      {
        message: "at most 2 operations at a time on one WebSocket connection: complete one before starting another",
        extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: 2 },
      },
    ]);
    open.push(subscribe(second));
    await expect.poll(() => api.service.hub.subscriptions).toBe(3);
    expect(await subscribe(second).outcome).toEqual([
      {
        message:
          "this client address already holds 3 long polls and subscriptions, the most this service serves it at a time: end one first",
        locations: [{ line: 2, column: 3 }],
        path: ["quoteAdded"],
        extensions: { code: "TOO_MANY_WAITERS", limit: 3 },
      },
    ]);
    expect(api.service.hub.subscriptions).toBe(3);
    // The refusals end nothing else: the open ones get the next quote, once.
    const ids = await store(writer, [["ETH", "USD"]]);
    for (const { ids: seen } of open) await expect.poll(() => seen).toEqual(ids);
    expect(await refusals()).toEqual([
      'quotegraph_feed_refused_total{cap="max_waiters_per_client"} 2',
      'quotegraph_feed_refused_total{cap="max_waiters"} 1',
      'quotegraph_feed_refused_total{cap="max_subscriptions_per_socket"} 1',
    ]);
    await Promise.all([first.dispose(), second.dispose()]);
    await expect.poll(() => api.service.hub.subscriptions).toBe(0);
  });
});

describe("the feed hub when it cannot read", () => {
  const log = logRecorder();
  const api = useApi({ seed: seedAssets, logger: log.logger });
  const reads = readCounter(() => api.service);
  const logged = (msg: string) => log.lines.filter((l) => l.msg === msg).length;

  it("lets long polls read for themselves, so they fail as plain polls do, until a read of its own succeeds", async () => {
    const writer = await connect(api);
    const { cursor } = await poll(api.url, {});
    // Every read of the feed now fails inside PostgreSQL; a notification makes the hub try.
    await api.ds.query(`ALTER FUNCTION quote_tx_frontier() RENAME TO quote_tx_frontier_gone`);
    try {
      await writer.query(`SELECT pg_notify($1, '{}')`, [QUOTE_CHANNEL]);
      await expect
        .poll(() => logged("cannot read new quotes; long polls and subscriptions wait for the next read"))
        .toBe(1);
      const read = reads.since();
      // Not parked for 30 s on a hub that cannot move: the poll reads, and fails as a poll without waitSeconds would.
      await expect(poll(api.url, { after: cursor, wait: 30 })).rejects.toThrow(/INTERNAL_SERVER_ERROR/);
      expect(read().request).toBe(1);
    } finally {
      await api.ds.query(`ALTER FUNCTION quote_tx_frontier_gone() RENAME TO quote_tx_frontier`);
    }
    await writer.query(`SELECT pg_notify($1, '{}')`, [QUOTE_CHANNEL]);
    await expect.poll(() => logged("reading new quotes again")).toBe(1);
    const read = reads.since();
    const waiting = poll(api.url, { after: cursor, wait: 30 });
    await expect.poll(() => api.service.hub.waiters).toBe(1);
    const ids = await store(writer, [["BTC", "USD"]]);
    expect((await waiting).quotes.map((q) => q.id)).toEqual(ids);
    expect(read().request).toBe(0);
  });
});
