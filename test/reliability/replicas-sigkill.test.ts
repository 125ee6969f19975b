import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tally, writeReliabilityReport } from "../support/cmc-reliability";
import { followByPolling, followBySubscription } from "../support/feed-followers";
import { quoteCalls } from "../support/ingestion";
import { isReady, type ServiceProcess, spawnService } from "../support/service-process";
import { useSimulatorAndDatabase } from "../support/simulator";

/**
 * Three replicas of the service on one database and one CMC, ingesting every 2 s; clients follow
 * the feed of each (long polls over HTTP, `quoteAdded` over WebSocket). The replica whose run is in
 * flight (CMC made slow for that one call) is SIGKILLed; the two others go on for several ticks and
 * are stopped with SIGTERM. Afterwards: one CMC call per claimed tick, no tick lost after the kill, no
 * quote stored twice, every quote CMC answered (but the dead run's) stored once, the survivors'
 * followers saw every stored quote once in order, no 5xx, no stack trace in the survivors' logs,
 * and the dead run closed as interrupted by the survivors' next run.
 */
const SCENARIO = "replicas-sigkill";
const TICK_MS = 2_000;
const CRON = "*/2 * * * * *";
const SYMBOLS = ["BTC", "ETH", "SOL"];
/** A simulated minute per real second: every tick's answer carries quotes of a new minute. */
const MINUTE_MS = 1_000;
/** The victim's CMC answer is held this long: far longer than it takes to find and kill the replica. */
const SLOW_ANSWER_MS = 15_000;
const RUNS_AFTER_KILL = 6;

type Replica = ServiceProcess & { url: string; name: string };

const SUCCEEDED = "ingestion run succeeded";
const INTERRUPTED_LOG = "recorded runs a stopped process left RUNNING as FAILED (interrupted)";
const succeeded = (replicas: Replica[]) =>
  replicas.reduce((sum, r) => sum + r.logs.filter((l) => l.msg === SUCCEEDED).length, 0);

/** Lines of a replica's output that look like a stack trace, in a JSON log or as raw text. */
const stackLines = (replica: Replica) =>
  replica.output.filter((line) => /"stack"\s*:|^\s+at .+:\d+:\d+\)?$/.test(line));

