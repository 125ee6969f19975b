import { Client } from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FeedHub } from "../src/db/store/feed-hub";
import { FeedListener } from "../src/db/store/feed-listener";
import { ResponseCache } from "../src/graphql/response-cache";
import type { Ingestion, IngestionOptions } from "../src/ingestion/ingestion";
import { Metrics } from "../src/metrics";
import { type CmcSimulator, faults, startCmcSimulator } from "../tools/cmc-simulator/server";
import { quietLogger, useDatabase } from "./support/database";
import {
  afterFirstQuotesAnswer,
  cutDatabase,
  nextRuns,
  quoteCalls,
  simulatorIngestion,
  syntheticSymbols,
} from "./support/ingestion";
import { logRecorder } from "./support/log-recorder";

/** `count` consecutive CMC ids from `first`. */
function cmcIds(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => first + index);
}

describe("ingestion against the CMC simulator", () => {
  const db = useDatabase({ dataSource: "migrated" });
  let sim: CmcSimulator;
  const started: Ingestion[] = [];

  beforeEach(async () => {
    await db.ds.query(
      "TRUNCATE price_quote, ingestion_run, ingestion_claim, service_meta, asset RESTART IDENTITY CASCADE",
    );
    sim = await startCmcSimulator({ manualClock: true, rateLimitPerMinute: 0, syntheticCoins: 200 });
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((i) => i.stop()));
    await sim.close();
  });

  function make(env: Record<string, string> = {}, extra = {}) {
    const made = simulatorIngestion(sim, db.ds, env, extra);
    started.push(made.ingestion);
    return made;
  }

  /**
   * Ingestion, and its metrics, whose database is cut once CMC has answered the first quotes/latest
   * request, so that the run's write is what fails; `first` runs before the cut (e.g. to make the
   * next batch fail). `restore()` ends the outage.
   */
  function makeWithOutage(env: Record<string, string> = {}, extra: Partial<IngestionOptions> = {}, first = () => {}) {
    let cut: { restore(): Promise<void> } | undefined;
    const made = make(env, {
      ...extra,
      fetch: afterFirstQuotesAnswer(async () => {
        first();
        cut = await cutDatabase(db);
      }),
    });
    const listener = new FeedListener(db.ds, quietLogger);
    const hub = new FeedHub(db.ds, listener, quietLogger, {
      converts: ["USD"],
      maxWaiters: 1,
      maxWaitersPerClient: 1,
    });
    const metrics = new Metrics({
      ingestion: made.ingestion,
      pools: { api: db.ds, writer: db.ds },
      hub,
      responseCache: new ResponseCache(0, listener),
    });
    return { ...made, metrics, restore: async () => cut?.restore() };
  }

  it("seeds TRACKED_SYMBOLS through /map once, fetches by id, and stores one transaction of quotes", async () => {
    const { ingestion } = make({ CONVERT: "USD,EUR" });
    await ingestion.prepare();
    const { run } = await ingestion.runNow();
    expect(run).toMatchObject({
      status: "SUCCEEDED",
      quotesFetched: 4,
      quotesInserted: 4,
      quotesSkipped: 0,
      creditsUsed: 2,
    });
    const assets = await db.ds.query(`SELECT cmc_id, symbol, tracked FROM asset ORDER BY cmc_id`);
    expect(assets).toEqual([
      { cmc_id: 1, symbol: "BTC", tracked: true },
      { cmc_id: 1027, symbol: "ETH", tracked: true },
    ]);
    expect(sim.calls.map((c) => c.path)).toEqual(["/v1/cryptocurrency/map", "/v2/cryptocurrency/quotes/latest"]);
    const [quotes] = quoteCalls(sim);
    expect(quotes.query).toMatchObject({ id: "1,1027", convert: "USD,EUR", skip_invalid: "true" });
    expect(quotes.query.symbol).toBeUndefined();
    expect(quotes.apiKey).toBe("sim-key");
    const rows = await db.ds.query(
      `SELECT a.symbol, q.convert, q.price::text, q.last_updated FROM price_quote q JOIN asset a ON a.id = q.asset_id ORDER BY 1, 2`,
    );
    expect(rows.map((r: { symbol: string; convert: string }) => `${r.symbol}/${r.convert}`)).toEqual([
      "BTC/EUR",
      "BTC/USD",
      "ETH/EUR",
      "ETH/USD",
    ]);
    for (const row of rows) expect(row.last_updated.toISOString()).toBe(sim.now().toISOString());

    await ingestion.runNow();
    expect(sim.calls.filter((c) => c.path === "/v1/cryptocurrency/map")).toHaveLength(1);
  });

  it("stores nothing new when the same CMC minute is ingested twice, and the next minute's quotes when it turns", async () => {
    const { ingestion } = make();
    await ingestion.prepare();
    expect((await ingestion.runNow()).run.quotesInserted).toBe(2);
    const again = (await ingestion.runNow()).run;
    expect(again).toMatchObject({ status: "SUCCEEDED", quotesFetched: 2, quotesInserted: 0, quotesSkipped: 2 });
    sim.advanceMinute();
    expect((await ingestion.runNow()).run.quotesInserted).toBe(2);
    const [{ count }] = await db.ds.query(`SELECT count(*)::int AS count FROM price_quote`);
    expect(count).toBe(4);
  });

  it("announces new quotes with NOTIFY after the commit", async () => {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    await listener.query("LISTEN quotegraph_quote_added");
    const notified = new Promise<{ channel: string; payload?: string }>((resolve) =>
      listener.once("notification", resolve),
    );
    const { ingestion } = make();
    await ingestion.prepare();
    await ingestion.runNow();
    const message = await notified;
    await listener.end();
    const [{ max }] = await db.ds.query(`SELECT max(id)::text AS max FROM price_quote`);
    expect(JSON.parse(message.payload ?? "")).toEqual({ count: 2, maxId: max });
  });

  it.each([
    ["invalid key (401/1001)", faults.invalidKey, "CMC_1001"],
    ["missing key (401/1002)", faults.missingKey, "CMC_1002"],
    ["payment required (402/1003)", faults.paymentRequired, "CMC_1003"],
    ["plan expired (402/1004)", faults.paymentExpired, "CMC_1004"],
    ["key required (403/1005)", faults.keyRequired, "CMC_1005"],
    ["plan not authorized (403/1006)", faults.planNotAuthorized, "CMC_1006"],
    ["key disabled (403/1007)", faults.keyDisabled, "CMC_1007"],
  ])("disables ingestion on %s, without retrying, and keeps serving state", async (_name, fault, code) => {
    const { ingestion } = make();
    await ingestion.prepare();
    await ingestion.runNow();
    sim.setFault(fault);
    const before = sim.calls.length;
    const { run, action } = await ingestion.runNow();
    expect(run).toMatchObject({ status: "FAILED", errorCode: code, errorMessage: fault.message, quotesInserted: 0 });
    expect(action).toEqual({
      kind: "disable",
      reason: `CoinMarketCap refused the API key (${code}): ${fault.message}`,
    });
    expect(sim.calls.length - before).toBe(1);
    expect(ingestion.state()).toMatchObject({ enabled: false, nextRunAt: null });
  });

  it("backs off on the per-minute limit (429/1008) until the next minute, then retries only what is missing", async () => {
    // The runner reads the simulator's clock, which stands on a whole minute.
    const { ingestion, waits } = make({ TRACKED_SYMBOLS: "BTC,ETH" }, { runner: { now: () => sim.now() } });
    await ingestion.prepare();
    await ingestion.runNow();
    sim.advanceMinute();
    sim.failNext(faults.minuteRateLimit, 1);
    const { run } = await ingestion.runNow();
    expect(run).toMatchObject({ status: "SUCCEEDED", quotesInserted: 2 });
    // Until CMC's minute window resets (60 s, more than the first attempt's 1 s), plus half of
    // the 5 s jitter (random() = 0.5).
    expect(waits).toEqual([62_500]);
    expect(
      quoteCalls(sim)
        .slice(-2)
        .map((c) => c.errorCode),
    ).toEqual([1008, 0]);
  });

  it("gives up after three rate-limited attempts (1011) and records the run FAILED, ingestion still enabled", async () => {
    const { ingestion, waits } = make({}, { runner: { now: () => sim.now() } });
    await ingestion.prepare();
    await ingestion.runNow();
    sim.failNext(faults.ipRateLimit, 5);
    const { run, action } = await ingestion.runNow();
    expect(run).toMatchObject({
      status: "FAILED",
      errorCode: "CMC_1011",
      errorMessage: "You've hit an IP rate limit.",
    });
    // Two waits for the simulator's minute to turn (60 s, more than 1 s and 2 s), each with half the jitter.
    expect(waits).toEqual([62_500, 62_500]);
    expect(quoteCalls(sim).map((c) => c.errorCode)).toEqual([0, 1011, 1011, 1011]);
    expect(action).toEqual({ kind: "continue" });
    expect(ingestion.state().enabled).toBe(true);
  });

  it.each([
    ["daily (1009)", faults.dailyLimit, "CMC_1009", "2026-01-06T00:00:00.000Z"],
    ["monthly (1010)", faults.monthlyLimit, "CMC_1010", "2026-02-01T00:00:00.000Z"],
  ])("pauses until the %s credits reset", async (_name, fault, code, resetAt) => {
    // On the simulator's clock (2026-01-05T00:00Z): the daily reset is the next UTC midnight; the
    // monthly one is what /v1/key/info says, the first of the next month.
    const { ingestion } = make({}, { runner: { now: () => sim.now() } });
    await ingestion.prepare();
    await ingestion.runNow();
    sim.setFault(fault);
    const { run, action } = await ingestion.runNow();
    expect(run).toMatchObject({ status: "FAILED", errorCode: code, errorMessage: fault.message });
    expect(action).toEqual({ kind: "pause", until: new Date(resetAt), reason: fault.message });
    expect(ingestion.state()).toMatchObject({ enabled: true, nextRunAt: new Date(resetAt) });
  });

  it.each(["daily", "monthly"] as const)(
    "skips ticks while the %s credits are spent, calling CMC for none, and runs again from the reset",
    async (kind) => {
      // The last day of January: daily and monthly credits both come back at 2026-02-01T00:00Z.
      await sim.close();
      sim = await startCmcSimulator({
        manualClock: true,
        rateLimitPerMinute: 0,
        syntheticCoins: 0,
        startTime: new Date("2026-01-31T00:00:00Z"),
      });
      const reset = new Date("2026-02-01T00:00:00Z");
      // Ticks every second; ingestion reads the simulator's clock, which moves only when told.
      const log = logRecorder();
      const skipped = "tick skipped: ingestion is paused";
      const resumes = "CoinMarketCap credits are back; ingestion resumes";
      const { ingestion } = make(
        { INGEST_CRON: "* * * * * *" },
        { logger: log.logger, runner: { now: () => sim.now() } },
      );
      await ingestion.prepare();
      await ingestion.runNow();
      sim.exhaustCredits(kind);
      expect((await ingestion.runNow()).action).toMatchObject({ kind: "pause", until: reset });
      const callsBefore = sim.calls.length;
      // The last success is on this very minute, so no start-up run either.
      await ingestion.start();
      expect(await ingestion.scheduler.startupRun).toBeUndefined();
      // A minute before the reset, ticks are still skipped (a tick that ran would fail what follows).
      sim.advanceMinute(24 * 60 - 1);
      const tick = () => Promise.race([log.next(skipped), nextRuns(ingestion, 1)]);
      await tick();
      await tick();
      expect(sim.calls.length).toBe(callsBefore);
      const [recorded] = await db.ds.query(
        `SELECT (SELECT count(*) FROM ingestion_run)::int AS runs, (SELECT count(*) FROM price_quote)::int AS quotes`,
      );
      expect(recorded).toEqual({ runs: 2, quotes: 2 });
      expect(ingestion.state().nextRunAt).toEqual(reset);
      expect(log.count(resumes)).toBe(0);

      // On the reset minute the simulator has the credits back, and the next tick runs.
      sim.advanceMinute(1);
      let [resumed] = await nextRuns(ingestion, 1);
      // On a busy machine a later tick may find that run still going and be recorded SKIPPED first.
      while (resumed.run.status === "SKIPPED") [resumed] = await nextRuns(ingestion, 1);
      expect(resumed.run).toMatchObject({ trigger: "SCHEDULE", status: "SUCCEEDED", quotesInserted: 2 });
      expect(sim.calls[callsBefore].path).toBe("/v2/cryptocurrency/quotes/latest");
      expect(log.count(resumes)).toBe(1);
      // The state shows the schedule's next tick again (some second of the wall clock), not the pause.
      expect(ingestion.state().nextRunAt).not.toEqual(reset);
    },
  );

  it.each([
    ["a server error (500)", faults.serverError, "CMC_500"],
    ["truncated JSON", faults.malformedJson, "CMC_MALFORMED"],
    ["an HTML page", faults.nonJson, "CMC_MALFORMED"],
    ["a response without data", faults.missingData, "CMC_MALFORMED"],
    // Quoted in the message, which PostgreSQL text cannot hold as such.
    ["a body with a NUL character", { kind: "raw-body", body: "\u0000" } as const, "CMC_MALFORMED"],
  ])("records %s as FAILED and stays scheduled for the next tick", async (_name, fault, code) => {
    const { ingestion } = make();
    await ingestion.prepare();
    await ingestion.runNow();
    sim.failNext(fault, 1);
    const { run, action } = await ingestion.runNow();
    expect(run).toMatchObject({ status: "FAILED", quotesInserted: 0 });
    expect(run.errorCode).toBe(code);
    expect(action.kind).toBe("continue");
    expect(ingestion.state().enabled).toBe(true);
  });

  it("records a run PARTIAL when a later batch fails: the earlier batch's quotes stored, its credits counted", async () => {
    // 150 coins make two quotes/latest requests, ids 100000-100099 then 100100-100149; the second answers 500.
    const { ingestion } = make(
      { TRACKED_SYMBOLS: syntheticSymbols(150) },
      { fetch: afterFirstQuotesAnswer(() => sim.failNext(faults.serverError, 1)) },
    );
    await ingestion.prepare();
    const { run, action } = await ingestion.runNow();
    expect(run).toMatchObject({
      status: "PARTIAL",
      quotesFetched: 100,
      quotesInserted: 100,
      quotesSkipped: 0,
      creditsUsed: 1,
      errorCode: "CMC_500",
      errorMessage: "An internal server error occurred",
    });
    expect(action).toEqual({ kind: "continue" });
    expect(quoteCalls(sim).map((c) => ({ id: c.query.id, status: c.status, credits: c.creditCount }))).toEqual([
      { id: cmcIds(100_000, 100).join(","), status: 200, credits: 1 },
      { id: cmcIds(100_100, 50).join(","), status: 500, credits: 0 },
    ]);
    const stored: { cmc_id: number }[] = await db.ds.query(
      `SELECT a.cmc_id FROM price_quote q JOIN asset a ON a.id = q.asset_id ORDER BY a.cmc_id`,
    );
    expect(stored.map((r) => r.cmc_id)).toEqual(cmcIds(100_000, 100));
  });

  it("times out a CMC request that never answers", async () => {
    const { ingestion } = make({}, { cmcTimeoutMs: 300 });
    await ingestion.prepare();
    await ingestion.runNow();
    sim.failNext(faults.hang, 1);
    const { run } = await ingestion.runNow();
    expect(run).toMatchObject({ status: "FAILED", errorCode: "CMC_TIMEOUT" });
    expect(run.errorMessage).toBe("no complete response within 300 ms");
  });

  it("understands payload quirks: an inactive coin's null price is skipped (the run PARTIAL), numbers sent as strings are stored exactly", async () => {
    const { ingestion } = make();
    await ingestion.prepare();
    await ingestion.runNow();
    sim.advanceMinute();
    sim.failNext(faults.nullPrice(1027), 1);
    const nullPrice = (await ingestion.runNow()).run;
    expect(nullPrice).toMatchObject({ status: "PARTIAL", quotesInserted: 1, quotesSkipped: 1 });
    sim.advanceMinute();
    sim.failNext(faults.stringNumbers, 1);
    expect((await ingestion.runNow()).run).toMatchObject({ status: "SUCCEEDED", quotesInserted: 2 });
    // Digit for digit the strings the simulator sent for this minute (2026-01-05T00:02Z).
    const rows = await db.ds.query(
      `SELECT a.symbol, q.price::text, q.volume_24h::text, q.market_cap::text, q.percent_change_1h::text,
         q.percent_change_24h::text, q.percent_change_7d::text
       FROM price_quote q JOIN asset a ON a.id = q.asset_id WHERE q.last_updated = $1 ORDER BY a.cmc_id`,
      [sim.now()],
    );
    expect(rows).toEqual([
      {
        symbol: "BTC",
        price: "66954.93246017092",
        volume_24h: "32640242558.415844",
        market_cap: "1338561737600.0203",
        percent_change_1h: "-0.22537659461350223",
        percent_change_24h: "-0.28637869653819203",
        percent_change_7d: "-15.11752832091533",
      },
      {
        symbol: "ETH",
        price: "1949.2325053826007",
        volume_24h: "15353527514.197506",
        market_cap: "235261277198.28253",
        percent_change_1h: "0.14819611718088765",
        percent_change_24h: "-5.63043374800658",
        percent_change_7d: "-9.671603136418073",
      },
    ]);
  });

  it("stores a tiny price sent with an exponent (2.9e-8) exactly, as a plain decimal", async () => {
    const { ingestion } = make({ TRACKED_SYMBOLS: "PUMPINU" });
    await ingestion.prepare();
    expect((await ingestion.runNow()).run).toMatchObject({ status: "SUCCEEDED", quotesInserted: 1 });
    const [row] = await db.ds.query(`SELECT price::text AS price FROM price_quote`);
    expect(row.price).toBe("0.000000029310480352575198");
  });

  it("never overlaps runs in a process: a run asked for during a slow CMC response is recorded SKIPPED", async () => {
    const { ingestion } = make();
    await ingestion.prepare();
    await ingestion.runNow();
    sim.setDelay(300);
    const slow = ingestion.runNow();
    const overlapping = await ingestion.runNow();
    expect(overlapping.run).toMatchObject({ status: "SKIPPED", errorMessage: "the previous run is still in progress" });
    expect((await slow).run.status).toBe("SUCCEEDED");
    expect(quoteCalls(sim)).toHaveLength(2);
  });

  it("keeps fetched quotes while the database is down and stores every one when it is back", async () => {
    const { ingestion, metrics, restore } = makeWithOutage();
    await ingestion.prepare();
    const { run } = await ingestion.runNow();
    expect(run.status).toBe("RUNNING");
    expect(ingestion.buffer.size).toBe(2);
    expect(await metrics.registry.metrics()).toContain("quotegraph_buffered_quotes 2");
    await restore();
    sim.advanceMinute();
    const next = await ingestion.runNow();
    expect(next.run.quotesInserted).toBe(2);
    expect(ingestion.buffer.size).toBe(0);
    const [{ count }] = await db.ds.query(`SELECT count(*)::int AS count FROM price_quote`);
    expect(count).toBe(4);
    const [first] = await db.ds.query(`SELECT status, quotes_inserted FROM ingestion_run WHERE id = $1`, [run.id]);
    expect(first).toEqual({ status: "SUCCEEDED", quotes_inserted: 2 });
  });

  it("keeps at most bufferLimit quotes while the database is down, drops the oldest and counts them, and records the run's true figures", async () => {
    // 4 quotes (BTC and ETH in USD and EUR), in this order: BTC/USD, BTC/EUR, ETH/USD, ETH/EUR.
    const { ingestion, metrics, restore } = makeWithOutage({ CONVERT: "USD,EUR" }, { bufferLimit: 3 });
    await ingestion.prepare();
    const { run } = await ingestion.runNow();
    expect(run.status).toBe("RUNNING");
    expect({ size: ingestion.buffer.size, dropped: ingestion.buffer.dropped }).toEqual({ size: 3, dropped: 1 });
    const buffered = await metrics.registry.metrics();
    expect(buffered).toContain("\nquotegraph_buffered_quotes 3\n");
    expect(buffered).toContain("\nquotegraph_buffered_quotes_dropped 1\n");

    await restore();
    // The next run stores the buffer first; its own CMC call fails, so it adds nothing.
    sim.failNext(faults.serverError, 1);
    expect((await ingestion.runNow()).run).toMatchObject({ status: "FAILED", quotesInserted: 0 });
    const stored = await db.ds.query(
      `SELECT a.symbol || '/' || q.convert AS pair FROM price_quote q JOIN asset a ON a.id = q.asset_id ORDER BY q.id`,
    );
    expect(stored.map((r: { pair: string }) => r.pair)).toEqual(["BTC/EUR", "ETH/USD", "ETH/EUR"]);
    const [record] = await db.ds.query(
      `SELECT status, quotes_fetched, quotes_inserted, quotes_skipped, credits_used, error_code FROM ingestion_run WHERE id = $1`,
      [run.id],
    );
    expect(record).toEqual({
      status: "SUCCEEDED",
      quotes_fetched: 4,
      quotes_inserted: 3,
      quotes_skipped: 1,
      credits_used: 2,
      error_code: null,
    });
    const flushed = await metrics.registry.metrics();
    expect(flushed).toContain("\nquotegraph_buffered_quotes 0\n");
    expect(flushed).toContain("\nquotegraph_buffered_quotes_dropped 1\n");
  });

  it("records a buffered run's CMC failure when its quotes are stored later, and pauses for it at once", async () => {
    // 150 coins: the first batch answers, then the daily credits run out and the database goes away.
    const { ingestion, restore } = makeWithOutage(
      { TRACKED_SYMBOLS: syntheticSymbols(150) },
      { runner: { now: () => sim.now() } },
      () => sim.failNext(faults.dailyLimit, 1),
    );
    await ingestion.prepare();
    const { run, action } = await ingestion.runNow();
    expect(run.status).toBe("RUNNING");
    expect(ingestion.buffer.size).toBe(100);
    expect(action).toEqual({
      kind: "pause",
      until: new Date("2026-01-06T00:00:00Z"),
      reason: "You've exceeded your API Key's daily rate limit.",
    });

    await restore();
    sim.failNext(faults.serverError, 1);
    await ingestion.runNow();
    const [record] = await db.ds.query(
      `SELECT status, quotes_fetched, quotes_inserted, quotes_skipped, credits_used, error_code, error_message
       FROM ingestion_run WHERE id = $1`,
      [run.id],
    );
    expect(record).toEqual({
      status: "PARTIAL",
      quotes_fetched: 100,
      quotes_inserted: 100,
      quotes_skipped: 0,
      credits_used: 1,
      error_code: "CMC_1009",
      error_message: "You've exceeded your API Key's daily rate limit.",
    });
  });

  it("skips entries no market can have (negative numbers, a time in the future), stores none of them, and records the run PARTIAL", async () => {
    const { ingestion } = make();
    await ingestion.prepare();
    await ingestion.runNow();
    for (const fault of [faults.negativeNumbers(1027), faults.futureTime(1)]) {
      sim.advanceMinute();
      sim.failNext(fault, 1);
      expect((await ingestion.runNow()).run).toMatchObject({
        status: "PARTIAL",
        quotesFetched: 2,
        quotesInserted: 1,
        quotesSkipped: 1,
        errorCode: null,
      });
    }
    const [absurd] = await db.ds.query(
      `SELECT count(*)::int AS n FROM price_quote
       WHERE price <= 0 OR volume_24h < 0 OR market_cap < 0 OR last_updated > now() + interval '1 day'`,
    );
    expect(absurd.n).toBe(0);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM price_quote`);
    expect(n).toBe(4);
  });

  it("fetches a run's quotes while the database is unreachable as it begins, and records that run with them when it is back", async () => {
    const { ingestion } = make({}, { runner: { now: () => sim.now() } });
    await ingestion.prepare();
    const first = sim.now();
    await ingestion.runNow();
    sim.advanceMinute();
    const during = sim.now();
    const outage = await cutDatabase(db);
    let kept: Awaited<ReturnType<Ingestion["runNow"]>>;
    try {
      kept = await ingestion.runNow();
    } finally {
      await outage.restore();
    }
    expect(kept.run).toMatchObject({ id: 0, status: "RUNNING", quotesFetched: 2, creditsUsed: 1 });
    expect(ingestion.buffer.size).toBe(2);
    sim.advanceMinute();
    const after = sim.now();
    expect((await ingestion.runNow()).run).toMatchObject({ status: "SUCCEEDED", quotesInserted: 2 });
    expect(ingestion.buffer.size).toBe(0);
    const runs = await db.ds.query(
      `SELECT trigger, status, started_at, quotes_fetched, quotes_inserted, credits_used FROM ingestion_run ORDER BY id`,
    );
    const record = (startedAt: Date) => ({
      trigger: "MANUAL",
      status: "SUCCEEDED",
      started_at: startedAt,
      quotes_fetched: 2,
      quotes_inserted: 2,
      credits_used: 1,
    });
    expect(runs).toEqual([record(first), record(during), record(after)]);
  });

  it("runs ticks without a claim while the database is unreachable, keeping their quotes until it is back", async () => {
    const { ingestion } = make({ INGEST_CRON: "* * * * * *" });
    await ingestion.start();
    await ingestion.scheduler.startupRun;
    const outage = await cutDatabase(db);
    let callsDuring: number;
    try {
      const before = quoteCalls(sim).length;
      await expect.poll(() => ingestion.buffer.size, { timeout: 10_000 }).toBeGreaterThan(0);
      callsDuring = quoteCalls(sim).length - before;
      expect(callsDuring).toBeGreaterThan(0);
    } finally {
      await outage.restore();
    }
    await expect.poll(() => ingestion.buffer.size, { timeout: 10_000 }).toBe(0);
    await ingestion.scheduler.stop();
    // Every call made is recorded as a run: the outage's from memory, the others at once.
    const [{ runs }] = await db.ds.query(`SELECT count(*)::int AS runs FROM ingestion_run WHERE status <> 'SKIPPED'`);
    expect(runs).toBe(quoteCalls(sim).length);
  });

  it("records a run whose process died as FAILED (interrupted) at the next start or run of any replica, and leaves a live one", async () => {
    // What a process killed mid-run leaves: a RUNNING row, a minute old, and no process behind it.
    const deadRun = () =>
      db.ds.query(`INSERT INTO ingestion_run (trigger, status, started_at)
                   VALUES ('SCHEDULE', 'RUNNING', now() - interval '1 minute') RETURNING id`);
    const statuses = async () =>
      Object.fromEntries(
        (await db.ds.query(`SELECT id, status, error_code FROM ingestion_run ORDER BY id`)).map(
          (r: { id: number; status: string; error_code: string | null }) => [r.id, `${r.status} ${r.error_code}`],
        ),
      );
    // A live replica, its run in flight: CMC is slow to answer.
    const live = make({ INGEST_CRON: "*/5 * * * *" }).ingestion;
    await live.prepare();
    expect((await live.runNow()).run.status).toBe("SUCCEEDED");
    sim.setDelay(30_000);
    const inFlight = live.runNow();
    await expect.poll(async () => (await statuses())[2]).toBe("RUNNING null");
    const liveRun = 2;
    const [{ id: dead }] = await deadRun();

    // Another replica starts (its start-up run is not due: the last run is recent).
    sim.setDelay(0);
    const other = make({ INGEST_CRON: "*/5 * * * *" }).ingestion;
    await other.start();
    await other.scheduler.startupRun;
    expect(await statuses()).toEqual({
      1: "SUCCEEDED null",
      [liveRun]: "RUNNING null",
      [dead]: "FAILED INTERRUPTED",
    });

    // A replica that dies later is noticed at the next run of any replica, without a restart.
    const [{ id: deadLater }] = await deadRun();
    sim.advanceMinute();
    expect((await other.runNow()).run.status).toBe("SUCCEEDED");
    const [interrupted] = await db.ds.query(`SELECT error_message FROM ingestion_run WHERE id = $1`, [deadLater]);
    expect(interrupted).toEqual({ error_message: "interrupted: the process running it stopped before it finished" });
    expect((await statuses())[liveRun]).toBe("RUNNING null");

    // The live run ends as its own process says (here: stopped while CMC had not answered).
    await live.stop();
    expect((await inFlight).run).toMatchObject({ id: liveRun, status: "FAILED", errorCode: "CMC_NETWORK" });
  });

  it("stores the quotes kept in memory at shutdown when the database is back, and says how many are lost when it is not", async () => {
    const back = makeWithOutage();
    await back.ingestion.prepare();
    expect((await back.ingestion.runNow()).run.status).toBe("RUNNING");
    await back.restore();
    await back.ingestion.stop();
    expect(back.ingestion.buffer.size).toBe(0);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM price_quote`);
    expect(n).toBe(2);

    const recorder = logRecorder();
    sim.advanceMinute();
    const gone = makeWithOutage({}, { logger: recorder.logger });
    try {
      await gone.ingestion.prepare();
      expect((await gone.ingestion.runNow()).run.status).toBe("RUNNING");
      await gone.ingestion.stop();
    } finally {
      await gone.restore();
    }
    const lost = recorder.lines.filter((l) => l.level === 50 && /are lost$/.test(l.msg));
    expect(lost.map((l) => [l.msg, l.quotes])).toEqual([
      ["2 quotes fetched while the database was unavailable could not be stored before shutdown and are lost", 2],
    ]);
  });

  it("refuses to add mock prices to a database that holds another source's prices", async () => {
    const { ingestion } = make();
    await ingestion.prepare();
    const other = make({ QUOTEGRAPH_SOURCE: "", CMC_BASE_URL: "https://pro-api.coinmarketcap.com" }).ingestion;
    await expect(other.prepare()).rejects.toThrow(
      "this database holds prices from simulator (mock data); refusing to add prices from coinmarketcap",
    );
  });

  it("schedules the fastest whole-minute cron that fits the budget and projects its credits", async () => {
    const { ingestion } = make({ CMC_MONTHLY_CREDITS: "10000", CONVERT: "USD" });
    await ingestion.prepare();
    await ingestion.scheduler.refresh(2);
    expect(ingestion.state()).toMatchObject({
      enabled: true,
      source: "simulator",
      schedule: "*/5 * * * *",
      projectedMonthlyCredits: 8928,
      monthlyCreditBudget: 10000,
    });
    const next = ingestion.state().nextRunAt as Date;
    expect(next.getTime() % 300_000).toBe(0);
    await ingestion.scheduler.refresh(150);
    expect(ingestion.state()).toMatchObject({ schedule: "*/10 * * * *", projectedMonthlyCredits: 8928 });
  });

  it("uses INGEST_CRON as given, even when it overspends the budget", async () => {
    const { ingestion } = make({ INGEST_CRON: "* * * * *", CMC_MONTHLY_CREDITS: "10000" });
    await ingestion.prepare();
    await ingestion.scheduler.refresh(2);
    expect(ingestion.state()).toMatchObject({ schedule: "* * * * *", projectedMonthlyCredits: 44640 });
  });

  /**
   * Every 5 minutes within the hour twelve hours from now: the start-up decision sees a 5-minute
   * interval, and no tick of it fires during the test.
   */
  const quietFiveMinutes = () => `*/5 ${(new Date().getHours() + 12) % 24} * * *`;

  it.each([
    ["SUCCEEDED", {}, () => ({})],
    [
      "PARTIAL",
      { TRACKED_SYMBOLS: syntheticSymbols(150) },
      () => ({ fetch: afterFirstQuotesAnswer(() => sim.failNext(faults.serverError, 1)) }),
    ],
  ])(
    "makes no start-up run, and no CMC call, when a %s run finished less than one interval ago",
    async (status, env, extra) => {
      const { ingestion } = make(
        { INGEST_CRON: quietFiveMinutes(), ...env },
        { runner: { now: () => sim.now() }, ...extra() },
      );
      await ingestion.prepare();
      expect((await ingestion.runNow()).run.status).toBe(status);
      sim.advanceMinute(4);
      const calls = sim.calls.length;
      await ingestion.start();
      expect(await ingestion.scheduler.startupRun).toBeUndefined();
      expect(sim.calls.length).toBe(calls);
      const runs = await db.ds.query(`SELECT trigger, status FROM ingestion_run ORDER BY id`);
      expect(runs).toEqual([{ trigger: "MANUAL", status }]);
    },
  );

  it("makes the start-up run when the last run that stored quotes finished one interval ago, whatever failed since", async () => {
    const { ingestion } = make({ INGEST_CRON: quietFiveMinutes() }, { runner: { now: () => sim.now() } });
    await ingestion.prepare();
    await ingestion.runNow();
    sim.advanceMinute(5);
    sim.failNext(faults.serverError, 1);
    // A run a moment ago, but it stored nothing.
    expect((await ingestion.runNow()).run.status).toBe("FAILED");
    await ingestion.start();
    const startup = await ingestion.scheduler.startupRun;
    expect(startup?.run).toMatchObject({ trigger: "STARTUP", status: "SUCCEEDED", quotesInserted: 2 });
    expect(quoteCalls(sim).map((c) => c.status)).toEqual([200, 500, 200]);
  });

  it("makes one CMC call per claimed tick between three instances starting together, and one start-up run", async () => {
    const instances = [0, 1, 2].map(() => make({ INGEST_CRON: "* * * * * *" }).ingestion);
    const triggers: string[] = [];
    for (const i of instances) i.events.on("run", (o) => triggers.push(o.run.trigger));
    await Promise.all(instances.map((i) => i.start()));
    await Promise.all(instances.map((i) => i.scheduler.startupRun));
    // Wait for several ticks' runs, whichever instance makes them.
    await new Promise<void>((resolve) => {
      const check = () => triggers.filter((t) => t === "SCHEDULE").length >= 3 && resolve();
      for (const i of instances) i.events.on("run", check);
    });
    // Stop scheduling without abandoning a call in flight: every claimed run completes.
    await Promise.all(instances.map((i) => i.scheduler.stop()));
    const [{ claims }] = await db.ds.query(`SELECT count(*)::int AS claims FROM ingestion_claim`);
    const runs: { trigger: string; status: string }[] = await db.ds.query(
      `SELECT trigger, status FROM ingestion_run WHERE status <> 'SKIPPED' ORDER BY id`,
    );
    // Each claim made exactly one CMC call and left one run record; no call went unclaimed.
    expect(quoteCalls(sim)).toHaveLength(claims);
    expect(runs).toHaveLength(claims);
    expect(runs.every((r) => r.status === "SUCCEEDED")).toBe(true);
    expect(runs.filter((r) => r.trigger === "STARTUP")).toHaveLength(1);
    expect(triggers.filter((t) => t === "STARTUP")).toHaveLength(1);
  });
});
