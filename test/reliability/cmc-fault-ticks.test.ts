import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/coinmarketcap/client";
import type { Ingestion } from "../../src/ingestion/ingestion";
import type { RunAction } from "../../src/ingestion/runner";
import { seededRandom } from "../../tools/cmc-simulator/market";
import { CMC_ERROR_MESSAGES } from "../../tools/cmc-simulator/responses";
import { type CmcSimulator, type Fault, faults, startCmcSimulator } from "../../tools/cmc-simulator/server";
import {
  invalidQuoteRows,
  onSimulatorClock,
  reliabilitySeed,
  rssMb,
  tally,
  writeReliabilityReport,
} from "../support/cmc-reliability";
import { useDatabase } from "../support/database";
import { quoteCalls, simulatorIngestion, syntheticSymbols } from "../support/ingestion";

/**
 * 200 ingestion runs, each answered by the CMC simulator as a seeded generator decides, request by
 * request: normally, with every fault the simulator has, with invalid entries, or with rate limits
 * that the runner retries. A model written from the documented rules (README "Failures", the run
 * statuses of src/db/store/runs.ts, CMC's error table) says what each run must record; afterwards
 * the table must hold exactly that, no invalid quote, and the credits CMC reported.
 */
const SCENARIO = "cmc-fault-ticks";
const TICKS = 200;
// 150 coins: every attempt asks for them in two requests, 100 ids then 50 (or fewer, on a retry).
const COINS = 150;
const IDS = Array.from({ length: COINS }, (_, index) => 100_000 + index);
const BATCH = 100;
const CONVERTS = ["USD", "EUR"];
const TIMEOUT_MS = 1_500;
const MAX_ATTEMPTS = 3;
const START = new Date("2026-01-05T00:00:00Z");
const ENV = { TRACKED_SYMBOLS: syntheticSymbols(COINS), CONVERT: CONVERTS.join(",") };

/** What follows a failed request (README "Failures"): the run fails, is retried, or the schedule stops. */
type Then = "fail" | "retry" | "disable" | "pause-daily" | "pause-monthly";

interface Answer {
  name: string;
  weight: number;
  fault?: Fault;
  /** An answer that spoils one coin's entry: the coin is drawn from the request's ids. */
  entry?: (cmcId: number) => Fault;
  /** For an answer that fails the request: the run's error code and message, and what follows. */
  error?: { code: string; message: string | RegExp; then: Then };
  /** A failed 200 whose `status` the client still reads: the credits it reports count. */
  creditsReported?: true;
  /** A 200 CMC charges whose body is cut short: its credit count never reaches the client. */
  creditsLost?: true;
}

function failing(name: string, weight: number, fault: Fault, code: string, then: Then, message?: string | RegExp) {
  const known = "message" in fault ? fault.message : undefined;
  return { name, weight, fault, error: { code, then, message: message ?? known ?? "" } } satisfies Answer;
}