describe("three replicas, one SIGKILLed mid-run", () => {
  const fx = useSimulatorAndDatabase({ manualClock: false, minuteMs: MINUTE_MS });
  let pg: Client;
  const started: Replica[] = [];

  async function startReplica(name: string): Promise<Replica> {
    const service = spawnService({
      DATABASE_URL: fx.db.url,
      CMC_BASE_URL: fx.sim.url,
      CMC_API_KEY: "sim-key",
      QUOTEGRAPH_SOURCE: "simulator",
      INGEST_CRON: CRON,
      TRACKED_SYMBOLS: SYMBOLS.join(","),
      CONVERT: "USD",
    });
    const replica = Object.assign(service, { name, url: "" });
    started.push(replica);
    const serving = await service.waitForLog(isReady);
    replica.url = String(serving.url).replace(/\/graphql$/, "");
    return replica;
  }

  async function stop(replica: Replica) {
    replica.child.kill("SIGTERM");
    return replica.exited;
  }

  beforeAll(async () => {
    pg = new Client({ connectionString: fx.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    for (const replica of started) if (replica.child.exitCode === null) replica.child.kill("SIGKILL");
    await Promise.all(started.map((r) => r.exited));
    await pg?.end();
  });

  const rows = async <T>(sql: string, params: unknown[] = []) => (await pg.query(sql, params)).rows as T[];

  it("makes one CMC call per tick, stores every quote once, and the survivors' followers see each once", async () => {
    const began = performance.now();
    const replicas = await Promise.all(["A", "B", "C"].map(startReplica));
    const servingAfterMs = performance.now() - began;
    const pollers = await Promise.all(replicas.map((r) => followByPolling(r.url)));
    const subscriptions = replicas.map((r) => followBySubscription(r.url));
    // Every follower is under way (a subscription starts at the feed's end when the replica handles it).
    await expect
      .poll(() => [...pollers, ...subscriptions].every((f) => f.ids.length > 0), { timeout: 60_000 })
      .toBe(true);

    // Right after a run, CMC turns slow: the next tick's run stays in flight, RUNNING, while its
    // replica is found and killed. Its claim is the last one made before it started.
    const runsSoFar = succeeded(replicas);
    await expect.poll(() => succeeded(replicas), { interval: 10, timeout: 30_000 }).toBeGreaterThan(runsSoFar);
    const callsBefore = quoteCalls(fx.sim).length;
    fx.sim.setDelay(SLOW_ANSWER_MS);
    await expect.poll(() => quoteCalls(fx.sim).length, { interval: 10, timeout: 30_000 }).toBeGreaterThan(callsBefore);
    const [held] = await rows<{ id: number; slot: string; instance: string }>(
      `SELECT r.id, c.slot, c.instance FROM ingestion_run r
       CROSS JOIN LATERAL (SELECT slot, instance FROM ingestion_claim WHERE claimed_at <= r.started_at
                           ORDER BY claimed_at DESC LIMIT 1) c
       WHERE r.status = 'RUNNING' ORDER BY r.id LIMIT 1`,
    );
    const victim = replicas.find((r) => r.child.pid === Number(held.instance.split(":").at(-2)));
    if (!victim) throw new Error(`no replica holds the claim ${JSON.stringify(held)}`);
    victim.child.kill("SIGKILL");
    fx.sim.setDelay(0);
    expect(await victim.exited).toEqual({ code: null, signal: "SIGKILL" });
    const deadRun = held.id;
    const victimCall = quoteCalls(fx.sim)[callsBefore];
    const killedAfterMs = performance.now() - began;
    const survivors = replicas.filter((r) => r !== victim);
    const [{ lastAtKill }] = await rows<{ lastAtKill: number }>(`SELECT max(id)::int AS "lastAtKill" FROM price_quote`);

    // The survivors' next run finds the dead run (nobody holds it any more) and closes it.
    const interruptedLog = (l: Record<string, unknown>) => l.msg === INTERRUPTED_LOG;
    const closedBy = await Promise.race(survivors.map((r) => r.waitForLog(interruptedLog).then(() => r)));
    const closedAfterMs = performance.now() - began - killedAfterMs;
    const [deadRunRecord] = await rows<Record<string, unknown>>(
      `SELECT status, error_code, error_message, finished_at IS NOT NULL AS finished FROM ingestion_run WHERE id = $1`,
      [deadRun],
    );

    // The survivors keep the schedule: several more runs, then an orderly stop once their followers caught up.
    const runsAtKill = succeeded(survivors);
    await expect
      .poll(() => succeeded(survivors), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(runsAtKill + RUNS_AFTER_KILL);
    const [{ last }] = await rows<{ last: number }>(`SELECT max(id)::int AS last FROM price_quote`);
    for (const [i, replica] of replicas.entries()) {
      if (replica === victim) continue;
      for (const [kind, follower] of [
        ["poller", pollers[i]],
        ["subscription", subscriptions[i]],
      ] as const) {
        const message = () => `${kind} on ${replica.name} (ended: ${follower.endedWith()}, ids: ${follower.ids})`;
        await expect
          .poll(() => follower.ids.at(-1), { timeout: 30_000, message: message() })
          .toBeGreaterThanOrEqual(last);
      }
    }
    await Promise.all([...pollers, ...subscriptions].map((f) => f.stop()));
    for (const exit of await Promise.all(survivors.map(stop))) expect(exit).toEqual({ code: 0, signal: null });

    const claims = await rows<{ slot: string; instance: string }>(
      `SELECT slot, instance FROM ingestion_claim ORDER BY slot`,
    );
    const runs = await rows<{ id: number; status: string; ms: number | null; after_kill: boolean }>(
      `SELECT id, status, (extract(epoch FROM finished_at - started_at) * 1000)::int AS ms, id > $1 AS after_kill
       FROM ingestion_run ORDER BY id`,
      [deadRun],
    );
    const runMs = runs
      .filter((r) => r.status === "SUCCEEDED")
      .map((r) => r.ms ?? 0)
      .sort((a, b) => a - b);
    const calls = quoteCalls(fx.sim);
    const replicaOf = (instance: string) =>
      started.find((r) => r.child.pid === Number(instance.split(":").at(-2)))?.name ?? instance;
    const slotTime = (slot: string) => Date.parse(slot.replace(/^tick:/, ""));
    // From the kill to the survivors' stop: the slots they claimed, and those nobody claimed.
    const survivorClaims = claims.filter(
      (c) => slotTime(c.slot) > slotTime(held.slot) && survivors.some((r) => replicaOf(c.instance) === r.name),
    );
    const gaps = survivorClaims
      .slice(1)
      .filter((c, i) => slotTime(c.slot) - slotTime(survivorClaims[i].slot) !== TICK_MS);

    const stored = await rows<{ id: number; tx_id: string; symbol: string; last_updated: Date }>(
      `SELECT q.id::int AS id, q.tx_id, a.symbol, q.last_updated FROM price_quote q JOIN asset a ON a.id = q.asset_id
       ORDER BY q.tx_id, q.id`,
    );
    const minuteOf = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();
    // Two calls can fall in one simulated minute (a run slowed by a busy machine): CMC answers the same quotes.
    const answered = [
      ...new Set(calls.filter((c) => c !== victimCall).flatMap((c) => SYMBOLS.map((s) => `${s}@${minuteOf(c.at)}`))),
    ].sort();
    const keys = stored.map((q) => `${q.symbol}@${q.last_updated.toISOString()}`).sort();
    const order = stored.map((q) => q.id);

    const seen: Record<string, unknown> = {};
    for (const [i, replica] of replicas.entries()) {
      seen[replica.name] = {
        killed: replica === victim,
        polls: pollers[i].statuses.length,
        quotesPolled: pollers[i].ids.length,
        quotesPushed: subscriptions[i].ids.length,
        pollerEnded: (await Promise.race([pollers[i].ended, "running"])) ?? "stopped",
        subscriptionEnded: replica === victim ? await subscriptions[i].ended : "stopped",
      };
    }
    writeReliabilityReport(SCENARIO, {
      replicas: 3,
      schedule: CRON,
      symbols: SYMBOLS,
      allServingAfterSeconds: Math.round(servingAfterMs / 100) / 10,
      killedReplica: victim.name,
      killedAfterSeconds: Math.round(killedAfterMs / 100) / 10,
      claims: claims.map((c) => `${c.slot.slice(-13, -5)} ${replicaOf(c.instance)}`),
      ticksClaimedBySurvivorsAfterKill: survivorClaims.length,
      tickGapsAfterKill: gaps.length,
      cmcQuoteCalls: calls.length,
      creditsCharged: calls.reduce((sum, c) => sum + c.creditCount, 0),
      runsByStatus: tally(runs.map((r) => r.status)),
      skippedAfterKill: runs.filter((r) => r.after_kill && r.status === "SKIPPED").length,
      succeededRunMs: { median: runMs[Math.floor(runMs.length / 2)], max: runMs.at(-1) },
      quotesStored: stored.length,
      duplicateRows: keys.length - new Set(keys).size,
      deadRun: {
        id: deadRun,
        ...deadRunRecord,
        closedBy: closedBy.name,
        closedAfterKillSeconds: Math.round(closedAfterMs / 100) / 10,
      },
      deadRunAnswerMinute: minuteOf(victimCall.at),
      deadRunQuotesLost: SYMBOLS.filter((symbol) => !keys.includes(`${symbol}@${minuteOf(victimCall.at)}`)).length,
      followers: seen,
      seconds: Math.round((performance.now() - began) / 100) / 10,
    });

    // One CMC quotes call per claimed tick slot, each slot claimed once (it is the claim's key), and
    // every run that was not SKIPPED is one of them.
    expect(calls.length).toBe(claims.length);
    expect(runs.filter((r) => r.status !== "SKIPPED").length).toBe(claims.length);
    expect(calls.every((c) => c.status === 200)).toBe(true);
    // No tick was lost to the dead replica: from the kill on, the survivors claimed every slot.
    expect(survivorClaims.length).toBeGreaterThanOrEqual(RUNS_AFTER_KILL);
    expect(gaps).toEqual([]);

    // Every quote CMC answered, but the dead run's, is stored once, and nothing else (the dead run's
    // quotes only when another call fell in the same simulated minute).
    expect(keys).toEqual(answered);

    // The feed's order, (tx_id, id), is id order here (one writer per tick); each survivor's followers saw every
    // stored quote after their start exactly once, in that order, up to where they stopped; the
    // victim's, a prefix of the same until the kill.
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const [i, replica] of replicas.entries()) {
      const poller = pollers[i];
      const subscription = subscriptions[i];
      expect(poller.statuses.filter((s) => s >= 500)).toEqual([]);
      const { txId, id } = poller.start;
      const after = (q: (typeof stored)[number]) =>
        BigInt(q.tx_id) > txId || (BigInt(q.tx_id) === txId && BigInt(q.id) > id);
      const fromPollStart = order.slice(stored.findIndex(after));
      expect(poller.ids).toEqual(fromPollStart.slice(0, poller.ids.length));
      const fromSubscriptionStart = order.slice(order.indexOf(subscription.ids[0]));
      expect(subscription.ids).toEqual(fromSubscriptionStart.slice(0, subscription.ids.length));
      if (replica === victim) continue;
      // Both followed the feed across the kill, to its last quote.
      expect(subscription.ids[0]).toBeLessThanOrEqual(lastAtKill);
      expect(poller.ids[0]).toBeLessThanOrEqual(lastAtKill);
      expect(poller.ids.at(-1)).toBeGreaterThanOrEqual(last);
      expect(subscription.ids.at(-1)).toBeGreaterThanOrEqual(last);
      expect(stackLines(replica)).toEqual([]);
      expect(replica.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
    }

    // The run the kill cut short was closed by a survivor's next run, once.
    expect(deadRunRecord).toEqual({
      status: "FAILED",
      error_code: "INTERRUPTED",
      error_message: "interrupted: the process running it stopped before it finished",
      finished: true,
    });
    const closings = survivors.flatMap((r) => r.logs.filter(interruptedLog));
    expect(closings.map((l) => l.runs)).toEqual([[deadRun]]);
  });
});
