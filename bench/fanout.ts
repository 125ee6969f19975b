import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { DATA_START } from "./generate.ts";
import { rssMb, type Server } from "./processes.ts";
import { dist, openServiceDatabase } from "./quotegraph.ts";
import { scratchAssets, scratchQuote } from "./scratch.ts";

const POLLS = 1_000;
const SUBSCRIPTIONS = 1_000;
const ASSETS = 10;
/**
 * Commits first sent and not counted, as the reads discard their warm-up: the service's first
 * answers run cold code (graphql-jit compiles a document on its second run, V8 optimises later).
 */
const WARMUP_COMMITS = 2;

export interface FanoutFigures {
  commits: number;
  /** Commit → answer, per client and commit, ms. */
  pollMs: number[];
  subscriptionMs: number[];
  /** Per commit: commit → the last of all 2,000 clients, ms. */
  lastClientMs: number[];
  /** The same for the warm-up commits, which count nowhere else. */
  warmupLastClientMs: number[];
  /** The service's largest resident memory while the clients waited and were answered. */
  maxRssMb: number;
  idleRssMb: number;
  /** Long polls answered with an error (e.g. 503 while the pool was saturated) and sent again after 1 s. */
  pollErrors: number;
  /** The long polls' errors by message. */
  pollErrorKinds: Record<string, number>;
  subscriptionErrors: number;
  /** WebSockets closed under a subscription before the end (graphql-ws reconnects them). */
  reconnects: number;
}

/** Clients join 20 at a time, 100 ms apart (200 a second), as a crowd of dashboards does, not in one instant. */
const ramp = (i: number) => (i > 0 && i % 20 === 0 ? sleep(100) : undefined);

const POLL_QUERY =
  'query($after: String, $symbols: [String!]) { quoteUpdates(after: $after, symbols: $symbols, convert: "USD", ' +
  "limit: 500, waitSeconds: 25) { cursor quotes { lastUpdated } } }";

