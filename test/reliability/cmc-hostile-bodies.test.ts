import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CmcCall, MAX_BODY_BYTES } from "../../src/coinmarketcap/client";
import type { Ingestion } from "../../src/ingestion/ingestion";
import type { RunOutcome } from "../../src/ingestion/runner";
import { FIATS } from "../../tools/cmc-simulator/coins";
import { type BodyPatch, type CmcSimulator, type Fault, startCmcSimulator } from "../../tools/cmc-simulator/server";
import {
  invalidQuoteRows,
  onSimulatorClock,
  reliabilitySeed,
  rssMb,
  tally,
  withRssPeak,
  writeReliabilityReport,
} from "../support/cmc-reliability";
import { useDatabase } from "../support/database";
import { quoteCalls, simulatorIngestion, syntheticSymbols } from "../support/ingestion";

/**
 * Hostile CMC answers: random JSON in place of the whole body, of `status`, of `data`, of a coin, of
 * a quote, of single fields (fast-check, seeded); bodies of 10 MB and more, valid and not, an
 * endless one; bodies sent a few bytes at a time, slower than the client's timeout and within it.
 * Every run must end and be recorded with its error code, nothing invalid may be stored, and memory
 * must stay bounded.
 */
const SCENARIO = "cmc-hostile-bodies";
const TIMEOUT_MS = 3_000;
const START = new Date("2026-01-05T00:00:00Z");
const PROPERTY_RUNS = 400;
// What one run may add to the process's RSS while it reads its answer: above what a valid 10 MB
// answer costs (about 90 MB), far below what reading an endless body until the client's default
// 10 s timeout reached before the 16 MiB limit (about 450 MB here, more from a faster server).
const RUN_RSS_BOUND_MB = 200;
// Over the whole scenario, from its first hostile run to its end.
const RSS_BOUND_MB = 300;

const QUOTES_ENDPOINT = "/v2/cryptocurrency/quotes/latest";
const COIN_FIELDS = ["id", "symbol", "name", "is_active", "cmc_rank", "tags", "platform", "circulating_supply"];
const QUOTE_FIELDS = [
  "price",
  "volume_24h",
  "market_cap",
  "percent_change_1h",
  "percent_change_24h",
  "percent_change_7d",
  "last_updated",
];
const STATUS_FIELDS = ["timestamp", "error_code", "error_message", "credit_count", "notice"];

/** The error code a run records for a failed CMC call (README "Failures"; src/ingestion/runner.ts). */
function codeOf(call: CmcCall): string {
  if (call.errorCode !== null) return `CMC_${call.errorCode}`;
  if (call.outcome === "server" && call.httpStatus !== null) return `CMC_HTTP_${call.httpStatus}`;
  return `CMC_${call.outcome.toUpperCase().replaceAll("-", "_")}`;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// Keys a hostile body may use: random ones, and those that mean something to JavaScript or to CMC.
const key = fc.oneof(
  fc.string(),
  fc.constantFrom("__proto__", "constructor", "toString", "1", "1027", "USD", "EUR", "price", "status", "data"),
);
// Strings no field should survive, beside random ones in every Unicode plane.
const nastyString = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.constantFrom(
    "\u0000",
    "price\u0000",
    "\ud800",
    "1e400",
    "-1e-400",
    "-0",
    "0.0",
    "NaN",
    "Infinity",
    " 12 ",
    "0x10",
    "1_000",
    "9".repeat(200_000),
    `0.${"0".repeat(20_000)}1`,
    "2099-01-01T00:00:00.000Z",
    "2008-12-31T23:59:59.999Z",
    "1970-01-01T00:00:00Z",
    "+275760-09-13T00:00:00.000Z",
    "<html><body>502</body></html>",
  ),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ stringUnit: "binary", maxDepth: 4 }),
  fc.anything({ key, maxDepth: 3, withNullPrototype: true, withSparseArray: true, withDate: true }),
  nastyString,
  fc.double(),
  fc.integer(),
  fc.constant(undefined),
);

