import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DataSource } from "typeorm";
import type { CmcSimulator } from "../../tools/cmc-simulator/server";

/**
 * The seed of a reliability scenario: RELIABILITY_SEED when set (to replay a run), else a fresh one.
 * Printed, so that a failing run can be replayed.
 */
export function reliabilitySeed(scenario: string): number {
  const given = process.env.RELIABILITY_SEED;
  const seed = given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`RELIABILITY_SEED must be an integer, got ${given}`);
  console.log(`${scenario}: seed ${seed} (replay with RELIABILITY_SEED=${seed})`);
  return seed;
}

/** Writes a scenario's figures to reports/reliability/<scenario>.json (git-ignored) and prints them. */
export function writeReliabilityReport(scenario: string, figures: Record<string, unknown>): void {
  const dir = path.resolve("reports/reliability");
  mkdirSync(dir, { recursive: true });
  const report = { scenario, date: new Date().toISOString(), node: process.version, ...figures };
  writeFileSync(path.join(dir, `${scenario}.json`), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${scenario}: ${JSON.stringify(report)}`);
}

export const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

/** Awaits `work`, sampling RSS meanwhile: what it added at its peak, in MB. */
export async function withRssPeak<T>(work: () => Promise<T>): Promise<{ result: T; rssPeakDeltaMb: number }> {
  const before = rssMb();
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, rssMb());
  };
  const sampler = setInterval(sample, 10);
  try {
    const result = await work();
    sample();
    return { result, rssPeakDeltaMb: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Runner seams for runs driven one by one on the simulator's clock (with `simulatorIngestion`): a
 * rate-limit wait moves the simulated clock by the whole minutes it lasts, as time would pass.
 */
export function onSimulatorClock(sim: CmcSimulator) {
  return {
    now: () => sim.now(),
    sleep: async (ms: number) => sim.advanceMinute(Math.floor(ms / 60_000)),
  };
}

export interface InvalidRows {
  /** Rows no market can have: price not above 0, a negative amount, a time outside [from, to]. */
  invalid: number;
  /** (asset, convert, last_updated) stored more than once. */
  duplicates: number;
  rows: number;
}

/** What price_quote holds that it must not: the figures a scenario asserts to be 0. */
export async function invalidQuoteRows(ds: DataSource, from: Date, to: Date): Promise<InvalidRows> {
  const [row] = await ds.query(
    `SELECT
       (SELECT count(*)::int FROM price_quote
        WHERE price <= 0 OR volume_24h < 0 OR market_cap < 0 OR circulating_supply < 0
          OR last_updated < $1 OR last_updated > $2) AS invalid,
       (SELECT count(*)::int FROM (SELECT 1 FROM price_quote GROUP BY asset_id, convert, last_updated
                                   HAVING count(*) > 1) AS d) AS duplicates,
       (SELECT count(*)::int FROM price_quote) AS rows`,
    [from, to],
  );
  return row;
}

/** Counts of each value, sorted by key: the "by kind" figures of a report. */
export function tally(values: Iterable<string>): Record<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}
