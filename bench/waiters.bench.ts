import { setMaxListeners } from "node:events";
import { Worker } from "node:worker_threads";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { type Database, openDatabase } from "../src/db/data-source";
import { type FeedFilter, type FeedPage, type FeedPosition, readFrontier, readUpdates } from "../src/db/store/feed";
import { FeedHub } from "../src/db/store/feed-hub";
import { FeedListener } from "../src/db/store/feed-listener";
import { insertQuotesIn } from "../src/db/store/quotes";
import { updatesCursor } from "../src/graphql/cursor";
import { type Service, startService } from "../src/service";
import { createTestDatabase, quietLogger, type TestDatabase, testConfig, useDatabase } from "../test/support/database";
import { newQuote } from "../test/support/store-fixtures";

/*
 * Commit-to-answer latency of 1,000 waiting long polls, each commit storing one quote of each of 10
 * assets (an ingestion run) from a connection of its own. Every waiter polls again as soon as it is
 * answered, as clients do; half follow every asset, half one asset. Each bench iteration is one
 * commit: it starts once every waiter waits again (as between two ingestion runs) and ends when the
 * last waiter has the commit's quotes. Per-waiter percentiles, feed reads per commit and the
 * writer's own time are printed at the end.
 *
 * - quotegraph: the replica's FeedHub (one read per commit, waiters served from memory).
 * - peer: the previous resolver's loop, per waiter: read the table, and while nothing is new wait
 *   for a notification or 1 s, then read again.
 * - quotegraph over HTTP: the same 1,000 long polls sent to the service (quoteUpdates, waitSeconds
 *   30) by a client in a worker thread.
 *
 * As in the service, LISTEN is on the writer's pool and reads on the API's (DB_POOL_MAX's default, 10);
 * each implementation opens its own.
 */

const WAITERS = 1_000;
const ASSETS = 10;
const PAGE = 500;

/** Where commits go: a database with 10 tracked assets and a writer connection of its own. */
interface Target {
  writer: DataSource;
  assetIds: number[];
}

const db = useDatabase({ dataSource: "migrated" });
let shared: Target;
let minute = 0;

async function seedAssets(ds: DataSource): Promise<number[]> {
  const rows: { id: number }[] = await ds.query(
    `INSERT INTO asset (cmc_id, symbol, name, slug, tracked)
     SELECT g, 'B' || g, 'B' || g, 'b' || g, true FROM generate_series(1, ${ASSETS}) g RETURNING id`,
  );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

beforeAll(async () => {
  shared = { writer: db.ds, assetIds: await seedAssets(db.ds) };
});

/** Half the waiters follow every asset, half one asset each. */
const filterOf = (waiter: number, assetIds: number[]): FeedFilter => ({
  assetIds: waiter % 2 === 0 ? null : [assetIds[waiter % ASSETS]],
  converts: ["USD"],
});

/**
 * One waiter's long polls, again and again until `signal` aborts; `answered` hears each non-empty
 * page (with when it came, on performance.now()'s clock, when the waiter measured it elsewhere).
 */
type Waiter = (
  waiter: number,
  from: FeedPosition,
  signal: AbortSignal,
  answered: (at?: number) => void,
) => Promise<void>;

interface Implementation {
  name: string;
  /** Opens what the waiters need and returns their loop, and where to commit. */
  open(): Promise<{ waiter: Waiter; target: Target }>;
  /** Reads of new quotes from the table so far, by trigger. */
  reads(): Record<string, number>;
  /** How many waiters wait for the next commit right now (answered ones count again once they wait). */
  waiting(): number;
  close(): Promise<void>;
}

/** The replica's hub, as the service runs it. */
function hubImplementation(): Implementation {
  const reads: Record<string, number> = {};
  let database: Database;
  let listener: FeedListener;
  let hub: FeedHub;
  return {
    name: "quotegraph: one FeedHub read per commit, fanned out from memory",
    async open() {
      // As the service does: LISTEN on the writer's pool, reads on the API's.
      database = await openDatabase(testConfig(db), quietLogger);
      listener = new FeedListener(database.writer, quietLogger);
      await listener.start();
      hub = new FeedHub(database.dataSource, listener, quietLogger, {
        converts: ["USD"],
        maxWaiters: WAITERS,
        maxWaitersPerClient: WAITERS,
      });
      hub.events.on("read", (trigger) => {
        reads[trigger] = (reads[trigger] ?? 0) + 1;
      });
      await hub.start();
      const waiter: Waiter = async (i, from, signal, answered) => {
        const filter = filterOf(i, shared.assetIds);
        let position = from;
        while (!signal.aborted) {
          const page = await hub.next(position, filter, PAGE, { ms: 30_000, signal });
          position = page.position;
          if (page.quotes.length > 0) answered();
        }
      };
      return { waiter, target: shared };
    },
    reads: () => ({ ...reads }),
    waiting: () => hub.waiters,
    async close() {
      await listener.stop();
      await database.close();
    },
  };
}

/** The previous resolver's loop, per waiter: read; while empty, wait for a notification or 1 s, read again. */
function perWaiterImplementation(): Implementation {
  let reads = 0;
  /** Waiters whose current long poll found nothing new and now waits and re-reads. */
  const idle = new Set<number>();
  let database: Database;
  let listener: FeedListener;
  const read = (position: FeedPosition, filter: FeedFilter): Promise<FeedPage> => {
    reads++;
    return readUpdates(database.dataSource, position, filter, PAGE);
  };
  const wake = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        listener.events.off("notified", done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, 1_000);
      listener.events.on("notified", done);
      signal.addEventListener("abort", done);
    });
  return {
    name: "peer: each waiter re-reads the table every second and on each notification",
    async open() {
      database = await openDatabase(testConfig(db), quietLogger);
      listener = new FeedListener(database.writer, quietLogger);
      listener.events.setMaxListeners(0);
      await listener.start();
      const waiter: Waiter = async (i, from, signal, answered) => {
        const filter = filterOf(i, shared.assetIds);
        let position = from;
        while (!signal.aborted) {
          let page = await read(position, filter);
          while (page.quotes.length === 0 && !signal.aborted) {
            idle.add(i);
            await wake(signal);
            page = await read(page.position, filter);
          }
          idle.delete(i);
          position = page.position;
          if (page.quotes.length > 0) answered();
        }
      };
      return { waiter, target: shared };
    },
    reads: () => ({ request: reads }),
    waiting: () => idle.size,
    async close() {
      await listener.stop();
      await database.close();
    },
  };
}