const ids = fc.constantFrom("1", "1027");
const converts = fc.constantFrom("USD", "EUR");
const path: fc.Arbitrary<BodyPatch["path"]> = fc.oneof(
  fc.constant(["status"]),
  fc.constant(["data"]),
  ids.map((id) => ["data", id]),
  key.map((k) => ["data", k]),
  fc.tuple(ids, converts).map(([id, c]) => ["data", id, "quote", c]),
  fc.tuple(ids, fc.constantFrom(...COIN_FIELDS)).map(([id, f]) => ["data", id, f]),
  fc.tuple(ids, converts, fc.constantFrom(...QUOTE_FIELDS)).map(([id, c, f]) => ["data", id, "quote", c, f]),
  fc.constantFrom(...STATUS_FIELDS).map((f) => ["status", f]),
);

type Hostile = { kind: "impostor"; body: string } | { kind: "patch"; patches: BodyPatch[] };

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  // Instead of CMC: JSON without a status, or text that is not JSON.
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.jsonValue({ stringUnit: "binary" }),
        fc.anything({ key, withNullPrototype: true }).filter((v) => v !== undefined),
      )
      .filter((value) => !(isPlainObject(value) && Object.hasOwn(value, "status")))
      .map((value) => ({ kind: "impostor" as const, body: JSON.stringify(value) })),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary" }).map((body) => ({ kind: "impostor" as const, body })) },
  // CMC's answer with one to three members replaced; deeper ones first, so that all apply.
  {
    weight: 4,
    arbitrary: fc
      .array(fc.record({ path, value: hostileValue }), { minLength: 1, maxLength: 3 })
      .map((patches) => ({ kind: "patch" as const, patches: patches.sort((a, b) => b.path.length - a.path.length) })),
  },
);

/** Why readResponse refuses an impostor's 200 (src/coinmarketcap/response.ts, its doc comment). */
function impostorMessage(body: string): string | RegExp {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return /^response body is not JSON: /;
  }
  return isPlainObject(parsed) ? "response has no valid status object" : "response body is not a JSON object";
}

/** The largest answer the service can ask for, measured before the hostile ones. */
let largestLegitimate: Record<string, unknown> = {};

describe("the largest legitimate answer", () => {
  const db = useDatabase({ dataSource: "migrated" });

  it("stores 100 coins in 120 currencies (CMC's limits) from one answer, well within the body limit", async () => {
    const sim = await startCmcSimulator({ manualClock: true, rateLimitPerMinute: 0, syntheticCoins: 212 });
    const converts = [...FIATS.map((f) => f.code), ...Array.from({ length: 112 }, (_, i) => `SYN${100 + i}`)];
    const { ingestion } = simulatorIngestion(
      sim,
      db.ds,
      { TRACKED_SYMBOLS: syntheticSymbols(100), CONVERT: converts.join(",") },
      { runner: onSimulatorClock(sim) },
    );
    try {
      await ingestion.prepare();
      const { result, rssPeakDeltaMb } = await withRssPeak(() => ingestion.runNow());
      expect(result.run).toMatchObject({
        status: "SUCCEEDED",
        quotesInserted: 12_000,
        quotesSkipped: 0,
        creditsUsed: 120,
      });
      const [answer] = quoteCalls(sim);
      expect(answer.bodyBytes).toBeLessThan(MAX_BODY_BYTES / 2);
      largestLegitimate = { coins: 100, converts: converts.length, bytes: answer.bodyBytes, rssPeakDeltaMb };
    } finally {
      await ingestion.stop();
      await sim.close();
    }
  });
});

