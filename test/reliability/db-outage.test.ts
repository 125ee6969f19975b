import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparePositions, type FeedPosition } from "../../src/db/store/feed";
import { updatesCursor } from "../../src/graphql/cursor";
import { type CmcSimulator, startCmcSimulator } from "../../tools/cmc-simulator/server";
import { tally, writeReliabilityReport } from "../support/cmc-reliability";
import { graphql } from "../support/graphql";
import { quoteCalls } from "../support/ingestion";
import { type OwnPostgres, startOwnPostgres } from "../support/own-postgres";
import { isReady, type ServiceProcess, spawnService } from "../support/service-process";

/**
 * The service's database cut while ingestion runs every 2 s and clients long-poll: every backend
 * killed, then PostgreSQL stopped for 30 s (fast shutdown) and started again on the same address,
 * then every backend killed once more. Afterwards every quote the simulator served is in the table
 * exactly once, every poller saw every stored quote once in order, every run is closed with its true
 * counts, and the API answered what the contract says throughout: 503 with Retry-After while the
 * database was away, nothing else but 200.
 */
const SCENARIO = "db-outage";
const OUTAGE_MS = 30_000;
// The simulated minute moves every 2 s (the test moves it, so that it can stop it before the end),
// and the service runs every 2 s: most ticks meet a new CMC minute, some the same one again.
const MINUTE_MS = 2_000;
const CRON = "*/2 * * * * *";
const SYMBOLS = ["BTC", "ETH", "SOL", "XRP"];
const CONVERTS = ["USD", "EUR"];
const POLLERS = 3;
const WAIT_SECONDS = 10;
// Impatient dashboards: they retry sooner than Retry-After asks.
const RETRY_MS = 1_000;
const PROBE_MS = 500;

type Phase = "warm-up" | "backends killed" | "database down" | "restarted, backends killed" | "caught up";

interface Poller {
  /** The cursor it started from. */
  start: string;
  /** Every quote id it was given, in order. */
  ids: string[];
  polls: number;
  unavailable: number;
}

/** The ids of the quotes stored after a poller's starting cursor: what it must see, in this order. */
const dueTo = (poller: Poller, stored: StoredQuote[]) => {
  const start = updatesCursor.decode(poller.start);
  return stored.filter((q) => comparePositions(q.position, start) > 0).map((q) => q.id);
};

/** What a response other than 200 or the outage's 503 looked like. */
interface Unexpected {
  phase: Phase;
  what: string;
}

const QUERY = `query($after: String!) {
  quoteUpdates(after: $after, waitSeconds: ${WAIT_SECONDS}) { cursor hasMore quotes { id } }
}`;

/** (CMC id, convert, last_updated) of every quote the simulator answered quotes/latest with. */
function servedQuotes(sim: CmcSimulator): Set<string> {
  const served = new Set<string>();
  for (const call of quoteCalls(sim)) {
    if (call.status !== 200 || call.errorCode !== 0) continue;
    // Every coin asked for is an active one, so each is answered in each convert, on the minute.
    const minute = new Date(Math.floor(call.at.getTime() / 60_000) * 60_000).toISOString();
    for (const id of call.query.id.split(",")) {
      for (const convert of call.query.convert.split(",")) served.add(`${id}/${convert}/${minute}`);
    }
  }
  return served;
}

interface StoredQuote {
  id: string;
  position: FeedPosition;
  /** (CMC id, convert, last_updated), as servedQuotes writes it. */
  key: string;
}