/**
 * The long polls of the HTTP implementation, in a worker thread: the client's own work (1,000
 * requests and answers per commit) runs beside the service's, not on its event loop. Each waiter
 * polls again as soon as it is answered; the worker posts [waiter, epoch ms] for each answer with quotes.
 */
const HTTP_CLIENT = `
const { parentPort, workerData } = require("node:worker_threads");
const { Agent, request } = require("node:http");
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const QUERY = "query($after: String!, $symbols: [String!]) { quoteUpdates(after: $after, symbols: $symbols, " +
  "limit: ${PAGE}, waitSeconds: 30) { cursor quotes { id } } }";
const post = (variables) => new Promise((resolve, reject) => {
  const req = request(workerData.url + "/graphql",
    { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve(JSON.parse(text).data.quoteUpdates));
    });
  req.on("error", reject);
  req.end(JSON.stringify({ query: QUERY, variables }));
});
workerData.symbols.forEach(async (symbols, waiter) => {
  let after = workerData.cursor;
  for (;;) {
    const page = await post({ after, symbols });
    after = page.cursor;
    if (page.quotes.length > 0) parentPort.postMessage([waiter, performance.timeOrigin + performance.now()]);
  }
});`;

/** The service over HTTP: 1,000 quoteUpdates long polls from one client, in a thread of their own. */
function httpImplementation(): Implementation {
  let service: Service;
  let own: TestDatabase;
  let writer: Database;
  let client: Worker | undefined;
  const reads: Record<string, number> = {};
  const answered = new Map<number, (at: number) => void>();
  return {
    name: "quotegraph over HTTP: 1,000 quoteUpdates long polls",
    async open() {
      // A database of its own: the service refuses one that already holds quotes of another source.
      own = await createTestDatabase();
      service = await startService(
        // One client address holds all 1,000: no cap per address.
        testConfig(own, { HTTP_MAX_CONNECTIONS_PER_ADDRESS: "0", MAX_WAITERS_PER_CLIENT: "0" }),
        quietLogger,
        { schedule: false },
      );
      service.hub.events.on("read", (trigger) => {
        reads[trigger] = (reads[trigger] ?? 0) + 1;
      });
      writer = await openDatabase(testConfig(own), quietLogger);
      const assetIds = await seedAssets(writer.writer);
      const waiter: Waiter = (i, from, signal, onAnswer) => {
        answered.set(i, onAnswer);
        if (answered.size === WAITERS) {
          const symbols = Array.from({ length: WAITERS }, (_, w) => (w % 2 === 0 ? null : [`B${(w % ASSETS) + 1}`]));
          client = new Worker(HTTP_CLIENT, {
            eval: true,
            workerData: { url: service.url, cursor: updatesCursor.encode(from), symbols },
          });
          // The worker's clock, on this thread's.
          client.on("message", ([w, at]: [number, number]) => answered.get(w)?.(at - performance.timeOrigin));
        }
        return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      };
      return { waiter, target: { writer: writer.writer, assetIds } };
    },
    reads: () => ({ ...reads }),
    waiting: () => service.hub.waiters,
    async close() {
      await client?.terminate();
      await service.stop();
      await writer.close();
      await own.drop();
    },
  };
}