const NOT_JSON = /^response body is not JSON: /;
const ANSWERS: Answer[] = [
  { name: "normal", weight: 30 },
  { name: "string-numbers", weight: 4, fault: faults.stringNumbers },
  { name: "null-price", weight: 4, entry: faults.nullPrice },
  { name: "negative-numbers", weight: 4, entry: faults.negativeNumbers },
  { name: "future-time", weight: 4, entry: faults.futureTime },
  {
    name: "price-not-a-number",
    weight: 2,
    entry: (cmcId) => ({
      kind: "patch",
      patches: CONVERTS.map((c) => ({ path: ["data", String(cmcId), "quote", c, "price"], value: "n/a" })),
    }),
  },
  // CMC's answer, slowly but within the client's timeout: an answer like any other.
  { name: "drip", weight: 1, fault: { kind: "drip", chunkBytes: 1024, totalMs: 300 } },
  failing(
    "400/400",
    1,
    { kind: "http-error", httpStatus: 400, errorCode: 400, message: 'Invalid value for "id": "0"' },
    "CMC_400",
    "fail",
  ),
  failing("401/1001", 1, faults.invalidKey, "CMC_1001", "disable"),
  failing("401/1002", 1, faults.missingKey, "CMC_1002", "disable"),
  failing("402/1003", 1, faults.paymentRequired, "CMC_1003", "disable"),
  failing("402/1004", 1, faults.paymentExpired, "CMC_1004", "disable"),
  failing("403/1005", 1, faults.keyRequired, "CMC_1005", "disable"),
  failing("403/1006", 1, faults.planNotAuthorized, "CMC_1006", "disable"),
  failing("403/1007", 1, faults.keyDisabled, "CMC_1007", "disable"),
  failing("429/1008", 4, faults.minuteRateLimit, "CMC_1008", "retry"),
  failing("429/1011", 3, faults.ipRateLimit, "CMC_1011", "retry"),
  failing("429/1009", 1.5, faults.dailyLimit, "CMC_1009", "pause-daily"),
  // Rarer: the clock then walks to the 1st of the next month, about 6 s of simulator work.
  failing("429/1010", 0.5, faults.monthlyLimit, "CMC_1010", "pause-monthly"),
  failing(
    "200/1008",
    1,
    { kind: "error-code-on-200", errorCode: 1008, message: CMC_ERROR_MESSAGES[1008] },
    "CMC_1008",
    "retry",
  ),
  failing("500/500", 3, faults.serverError, "CMC_500", "fail"),
  failing("502", 1, { kind: "http-error", httpStatus: 502, errorCode: null }, "CMC_HTTP_502", "fail", "Bad Gateway"),
  failing(
    "503",
    1,
    { kind: "http-error", httpStatus: 503, errorCode: null },
    "CMC_HTTP_503",
    "fail",
    "Service Unavailable",
  ),
  { ...failing("malformed-json", 3, faults.malformedJson, "CMC_MALFORMED", "fail", NOT_JSON), creditsLost: true },
  failing("non-json", 2, faults.nonJson, "CMC_MALFORMED", "fail", NOT_JSON),
  {
    ...failing(
      "missing-data",
      2,
      faults.missingData,
      "CMC_MALFORMED",
      "fail",
      "unexpected response shape: data: Invalid input: expected record, received undefined",
    ),
    creditsReported: true,
  },
  failing(
    "impostor",
    1,
    { kind: "raw-body", body: '{"message":"Not Found"}' },
    "CMC_MALFORMED",
    "fail",
    "response has no valid status object",
  ),
  failing(
    "flood",
    1,
    { kind: "flood" },
    "CMC_MALFORMED",
    "fail",
    `response body larger than ${MAX_BODY_BYTES} bytes: not read further`,
  ),
  failing("hang", 1, faults.hang, "CMC_TIMEOUT", "fail", `no complete response within ${TIMEOUT_MS} ms`),
];

interface PlannedRequest {
  answer: Answer;
  ids: number[];
  fault: Fault | undefined;
}

/** What one run must do and record, from the answers drawn for its requests. */
interface PlannedRun {
  requests: PlannedRequest[];
  quotes: number;
  skipped: number;
  /** Credits the answers reported that the client could read. */
  credits: number;
  /** Credits CMC charged for 200s whose body was cut short. */
  creditsLost: number;
  error: NonNullable<Answer["error"]> | null;
  /** Attempts after a per-minute limit. */
  retries: number;
}

/** CMC's price for quotes/latest (reference §5): 1 per 100 coins, + 1 per extra convert. */
const creditsFor = (ids: number[]) => Math.ceil(ids.length / BATCH) + CONVERTS.length - 1;

/**
 * The answer to the next request: drawn by weight, except that the first request of tick k, for k
 * up to the number of kinds, gets the k-th kind, so that every run of the scenario meets them all.
 */
function pick(random: () => number, tick: number, first: boolean): Answer {
  if (first && tick <= ANSWERS.length) return ANSWERS[tick - 1];
  const total = ANSWERS.reduce((sum, answer) => sum + answer.weight, 0);
  let point = random() * total;
  for (const answer of ANSWERS) {
    point -= answer.weight;
    if (point < 0) return answer;
  }
  return ANSWERS[0];
}

/**
 * The runner as documented: batches of 100 ids one after the other, a failing batch ends the
 * attempt; a per-minute limit (1008, 1011) is retried for the ids still missing, 3 attempts in all.
 */
function planRun(random: () => number, tick: number): PlannedRun {
  const run: PlannedRun = { requests: [], quotes: 0, skipped: 0, credits: 0, creditsLost: 0, error: null, retries: 0 };
  let missing = IDS;
  for (let attempt = 1; ; attempt++) {
    run.error = null;
    const answered = new Set<number>();
    for (let start = 0; start < missing.length && run.error === null; start += BATCH) {
      const ids = missing.slice(start, start + BATCH);
      const answer = pick(random, tick, run.requests.length === 0);
      const spoiled = answer.entry ? ids[Math.floor(random() * ids.length)] : undefined;
      const fault = spoiled === undefined ? answer.fault : answer.entry?.(spoiled);
      run.requests.push({ answer, ids, fault });
      if (answer.creditsReported) run.credits += creditsFor(ids);
      if (answer.creditsLost) run.creditsLost += creditsFor(ids);
      if (answer.error) {
        run.error = answer.error;
        continue;
      }
      for (const id of ids) answered.add(id);
      const bad = spoiled === undefined ? 0 : 1;
      run.quotes += (ids.length - bad) * CONVERTS.length;
      run.skipped += bad * CONVERTS.length;
      run.credits += creditsFor(ids);
    }
    if (run.error === null) return run;
    missing = missing.filter((id) => !answered.has(id));
    if (run.error.then !== "retry" || attempt === MAX_ATTEMPTS) return run;
    run.retries++;
  }
}

