import { execFile } from "node:child_process";
import path from "node:path";
import { Client } from "pg";
import { describe, expect, it, onTestFinished } from "vitest";
import { faults } from "../tools/cmc-simulator/server";
import { graphql } from "./support/graphql";
import { useDataDir } from "./support/processes";
import { isReady, spawnService } from "./support/service-process";
import { useSimulatorAndDatabase } from "./support/simulator";

const DIST = path.resolve(__dirname, "../dist");

function ingestOnce(env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [path.join(DIST, "src/ingest-once.js")],
      { env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "info", ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
    ),
  );
}

/** The messages of the JSON log lines in a process's output. */
function messagesOf(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => String(JSON.parse(line).msg));
}

describe("npm run ingest:once", () => {
  const fx = useSimulatorAndDatabase();

  it("runs once and exits 0 when quotes were stored, 1 when the run failed", async () => {
    const env = {
      DATABASE_URL: fx.db.url,
      CMC_BASE_URL: fx.sim.url,
      CMC_API_KEY: "sim-key",
      QUOTEGRAPH_SOURCE: "simulator",
    };
    const ok = await ingestOnce(env);
    expect(ok.code).toBe(0);
    const client = new Client({ connectionString: fx.db.url });
    await client.connect();
    onTestFinished(() => client.end());
    const runs = async () =>
      (await client.query(`SELECT trigger, status, quotes_inserted, error_code FROM ingestion_run ORDER BY id`)).rows;
    expect(await runs()).toEqual([{ trigger: "MANUAL", status: "SUCCEEDED", quotes_inserted: 2, error_code: null }]);

    fx.sim.setFault(faults.serverError);
    const failed = await ingestOnce(env);
    expect(failed.code).toBe(1);
    expect(messagesOf(failed.output)).toContain("ingestion run failed: An internal server error occurred");
    fx.sim.setFault(undefined);

    const wrongKey = await ingestOnce({ ...env, CMC_API_KEY: "not-the-key-0123456789" });
    expect(wrongKey.code).toBe(1);
    expect(messagesOf(wrongKey.output)).toContain("ingestion run failed: This API Key is invalid.");
    expect(wrongKey.output).not.toContain("not-the-key-0123456789");
    expect((await runs()).slice(1)).toEqual([
      { trigger: "MANUAL", status: "FAILED", quotes_inserted: 0, error_code: "CMC_500" },
      { trigger: "MANUAL", status: "FAILED", quotes_inserted: 0, error_code: "CMC_1001" },
    ]);
  });
});

describe("npm run demo", () => {
  const dataDir = useDataDir("demo");

  it("serves simulated prices that move every DEMO_MINUTE_MS on the real clock, fully offline", async () => {
    const demo = spawnService(
      { DATA_DIR: dataDir.path, DEMO_MINUTE_MS: "1000" },
      { main: path.join(DIST, "tools/cmc-simulator/demo.js") },
    );
    try {
      const serving = await demo.waitForLog(isReady);
      const url = String(serving.url).replace(/\/graphql$/, "");
      const query = "{ ingestion { source enabled } latestQuotes { price lastUpdated asset { symbol } } }";
      await demo.waitForLog((l) => l.msg === "ingestion run succeeded" && Number(l.inserted) > 0);
      const first = (await graphql(url, query)).body.data;
      expect(first.ingestion).toEqual({ source: "simulator", enabled: true });
      expect(first.latestQuotes.map((q: { asset: { symbol: string } }) => q.asset.symbol)).toEqual([
        "BTC",
        "ETH",
        "SOL",
        "DOGE",
      ]);
      const seen = demo.logs.length;
      await demo.waitForLog(
        (l) => demo.logs.indexOf(l) >= seen && l.msg === "ingestion run succeeded" && Number(l.inserted) > 0,
      );
      const second = (await graphql(url, query)).body.data;
      const [before, after] = [first, second].map((d) => Date.parse(d.latestQuotes[0].lastUpdated));
      // Prices move every DEMO_MINUTE_MS, and their time is the real one ("updated 3 s ago" is true).
      expect(after - before).toBeGreaterThan(0);
      expect((after - before) % 1000).toBe(0);
      expect(after).toBeLessThanOrEqual(Date.now());
      expect(Date.now() - after).toBeLessThan(60_000);
      expect(second.latestQuotes[0].price).not.toBe(first.latestQuotes[0].price);
    } finally {
      demo.child.kill("SIGINT");
      expect((await demo.exited).code).toBe(0);
    }
  });
});