interface Figures {
  latencies: number[];
  writerMs: number[];
  commits: number;
  reads: Record<string, number>;
  seconds: number;
}

const results = new Map<string, Figures>();

/**
 * Starts the implementation's waiters on the first call and returns one bench iteration: a commit,
 * resolved once every waiter has been answered with it.
 */
function harness(implementation: Implementation) {
  const stop = new AbortController();
  const figures: Figures = { latencies: [], writerMs: [], commits: 0, reads: {}, seconds: 0 };
  results.set(implementation.name, figures);
  setMaxListeners(0, stop.signal);
  let round: { t0: number; waiting: Set<number>; done: () => void } | undefined;
  let loops: Promise<void>[] = [];
  let target: Target;
  let started = 0;
  let readsAtStart: Record<string, number> = {};

  return {
    async setup() {
      if (loops.length > 0) return;
      const opened = await implementation.open();
      const waiter = opened.waiter;
      target = opened.target;
      const from = await readFrontier(target.writer);
      loops = Array.from({ length: WAITERS }, (_, i) =>
        waiter(i, from, stop.signal, (at = performance.now()) => {
          if (!round?.waiting.delete(i)) return;
          figures.latencies.push(at - round.t0);
          if (round.waiting.size === 0) round.done();
        }),
      );
      started = performance.now();
      readsAtStart = implementation.reads();
    },
    async iteration() {
      // As between two ingestion runs: every waiter has come back and waits again.
      while (implementation.waiting() < WAITERS) await new Promise((resolve) => setTimeout(resolve, 5));
      const writeStarted = performance.now();
      const runner = target.writer.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      minute++;
      await insertQuotesIn(
        runner.manager,
        target.assetIds.map((assetId) =>
          newQuote({ assetId, price: "1", lastUpdated: new Date(Date.UTC(2026, 0, 1, 0, minute)) }),
        ),
      );
      const all = new Promise<void>((resolve) => {
        round = { t0: performance.now(), waiting: new Set(loops.keys()), done: resolve };
      });
      await runner.commitTransaction();
      await runner.release();
      figures.writerMs.push(performance.now() - writeStarted);
      await all;
      figures.commits++;
    },
    async teardown() {
      figures.seconds = (performance.now() - started) / 1000;
      const reads = implementation.reads();
      figures.reads = Object.fromEntries(
        Object.entries(reads).map(([trigger, n]) => [trigger, n - (readsAtStart[trigger] ?? 0)]),
      );
      stop.abort();
      // Every loop ends at its next await once aborted; then the connections can go.
      await Promise.allSettled(loops);
      await implementation.close();
      loops = [];
    },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

afterAll(() => {
  const rows = [...results].map(([name, f]) => {
    const sorted = [...f.latencies].sort((a, b) => a - b);
    const writer = [...f.writerMs].sort((a, b) => a - b);
    return {
      implementation: name,
      commits: f.commits,
      "p50 ms": percentile(sorted, 0.5)?.toFixed(1),
      "p99 ms": percentile(sorted, 0.99)?.toFixed(1),
      "max ms": sorted.at(-1)?.toFixed(1),
      "feed reads per commit": Object.entries(f.reads)
        .map(([trigger, n]) => `${trigger} ${(n / f.commits).toFixed(1)}`)
        .join(", "),
      "feed reads/s": (Object.values(f.reads).reduce((a, b) => a + b, 0) / f.seconds).toFixed(0),
      "writer ms p50/max": `${percentile(writer, 0.5)?.toFixed(1)}/${writer.at(-1)?.toFixed(1)}`,
    };
  });
  console.log(`\nCommit-to-answer latency of ${WAITERS} waiting long polls\n`);
  console.table(rows);
});

const options = (h: ReturnType<typeof harness>) => ({
  iterations: 10,
  time: 0,
  warmupIterations: 1,
  warmupTime: 0,
  setup: () => h.setup(),
  teardown: async (_task: unknown, mode: "warmup" | "run") => {
    if (mode === "run") await h.teardown();
  },
});

describe(`a commit reaching ${WAITERS} waiting long polls`, () => {
  const hub = harness(hubImplementation());
  const peer = harness(perWaiterImplementation());
  bench("quotegraph: one FeedHub read per commit", () => hub.iteration(), options(hub));
  bench("peer: a read per waiter, every second and per notification", () => peer.iteration(), options(peer));
});

describe(`a commit reaching ${WAITERS} long polls over HTTP`, () => {
  const http = harness(httpImplementation());
  bench("quotegraph over HTTP", () => http.iteration(), options(http));
});