/** The run's status by the documented rule (src/db/store/runs.ts `runStatus`). */
function statusOf(run: PlannedRun, inserted: number): string {
  if (run.error) return inserted > 0 ? "PARTIAL" : "FAILED";
  return run.skipped > 0 ? "PARTIAL" : "SUCCEEDED";
}

function actionOf(run: PlannedRun, now: Date): RunAction {
  const error = run.error;
  if (!error || error.then === "fail" || error.then === "retry") return { kind: "continue" };
  const message = error.message as string;
  if (error.then === "disable") {
    return { kind: "disable", reason: `CoinMarketCap refused the API key (${error.code}): ${message}` };
  }
  // Daily: the next UTC midnight (the simulator's key/info has no daily reset); monthly: key/info's reset.
  const until =
    error.then === "pause-daily"
      ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))
      : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { kind: "pause", until, reason: message };
}

describe("200 CMC ticks with seeded faults", () => {
  const db = useDatabase({ dataSource: "migrated" });
  let sim: CmcSimulator;
  let ingestion: Ingestion | undefined;
  const planned: PlannedRequest[] = [];
  const unplanned: string[] = [];

  /** Each quotes/latest request gets the next planned answer: the fault is queued just before it. */
  const plannedFetch: typeof fetch = async (input, init) => {
    if (String(input).includes("/quotes/latest")) {
      const next = planned.shift();
      if (!next) unplanned.push(String(input));
      else if (next.fault) sim.failNext(next.fault);
    }
    return fetch(input, init);
  };

  /** A new process, as after a restart: the scheduler's disable and pause live in the process. */
  async function freshIngestion(): Promise<Ingestion> {
    await ingestion?.stop();
    ingestion = simulatorIngestion(sim, db.ds, ENV, {
      cmcTimeoutMs: TIMEOUT_MS,
      fetch: plannedFetch,
      runner: { ...onSimulatorClock(sim), maxAttempts: MAX_ATTEMPTS },
    }).ingestion;
    await ingestion.prepare();
    return ingestion;
  }

  beforeAll(async () => {
    sim = await startCmcSimulator({
      manualClock: true,
      rateLimitPerMinute: 0,
      syntheticCoins: COINS,
      startTime: START,
    });
  });
  afterAll(async () => {
    await ingestion?.stop();
    await sim?.close();
  });

  it("records each run's true status, error and credits, and stores no invalid quote", async () => {
    const seed = reliabilitySeed(SCENARIO);
    const random = seededRandom(seed);
    const began = performance.now();
    const rssStart = rssMb();
    let current = await freshIngestion();

    // The first run resolves TRACKED_SYMBOLS through /map and is answered normally.
    planned.push(
      ...[IDS.slice(0, BATCH), IDS.slice(BATCH)].map((ids) => ({ answer: ANSWERS[0], ids, fault: undefined })),
    );
    const seeded = (await current.runNow()).run;
    expect(seeded).toMatchObject({ status: "SUCCEEDED", quotesInserted: COINS * CONVERTS.length, creditsUsed: 4 });
    expect(planned).toEqual([]);

    const expectedRuns: Record<string, unknown>[] = [];
    const actions: string[] = [];
    const answers: string[] = [];
    let inserted = seeded.quotesInserted;
    let restarts = 0;
    let creditsLost = 0;
    let retries = 0;
    let recovered = 0;
    for (let tick = 1; tick <= TICKS; tick++) {
      sim.advanceMinute();
      const startedAt = sim.now();
      const plan = planRun(random, tick);
      planned.push(...plan.requests);
      const quoteCallsBefore = quoteCalls(sim).length;
      const { run, action } = await current.runNow();
      const context = `tick ${tick} (seed ${seed}): ${plan.requests.map((r) => r.answer.name).join(", ")}`;

      // The runner made exactly the requests the model expects, for exactly those ids.
      expect(planned, context).toEqual([]);
      expect(unplanned, context).toEqual([]);
      const calls = quoteCalls(sim).slice(quoteCallsBefore);
      expect(
        calls.map((c) => c.query.id),
        context,
      ).toEqual(plan.requests.map((r) => r.ids.join(",")));

      const charged = calls.filter((c) => c.status === 200).reduce((sum, c) => sum + c.creditCount, 0);
      expect(charged, context).toBe(plan.credits + plan.creditsLost);
      creditsLost += plan.creditsLost;
      retries += plan.retries;
      if (plan.retries > 0 && plan.error === null) recovered++;

      const expected = {
        id: tick + 1,
        trigger: "MANUAL",
        status: statusOf(plan, plan.quotes),
        startedAt,
        finishedAt: sim.now(),
        quotesFetched: plan.quotes + plan.skipped,
        quotesInserted: plan.quotes,
        quotesSkipped: plan.skipped,
        creditsUsed: plan.credits,
        errorCode: plan.error?.code ?? null,
        errorMessage:
          plan.error === null
            ? null
            : typeof plan.error.message === "string"
              ? plan.error.message
              : expect.stringMatching(plan.error.message),
      };
      expect(run, context).toEqual(expected);
      const expectedAction = actionOf(plan, sim.now());
      expect(action, context).toEqual(expectedAction);
      expectedRuns.push(expected);
      answers.push(...plan.requests.map((r) => r.answer.name));
      inserted += plan.quotes;
      actions.push(expectedAction.kind);

      if (expectedAction.kind === "disable") {
        expect(current.state(), context).toMatchObject({ enabled: false, nextRunAt: null });
        // The operator fixes the key and restarts the service.
        current = await freshIngestion();
        restarts++;
      } else if (expectedAction.kind === "pause") {
        expect(current.state(), context).toMatchObject({ enabled: true, nextRunAt: expectedAction.until });
        // The scheduler skips every tick until the reset (test/ingestion.test.ts holds it to that):
        // the simulated clock moves there, and the run after it is a new process's.
        sim.advanceMinute((expectedAction.until.getTime() - sim.now().getTime()) / 60_000);
        current = await freshIngestion();
        restarts++;
      }
    }

    // What the table holds, run by run, is what the model says.
    const recorded = await db.ds.query(
      `SELECT id, trigger, status, started_at AS "startedAt", finished_at AS "finishedAt",
         quotes_fetched AS "quotesFetched", quotes_inserted AS "quotesInserted", quotes_skipped AS "quotesSkipped",
         credits_used AS "creditsUsed", error_code AS "errorCode", error_message AS "errorMessage"
       FROM ingestion_run WHERE id > 1 ORDER BY id`,
    );
    expect(recorded).toEqual(expectedRuns);

    // Every kind of answer was met.
    expect(Object.keys(tally(answers)).sort()).toEqual(ANSWERS.map((a) => a.name).sort());

    const rows = await invalidQuoteRows(db.ds, START, sim.now());
    expect(rows).toEqual({ invalid: 0, duplicates: 0, rows: inserted });

    // Credits: what every 200 CMC charged for quotes/latest, less those of bodies cut short, is
    // what the runs recorded.
    const quotes = quoteCalls(sim);
    const charged = quotes.filter((c) => c.status === 200).reduce((sum, c) => sum + c.creditCount, 0);
    const [{ recordedCredits }] = await db.ds.query(
      `SELECT sum(credits_used)::int AS "recordedCredits" FROM ingestion_run`,
    );
    expect(recordedCredits).toBe(charged - creditsLost);

    const [{ distinct }] = await db.ds.query(`SELECT count(DISTINCT last_updated)::int AS distinct FROM price_quote`);
    writeReliabilityReport(SCENARIO, {
      seed,
      ticks: TICKS,
      coins: COINS,
      converts: CONVERTS,
      requests: answers.length,
      answersByKind: tally(answers),
      runsByStatus: tally(expectedRuns.map((r) => r.status as string)),
      runsByErrorCode: tally(expectedRuns.map((r) => (r.errorCode as string | null) ?? "none")),
      // A later batch (or retry) failed after an earlier one was stored.
      runsPartialWithError: expectedRuns.filter((r) => r.status === "PARTIAL" && r.errorCode !== null).length,
      actions: tally(actions),
      rateLimitRetries: retries,
      runsRecoveredByRetrying: recovered,
      restarts,
      creditsCharged: charged,
      creditsRecorded: recordedCredits,
      creditsChargedForBodiesCutShort: creditsLost,
      quotesStored: rows.rows,
      distinctMinutes: distinct,
      invalidRows: rows.invalid,
      duplicateRows: rows.duplicates,
      simulatedFrom: START.toISOString(),
      simulatedTo: sim.now().toISOString(),
      rssStartMb: rssStart,
      rssEndMb: rssMb(),
      seconds: Math.round((performance.now() - began) / 100) / 10,
    });
  });
});