/** Waiters (long polls and subscriptions between quotes) and open subscriptions in the service right now, from its /metrics. */
async function feedGauges(url: string): Promise<{ waiters: number; subscriptions: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return { waiters: gauge("quotegraph_long_poll_waiters"), subscriptions: gauge("quotegraph_subscriptions") };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`fan-out: ${what} not reached in ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

/**
 * The service (already running) with 1,000 quoteUpdates long polls (waitSeconds 25; half follow
 * every asset, half one scratch asset; each polls again as soon as answered, as dashboards do) and
 * 1,000 quoteAdded subscriptions, each on a WebSocket of its own and following one scratch asset.
 * Each commit stores one quote of each of 10 scratch assets through the service's store, from a
 * connection of its own, once every long poll waits again; a client's latency runs from just before
 * COMMIT to its answer with that commit's quotes.
 */
export async function fanoutFigures(databaseUrl: string, service: Server, commits: number): Promise<FanoutFigures> {
  const scratch = await scratchAssets(databaseUrl, ASSETS);
  const { insertQuotesIn } = dist("src/db/store/quotes");
  const database = await openServiceDatabase(databaseUrl);
  const figures: FanoutFigures = {
    commits: 0,
    pollMs: [],
    subscriptionMs: [],
    lastClientMs: [],
    warmupLastClientMs: [],
    maxRssMb: 0,
    idleRssMb: rssMb(service.pid),
    pollErrors: 0,
    pollErrorKinds: {},
    subscriptionErrors: 0,
    reconnects: 0,
  };
  const sampler = setInterval(() => {
    figures.maxRssMb = Math.max(figures.maxRssMb, rssMb(service.pid));
  }, 50);
  const stop = new AbortController();
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const sockets: ReturnType<typeof createClient>[] = [];
  /** The commit under way: its minute, when COMMIT was sent, clients still to be answered. */
  let round: { minute: number; t0: number; waiting: number; warmup: boolean; done: () => void } | undefined;
  const answered = (minute: number, into: number[]) => {
    if (!round || round.minute !== minute) return;
    const ms = performance.now() - round.t0;
    if (!round.warmup) into.push(ms);
    if (--round.waiting === 0) {
      (round.warmup ? figures.warmupLastClientMs : figures.lastClientMs).push(ms);
      round.done();
    }
  };
  const minuteOf = (lastUpdated: string) => (Date.parse(lastUpdated) - DATA_START.getTime()) / 60_000;

  const post = (variables: unknown) =>
    new Promise<any>((resolve, reject) => {
      const req = request(
        `${service.url}/graphql`,
        // No AbortSignal per request: 1,000 listeners on one signal made each request's
        // addEventListener walk the others (quadratic, ~60 ms of the client's time per commit).
        // Stopping destroys the agent's sockets instead, which ends every request under way.
        { method: "POST", agent, headers: { "content-type": "application/json" } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => {
            text += chunk;
          });
          res.on("end", () => {
            try {
              const body = JSON.parse(text);
              if (body.errors) reject(new Error(`quoteUpdates: ${JSON.stringify(body.errors).slice(0, 300)}`));
              else resolve(body.data.quoteUpdates);
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify({ query: POLL_QUERY, variables }));
    });

  try {
    const { cursor: start } = await post({ after: null, symbols: null });
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await ramp(i);
      const client = createClient({
        url: `${service.url.replace("http", "ws")}/graphql`,
        webSocketImpl: WebSocket,
        lazy: false,
        on: {
          closed: () => {
            if (!stop.signal.aborted) figures.reconnects++;
          },
        },
      });
      sockets.push(client);
      client.subscribe<{ quoteAdded: { lastUpdated: string } }>(
        {
          query: `subscription { quoteAdded(symbols: ["${scratch.assets[i % ASSETS].symbol}"], convert: "USD") { lastUpdated } }`,
        },
        {
          next: (message) => {
            const lastUpdated = message.data?.quoteAdded.lastUpdated;
            if (lastUpdated) answered(minuteOf(lastUpdated), figures.subscriptionMs);
          },
          error: () => {
            figures.subscriptionErrors++;
          },
          complete: () => {},
        },
      );
    }
    await until(`${SUBSCRIPTIONS} subscriptions`, async () => {
      if (figures.subscriptionErrors > 0)
        throw new Error(`fan-out: ${figures.subscriptionErrors} subscriptions failed`);
      return (await feedGauges(service.url)).subscriptions >= SUBSCRIPTIONS;
    });
    const polls: Promise<void>[] = [];
    for (let i = 0; i < POLLS; i++) {
      await ramp(i);
      const symbols = i % 2 === 0 ? null : [scratch.assets[i % ASSETS].symbol];
      polls.push(
        (async () => {
          let after = start;
          while (!stop.signal.aborted) {
            let page: any;
            try {
              page = await post({ after, symbols });
            } catch (error) {
              if (stop.signal.aborted) return;
              figures.pollErrors++;
              const kind = (error as Error).message.slice(0, 160);
              figures.pollErrorKinds[kind] = (figures.pollErrorKinds[kind] ?? 0) + 1;
              await sleep(1_000);
              continue;
            }
            after = page.cursor;
            if (page.quotes.length > 0) answered(minuteOf(page.quotes[0].lastUpdated), figures.pollMs);
          }
        })(),
      );
    }
    let minute = 2_000_000;
    for (let c = 0; c < WARMUP_COMMITS + commits; c++) {
      // The gauge counts subscriptions too (each waits in the same hub between quotes): with only
      // `POLLS`, a commit could go out while long polls answered by the last one were still coming back.
      await until(
        `${POLLS} long polls and ${SUBSCRIPTIONS} subscriptions waiting`,
        async () => (await feedGauges(service.url)).waiters >= POLLS + SUBSCRIPTIONS,
      );
      minute++;
      const runner = database.writer.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      await insertQuotesIn(
        runner.manager,
        scratch.assets.map((a) => scratchQuote(a.id, minute)),
      );
      const all = new Promise<void>((resolve) => {
        round = {
          minute,
          t0: performance.now(),
          waiting: POLLS + SUBSCRIPTIONS,
          warmup: c < WARMUP_COMMITS,
          done: resolve,
        };
      });
      await runner.commitTransaction();
      await runner.release();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        all,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`fan-out: ${round?.waiting} clients still unanswered 60 s after commit ${c + 1}`)),
            60_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (c >= WARMUP_COMMITS) figures.commits++;
    }
    stop.abort();
    agent.destroy();
    await Promise.allSettled(polls);
  } finally {
    stop.abort();
    clearInterval(sampler);
    await Promise.allSettled(sockets.map((s) => s.dispose()));
    agent.destroy();
    await database.close();
    await scratch.drop();
  }
  return figures;
}
