import { afterEach, describe, expect, it } from "vitest";
import { projectCronMonthlyCredits } from "../src/coinmarketcap/credits";
import { trackedAssets } from "../src/db/store/assets";
import type { Ingestion } from "../src/ingestion/ingestion";
import { type CmcSimulator, startCmcSimulator } from "../tools/cmc-simulator/server";
import { useDatabase } from "./support/database";
import { simulatorIngestion } from "./support/ingestion";
import { logRecorder } from "./support/log-recorder";

/** Every 5 minutes within the hour twelve hours from now: no tick fires during the test. */
const quietFiveMinutes = () => `*/5 ${(new Date().getUTCHours() + 12) % 24} * * *`;
const UNREACHABLE = /^CoinMarketCap cannot be reached \(.*ECONNREFUSED.*\): the API keeps serving stored quotes/;

describe("a first start while CoinMarketCap cannot be reached", () => {
  const db = useDatabase({ dataSource: "migrated" });
  const started: Ingestion[] = [];
  const simulators: CmcSimulator[] = [];

  afterEach(async () => {
    await Promise.all(started.splice(0).map((i) => i.stop()));
    await Promise.all(simulators.splice(0).map((s) => s.close()));
  });

  /** A simulator's address with nothing listening on it: connections are refused, as offline. */
  async function closedSimulator(): Promise<{ sim: { url: string }; port: number }> {
    const live = await startCmcSimulator({ manualClock: true });
    const sim = { url: live.url };
    await live.close();
    return { sim, port: Number(new URL(sim.url).port) };
  }

  it("says so once, keeps the schedule planned for TRACKED_SYMBOLS, and tracks them once CMC answers", async () => {
    const { sim, port } = await closedSimulator();
    const log = logRecorder();
    const cron = quietFiveMinutes();
    const { ingestion } = simulatorIngestion(
      sim,
      db.ds,
      { INGEST_CRON: cron, TRACKED_SYMBOLS: "BTC,ETH" },
      {
        logger: log.logger,
      },
    );
    started.push(ingestion);
    await ingestion.start();
    const startup = await ingestion.scheduler.startupRun;
    expect(startup?.run).toMatchObject({ status: "FAILED", errorCode: "CMC_NETWORK" });

    // The projection is for the two coins still to resolve, not for none.
    expect(ingestion.state()).toMatchObject({
      schedule: cron,
      projectedMonthlyCredits: projectCronMonthlyCredits(cron, 2, 1),
    });
    expect(projectCronMonthlyCredits(cron, 2, 1)).toBeGreaterThan(0);
    expect(log.count("ingestion schedule")).toBe(1);

    const again = await ingestion.runNow();
    expect(again.run.status).toBe("FAILED");
    const unreachable = log.lines.filter((l) => UNREACHABLE.test(l.msg));
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toMatchObject({ level: 40 });
    expect(unreachable[0].msg).toContain("npm run demo");
    // The runs are recorded as FAILED, and their own lines stay below info.
    const failedLines = log.lines.filter((l) => String(l.msg).startsWith("ingestion run failed"));
    expect(failedLines.map((l) => l.level)).toEqual([20, 20]);

    simulators.push(await startCmcSimulator({ manualClock: true, port }));
    const back = await ingestion.runNow();
    expect(back.run).toMatchObject({ status: "SUCCEEDED", quotesInserted: 2 });
    expect((await trackedAssets(db.ds)).map((a) => a.symbol).sort()).toEqual(["BTC", "ETH"]);
    expect(log.count("CoinMarketCap answers again")).toBe(1);
    expect(ingestion.state().schedule).toBe(cron);
    expect(log.count("ingestion schedule")).toBe(1);
  });

  it("plans the default schedule for TRACKED_SYMBOLS before they are resolved", async () => {
    const { sim } = await closedSimulator();
    const { ingestion } = simulatorIngestion(sim, db.ds, { CMC_MONTHLY_CREDITS: "10000", TRACKED_SYMBOLS: "BTC,ETH" });
    started.push(ingestion);
    await ingestion.prepare();
    await ingestion.scheduler.refresh();
    expect(ingestion.state()).toMatchObject({ schedule: "*/5 * * * *", projectedMonthlyCredits: 8928 });
  });
});