/** price_quote in commit order. */
async function storedQuotes(url: string): Promise<StoredQuote[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT q.id::text AS id, q.tx_id::text AS "txId", a.cmc_id || '/' || q.convert || '/' ||
         to_char(q.last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS key
       FROM price_quote q JOIN asset a ON a.id = q.asset_id ORDER BY q.tx_id, q.id`,
    );
    return rows.map((r) => ({ id: r.id, position: { txId: BigInt(r.txId), id: BigInt(r.id) }, key: r.key }));
  } finally {
    await client.end();
  }
}

function rssMbOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Math.round(Number(/(\d+)/.exec(line ?? "")?.[1]) / 1024);
}

describe("database stopped for 30 s and its backends killed, while ingestion runs and clients poll", () => {
  let pg: OwnPostgres;
  let sim: CmcSimulator;
  let service: ServiceProcess | undefined;
  let clock: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    pg = await startOwnPostgres("db-outage");
    sim = await startCmcSimulator({ manualClock: true, rateLimitPerMinute: 0, syntheticCoins: 10 });
  });
  afterAll(async () => {
    clearInterval(clock);
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill("SIGKILL");
      await service.exited;
    }
    await sim?.close();
    await pg?.remove();
  });

  it("loses no quote, stores none twice, and every poller sees each once", async () => {
    const began = performance.now();
    let phase: Phase = "warm-up";
    clock = setInterval(() => sim.advanceMinute(), MINUTE_MS);
    const running = spawnService({
      DATABASE_URL: pg.url,
      CMC_BASE_URL: sim.url,
      CMC_API_KEY: "sim-key",
      QUOTEGRAPH_SOURCE: "simulator",
      INGEST_CRON: CRON,
      TRACKED_SYMBOLS: SYMBOLS.join(","),
      CONVERT: CONVERTS.join(","),
    });
    service = running;
    const pid = running.child.pid as number;
    const url = String((await running.waitForLog(isReady)).url).replace(/\/graphql$/, "");
    const rssStart = rssMbOf(pid);
    const logged = (message: RegExp) => running.logs.filter((l) => message.test(String(l.msg))).length;
    const runsLogged = () => logged(/^ingestion run (succeeded|partial)$/);
    const flushesLogged = () => logged(/^stored quotes kept while the database was unavailable$/);

    const unexpected: Unexpected[] = [];
    const unavailableByPhase: Phase[] = [];
    let stopClients = false;

    /** A dashboard following the feed: every quote id it is given, in order; a 503 is retried with the same cursor. */
    const follow = async (poller: Poller) => {
      let cursor = poller.start;
      while (!stopClients) {
        let answer: Response;
        try {
          answer = await fetch(`${url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: QUERY, variables: { after: cursor } }),
          });
        } catch (error) {
          unexpected.push({ phase, what: `poll failed: ${(error as Error).message}` });
          await sleep(RETRY_MS);
          continue;
        }
        poller.polls++;
        const body = (await answer.json()) as { data?: any; errors?: any[] };
        if (answer.status === 200 && !body.errors) {
          poller.ids.push(...body.data.quoteUpdates.quotes.map((q: { id: string }) => q.id));
          cursor = body.data.quoteUpdates.cursor;
          continue;
        }
        const codes = (body.errors ?? []).map((e) => e.extensions?.code);
        if (
          answer.status === 503 &&
          answer.headers.get("retry-after") &&
          codes.every((c) => c === "SERVICE_UNAVAILABLE")
        ) {
          poller.unavailable++;
          unavailableByPhase.push(phase);
        } else {
          unexpected.push({ phase, what: `${answer.status} ${JSON.stringify(body)}` });
        }
        await sleep(RETRY_MS);
      }
    };

    const readiness: { phase: Phase; status: number; body: string }[] = [];
    const probe = async () => {
      while (!stopClients) {
        try {
          const health = await fetch(`${url}/healthz`);
          const healthBody = await health.text();
          if (health.status !== 200) unexpected.push({ phase, what: `/healthz ${health.status} ${healthBody}` });
          const ready = await fetch(`${url}/readyz`);
          readiness.push({ phase, status: ready.status, body: await ready.text() });
        } catch (error) {
          unexpected.push({ phase, what: `probe failed: ${(error as Error).message}` });
        }
        await sleep(PROBE_MS);
      }
    };

    // Pollers start as dashboards do: the latest quotes and a cursor, then every quote after it.
    const pollers: Poller[] = [];
    for (let i = 0; i < POLLERS; i++) {
      const first = await graphql(url, "{ quoteUpdates { cursor } }");
      expect(first.status).toBe(200);
      pollers.push({ ids: [], unavailable: 0, polls: 0, start: first.body.data.quoteUpdates.cursor });
    }
    const polling = pollers.map(follow);
    const probing = probe();

    // Warm-up: a few runs store quotes.
    await expect.poll(runsLogged, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);

    // Every backend of the service's database killed: the pool, LISTEN, whatever was running.
    phase = "backends killed";
    const killedFirst = await pg.terminateBackends();
    const afterKill = runsLogged();
    await expect.poll(runsLogged, { timeout: 30_000 }).toBeGreaterThanOrEqual(afterKill + 2);

    // PostgreSQL stopped for 30 s while the schedule goes on.
    phase = "database down";
    await pg.stop();
    const callsBeforeOutage = quoteCalls(sim).length;
    const outageBegan = performance.now();
    await sleep(OUTAGE_MS);
    const ticksDuringOutage = quoteCalls(sim).length - callsBeforeOutage;
    const flushesBefore = flushesLogged();
    await pg.start();
    const outageSeconds = Math.round((performance.now() - outageBegan) / 100) / 10;

    // Back on the same address; once the quotes kept in memory are stored, every backend killed again.
    phase = "restarted, backends killed";
    await expect.poll(flushesLogged, { timeout: 30_000 }).toBeGreaterThan(flushesBefore);
    const killedSecond = await pg.terminateBackends();

    // Catching up: the simulator's minute stops, so later ticks serve nothing new; the table and
    // every poller must come to hold everything it served.
    clearInterval(clock);
    const afterSecondKill = runsLogged();
    await expect.poll(runsLogged, { timeout: 30_000 }).toBeGreaterThanOrEqual(afterSecondKill + 2);
    const served = servedQuotes(sim);
    const missing = async () => {
      const keys = new Set((await storedQuotes(pg.url)).map((q) => q.key));
      return [...served].filter((key) => !keys.has(key)).length;
    };
    await expect.poll(missing, { timeout: 30_000 }).toBe(0);
    // The feed's LISTEN connection is back (its reconnects back off up to 10 s; meanwhile the hub re-reads every second).
    const listenState = () =>
      running.logs
        .filter((l) => l.msg === "listening for new quotes again" || String(l.msg).startsWith("lost the LISTEN"))
        .at(-1)?.msg;
    await expect.poll(listenState, { timeout: 30_000 }).toBe("listening for new quotes again");
    phase = "caught up";
    const caughtUp = await storedQuotes(pg.url);
    for (const poller of pollers) {
      await expect
        .poll(() => poller.ids.length, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(dueTo(poller, caughtUp).length);
    }
    const rssEnd = rssMbOf(pid);

    // The probes end before the signal; the long polls in flight are answered by the shutdown.
    stopClients = true;
    await probing;
    running.child.kill("SIGTERM");
    expect(await running.exited).toEqual({ code: 0, signal: null });
    await Promise.all(polling);
    mkdirSync(path.resolve("reports/reliability"), { recursive: true });
    // Beside the figures, for a look at what the service said (reports/ is git-ignored).
    writeFileSync(path.resolve(`reports/reliability/${SCENARIO}.log`), `${running.output.join("\n")}\n`);

    // Every quote served is stored, once; nothing else is.
    const final = await storedQuotes(pg.url);
    const keys = final.map((q) => q.key);
    const lost = [...served].filter((key) => !keys.includes(key));
    const duplicates = keys.length - new Set(keys).size;
    expect({ lost, duplicates, stored: keys.length }).toEqual({ lost: [], duplicates: 0, stored: served.size });

    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    try {
      const { rows: grouped } = await admin.query(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM price_quote GROUP BY asset_id, convert, last_updated
                                         HAVING count(*) > 1) d`,
      );
      expect(grouped).toEqual([{ n: 0 }]);
      const { rows: runs } = await admin.query(
        `SELECT id, status, quotes_fetched AS fetched, quotes_inserted AS inserted, quotes_skipped AS skipped,
           credits_used AS credits, error_code AS "errorCode", error_message AS "errorMessage"
         FROM ingestion_run ORDER BY id`,
      );
      // Closed, with true counts: the quotes they record inserting are the table's.
      expect(runs.filter((r) => r.status === "RUNNING")).toEqual([]);
      expect(runs.filter((r) => r.fetched !== r.inserted + r.skipped)).toEqual([]);
      expect(runs.reduce((sum, r) => sum + r.inserted, 0)).toBe(keys.length);
      // Credits: what the simulator charged for quotes/latest is what the runs recorded, but for a
      // call SIGTERM abandoned after CMC had answered (its status never read): then one call's worth.
      const calls = quoteCalls(sim).filter((c) => c.status === 200);
      const charged = calls.reduce((sum, c) => sum + c.creditCount, 0);
      const abandoned = runs.filter((r) => r.errorMessage === "request abandoned: the service is shutting down");
      const unrecorded = charged - runs.reduce((sum, r) => sum + r.credits, 0);
      expect([0, ...abandoned.map(() => calls[0].creditCount)]).toContain(unrecorded);

      // Each poller saw every quote stored after its cursor, once, in commit (and id) order.
      const polled = pollers.map((poller) => {
        expect(poller.ids).toEqual(dueTo(poller, final));
        expect(poller.ids.filter((id, i) => i > 0 && BigInt(id) <= BigInt(poller.ids[i - 1]))).toEqual([]);
        return { quotes: poller.ids.length, polls: poller.polls, unavailable: poller.unavailable };
      });

      // The API: nothing but 200s, and 503 SERVICE_UNAVAILABLE with Retry-After while the database was away.
      expect(unexpected).toEqual([]);
      expect(unavailableByPhase.filter((p) => p === "warm-up" || p === "caught up")).toEqual([]);
      const notReady = readiness.filter((r) => r.status !== 200);
      expect(notReady.filter((r) => r.phase === "database down").length).toBeGreaterThan(0);
      expect(new Set(notReady.map((r) => `${r.status} ${r.body}`))).toEqual(
        new Set(['503 {"status":"unavailable","reason":"database unreachable"}']),
      );
      expect(
        readiness.filter((r) => r.phase === "warm-up" || r.phase === "caught up").every((r) => r.status === 200),
      ).toBe(true);

      // Logs: the outage is told, without a stack trace or the database's password.
      const password = decodeURIComponent(new URL(pg.url).password);
      expect(running.output.filter((line) => /\\n\s+at |^\s+at /.test(line))).toEqual([]);
      expect(running.output.filter((line) => line.includes(password))).toEqual([]);

      writeReliabilityReport(SCENARIO, {
        outageSeconds,
        ticksDuringOutage,
        backendsKilled: [killedFirst, killedSecond],
        symbols: SYMBOLS,
        converts: CONVERTS,
        cmcCalls: quoteCalls(sim).length,
        quotesServed: served.size,
        quotesStored: keys.length,
        quotesLost: lost.length,
        duplicates,
        runsByStatus: tally(runs.map((r) => r.status)),
        runsByErrorCode: tally(runs.map((r) => r.errorCode ?? "none")),
        pollers: polled,
        unavailableByPhase: tally(unavailableByPhase),
        readyzByPhase: tally(readiness.map((r) => `${r.phase}: ${r.status}`)),
        runsStoredFromMemory: flushesLogged(),
        listenReconnects: logged(/^listening for new quotes again$/),
        warningsAndErrors: tally(running.logs.filter((l) => Number(l.level) >= 40).map((l) => String(l.msg))),
        rssStartMb: rssStart,
        rssEndMb: rssEnd,
        seconds: Math.round((performance.now() - began) / 100) / 10,
      });
    } finally {
      await admin.end();
    }
  });
});