describe("hostile CMC bodies", () => {
  const db = useDatabase({ dataSource: "migrated" });
  let sim: CmcSimulator;
  /** With a short timeout (TIMEOUT_MS), and with the client's default one (10 s). */
  let ingestion: Ingestion;
  let patient: Ingestion;
  const cmcCalls: CmcCall[] = [];
  const figures: Record<string, unknown> = {};
  let rssStart = 0;
  let rssPeak = 0;
  let began = 0;

  beforeAll(async () => {
    sim = await startCmcSimulator({ manualClock: true, rateLimitPerMinute: 0, syntheticCoins: 0, startTime: START });
    const make = (timeout: { cmcTimeoutMs?: number }) => {
      const made = simulatorIngestion(
        sim,
        db.ds,
        { TRACKED_SYMBOLS: "BTC,ETH", CONVERT: "USD,EUR" },
        { ...timeout, runner: onSimulatorClock(sim) },
      ).ingestion;
      made.events.on("cmc", (call) => cmcCalls.push(call));
      return made;
    };
    ingestion = make({ cmcTimeoutMs: TIMEOUT_MS });
    patient = make({});
    await ingestion.prepare();
    expect((await ingestion.runNow()).run).toMatchObject({ status: "SUCCEEDED", quotesInserted: 4 });
    began = performance.now();
    rssStart = rssMb();
    rssPeak = rssStart;
  });
  afterAll(async () => {
    await ingestion?.stop();
    await patient?.stop();
    await sim?.close();
  });

  /**
   * One run on a new simulated minute, answered with `fault`; checks what every run must hold: it
   * ended, its record is the one in the table, its figures add up, its error code is that of its
   * failed CMC call (none when the last call answered), no invalid row was stored.
   */
  async function hostileRun(fault: Fault, via = ingestion) {
    sim.advanceMinute();
    const callsBefore = quoteCalls(sim).length;
    const eventsBefore = cmcCalls.length;
    const [{ rows: rowsBefore }] = await db.ds.query(`SELECT count(*)::int AS rows FROM price_quote`);
    sim.failNext(fault);
    // RSS while the run reads the answer (sampled; the run is what is awaited).
    const { result: outcome, rssPeakDeltaMb } = await withRssPeak(() => via.runNow());
    rssPeak = Math.max(rssPeak, rssMb());
    expect(rssPeakDeltaMb).toBeLessThan(RUN_RSS_BOUND_MB);
    const { run } = outcome;

    const [recorded] = await db.ds.query(
      `SELECT status, quotes_fetched, quotes_inserted, quotes_skipped, credits_used, error_code, error_message
       FROM ingestion_run WHERE id = $1`,
      [run.id],
    );
    expect(recorded).toEqual({
      status: run.status,
      quotes_fetched: run.quotesFetched,
      quotes_inserted: run.quotesInserted,
      quotes_skipped: run.quotesSkipped,
      credits_used: run.creditsUsed,
      error_code: run.errorCode,
      error_message: run.errorMessage,
    });
    const [{ rows: rowsAfter }] = await db.ds.query(`SELECT count(*)::int AS rows FROM price_quote`);
    expect(rowsAfter - rowsBefore).toBe(run.quotesInserted);
    expect(run.quotesFetched).toBe(run.quotesInserted + run.quotesSkipped);

    const calls = cmcCalls.slice(eventsBefore).filter((c) => c.endpoint === QUOTES_ENDPOINT);
    const lastCall = calls[calls.length - 1];
    if (lastCall.outcome !== "ok") {
      expect(run.errorCode).toBe(codeOf(lastCall));
      expect(run.errorMessage).not.toBe("");
    } else if (run.errorCode !== null) {
      // The call answered, but its `data` was no map of coins (the client reports the call "ok").
      expect(run.errorCode).toBe("CMC_MALFORMED");
      expect(run.errorMessage).toMatch(/^unexpected response shape: data: /);
    }
    if (run.errorCode === null) expect(run.status).toBe(run.quotesSkipped > 0 ? "PARTIAL" : "SUCCEEDED");
    else expect(run.status).toBe(run.quotesInserted > 0 ? "PARTIAL" : "FAILED");
    const rows = await invalidQuoteRows(db.ds, START, sim.now());
    expect(rows).toMatchObject({ invalid: 0, duplicates: 0 });
    const charged = quoteCalls(sim)
      .slice(callsBefore)
      .filter((c) => c.status === 200)
      .reduce((sum, c) => sum + c.creditCount, 0);
    return { outcome, charged, rssPeakDeltaMb };
  }

  it("records every run answered with random JSON at every level, and stores nothing invalid", async () => {
    const seed = reliabilitySeed(SCENARIO);
    const kinds: string[] = [];
    const codes: string[] = [];
    let largest = 0;
    await fc.assert(
      fc.asyncProperty(hostile, async (answer) => {
        const fault: Fault =
          answer.kind === "impostor"
            ? { kind: "raw-body", body: answer.body }
            : { kind: "patch", patches: answer.patches };
        const { outcome, charged } = await hostileRun(fault);
        const { run } = outcome;
        const last = quoteCalls(sim)[quoteCalls(sim).length - 1];
        largest = Math.max(largest, last.bodyBytes ?? 0);
        kinds.push(answer.kind === "impostor" ? "impostor" : answer.patches.map((p) => p.path[0]).join("+"));
        codes.push(run.errorCode ?? run.status);
        if (answer.kind === "impostor") {
          // Not CMC's: refused whole, nothing charged, nothing counted.
          const message = impostorMessage(answer.body);
          expect(run).toMatchObject({
            status: "FAILED",
            errorCode: "CMC_MALFORMED",
            errorMessage: typeof message === "string" ? message : expect.stringMatching(message),
            quotesFetched: 0,
            creditsUsed: 0,
          });
        } else if (answer.patches.every((p) => p.path[0] !== "status")) {
          // CMC's status untouched: whatever became of `data`, the credits it reports are recorded.
          expect(run.creditsUsed).toBe(charged);
          expect([null, "CMC_MALFORMED"]).toContain(run.errorCode);
        }
      }),
      { seed, numRuns: PROPERTY_RUNS, endOnFailure: true },
    );
    figures.property = {
      seed,
      bodies: PROPERTY_RUNS,
      byTarget: tally(kinds),
      runsByOutcome: tally(codes),
      largestBodyBytes: largest,
    };
  });

  const MB = 1_000_000;
  /** A tag list of about `bytes` bytes: a coin can carry many, and the client only tolerates them. */
  const tags = (bytes: number) =>
    Array.from({ length: Math.ceil(bytes / 60) }, (_, i) => ({
      slug: `tag-${i}`,
      name: `Tag ${i}`,
      category: "OTHERS",
    }));
  const tooLarge = `response body larger than ${MAX_BODY_BYTES} bytes: not read further`;
  const bodies: {
    name: string;
    bytes: number | null;
    status: string;
    errorCode: string | null;
    rssPeakDeltaMb: number;
  }[] = [];
  let creditsLost = 0;

  async function bodyCase(
    name: string,
    fault: Fault,
    expected: Partial<RunOutcome["run"]>,
    { charged = true, via = ingestion } = {},
  ) {
    const { outcome, charged: credits, rssPeakDeltaMb } = await hostileRun(fault, via);
    const { run } = outcome;
    expect(run).toMatchObject(expected);
    // What CMC charged is recorded, unless the client never read the answer's status.
    if (charged) expect(run.creditsUsed).toBe(credits);
    else creditsLost += credits;
    const calls = quoteCalls(sim);
    const bytes = calls[calls.length - 1].bodyBytes;
    bodies.push({ name, bytes, status: run.status, errorCode: run.errorCode, rssPeakDeltaMb });
    return { run, rssPeakDeltaMb };
  }

  it("stores a valid 10 MB answer (a coin with 10 MB of tags) like any other", async () => {
    const { run } = await bodyCase(
      "valid, 10 MB of tags",
      { kind: "patch", patches: [{ path: ["data", "1", "tags"], value: tags(10 * MB) }] },
      { status: "SUCCEEDED", quotesInserted: 4, creditsUsed: 2, errorCode: null },
    );
    expect(run.quotesSkipped).toBe(0);
  });

  it("refuses an invalid 10 MB answer (JSON cut short) as malformed", async () => {
    const cut = JSON.stringify({ status: { error_code: 0, credit_count: 2 }, data: { "1": { tags: tags(10 * MB) } } });
    await bodyCase(
      "invalid, 10 MB of JSON cut short",
      { kind: "raw-body", body: cut.slice(0, 10 * MB) },
      {
        status: "FAILED",
        errorCode: "CMC_MALFORMED",
        errorMessage: expect.stringMatching(/^response body is not JSON: /),
        creditsUsed: 0,
      },
    );
  });

  it.each([
    ["a 10 MB price", "9".repeat(10 * MB)],
    ["a price of 200 000 digits", "9".repeat(200_000)],
    ["a price 20 000 digits after the point", `0.${"0".repeat(20_000)}1`],
  ])("skips an entry with %s (PostgreSQL numeric would refuse it), and stores the others", async (name, price) => {
    await bodyCase(
      name,
      { kind: "patch", patches: [{ path: ["data", "1", "quote", "USD", "price"], value: price }] },
      { status: "PARTIAL", quotesInserted: 3, quotesSkipped: 1, errorCode: null },
    );
  });

  it("skips a quote dated in the future even when CMC's own clock says so too", async () => {
    await bodyCase(
      "status and last_updated in 2099",
      {
        kind: "patch",
        patches: [
          { path: ["status", "timestamp"], value: "2099-01-01T00:00:30.000Z" },
          { path: ["data", "1", "quote", "USD", "last_updated"], value: "2099-01-01T00:00:00.000Z" },
        ],
      },
      { status: "PARTIAL", quotesInserted: 3, quotesSkipped: 1, errorCode: null },
    );
  });

  it.each([
    ["a valid 17 MB answer", { kind: "patch", patches: [{ path: ["data", "1", "tags"], value: tags(17 * MB) }] }],
    ["an endless body, gzipped (a gzip bomb)", { kind: "flood" }],
  ] as const)("refuses %s at the 16 MiB limit, as malformed, without reading further", async (name, fault) => {
    // With the client's default timeout (10 s): only the limit stops an endless body early.
    await bodyCase(
      name,
      fault,
      { status: "FAILED", errorCode: "CMC_MALFORMED", errorMessage: tooLarge, creditsUsed: 0 },
      { charged: false, via: patient },
    );
  });

  it("times out an answer sent a few bytes at a time over twice the client's timeout", async () => {
    await bodyCase(
      `drip over ${2 * TIMEOUT_MS} ms`,
      { kind: "drip", chunkBytes: 8, totalMs: 2 * TIMEOUT_MS },
      {
        status: "FAILED",
        errorCode: "CMC_TIMEOUT",
        errorMessage: `no complete response within ${TIMEOUT_MS} ms`,
        creditsUsed: 0,
      },
      { charged: false },
    );
  });

  it("stores an answer sent a few bytes at a time within the client's timeout", async () => {
    await bodyCase(
      `drip over ${TIMEOUT_MS / 2} ms`,
      { kind: "drip", chunkBytes: 8, totalMs: TIMEOUT_MS / 2 },
      { status: "SUCCEEDED", quotesInserted: 4, errorCode: null },
    );
  });

  it("keeps memory bounded through it all", () => {
    const rssEnd = rssMb();
    writeReliabilityReport(SCENARIO, {
      largestLegitimate,
      ...figures,
      bodies,
      largestBodyBytes: Math.max(...bodies.map((b) => b.bytes ?? 0)),
      bodyLimitBytes: MAX_BODY_BYTES,
      creditsChargedButUnread: creditsLost,
      rssStartMb: rssStart,
      rssPeakMb: rssPeak,
      rssEndMb: rssEnd,
      seconds: Math.round((performance.now() - began) / 100) / 10,
    });
    expect(rssEnd - rssStart).toBeLessThan(RSS_BOUND_MB);
  });
});
