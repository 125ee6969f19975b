import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CmcSimulator, startCmcSimulator } from "../tools/cmc-simulator/server";
import { useApi } from "./support/api";
import { useDatabase } from "./support/database";
import { graphql } from "./support/graphql";
import { cutDatabase, simulatorIngestion } from "./support/ingestion";
import { logRecorder } from "./support/log-recorder";

/** Lines that carry a stack trace anywhere in them. */
const withStack = (lines: Record<string, unknown>[]) => lines.filter((line) => /\n\s+at /.test(JSON.stringify(line)));

const LISTEN_LOST = "lost the LISTEN connection for new quotes; reconnecting";
const FEED_UNREADABLE = "cannot read new quotes; long polls and subscriptions wait for the next read";

describe("a database outage in the logs: what happened in one line, no stack trace", () => {
  describe("the API", () => {
    const recorder = logRecorder();
    const api = useApi({ logger: recorder.logger });

    it("logs each 503 at warn without a made-up error, and the feed's lost connection and failed read by their reason", async () => {
      const outage = await cutDatabase(api.db);
      try {
        const answer = await graphql(api.url, "{ assets { nodes { symbol } } }");
        expect(answer.status).toBe(503);
        expect((await fetch(`${api.url}/readyz`)).status).toBe(503);
        await expect.poll(() => recorder.count(LISTEN_LOST)).toBeGreaterThan(0);
        await expect.poll(() => recorder.count(FEED_UNREADABLE)).toBe(1);
      } finally {
        await outage.restore();
      }
      const requests = recorder.lines.filter((l) => l.msg === "request errored");
      expect(requests.map(({ level, req, res, err }) => ({ level, req, res, err }))).toEqual([
        { level: 40, req: { method: "POST", path: "/graphql" }, res: { status: 503 }, err: undefined },
        { level: 40, req: { method: "GET", path: "/readyz" }, res: { status: 503 }, err: undefined },
      ]);
      const lost = recorder.lines.find((l) => l.msg === LISTEN_LOST);
      expect(lost).toMatchObject({
        level: 40,
        code: "57P01",
        reason: "terminating connection due to administrator command",
      });
      // A pooled connection cut, or a new one refused: whichever the read met first.
      expect(recorder.lines.find((l) => l.msg === FEED_UNREADABLE)).toMatchObject({
        level: 40,
        code: expect.stringMatching(/^(57P01|55000)$/),
      });
      expect(withStack(recorder.lines)).toEqual([]);
    });
  });

  describe("ingestion", () => {
    const db = useDatabase({ dataSource: "migrated" });
    let sim: CmcSimulator;
    beforeAll(async () => {
      sim = await startCmcSimulator({ manualClock: true, rateLimitPerMinute: 0, syntheticCoins: 10 });
    });
    afterAll(async () => {
      await sim?.close();
    });

    it("logs a run kept in memory, and its storing later, by the reason the database gave", async () => {
      const recorder = logRecorder();
      const { ingestion } = simulatorIngestion(sim, db.ds, {}, { logger: recorder.logger });
      await ingestion.prepare();
      expect((await ingestion.runNow()).run.status).toBe("SUCCEEDED");
      sim.advanceMinute();
      const outage = await cutDatabase(db);
      try {
        expect((await ingestion.runNow()).run.status).toBe("RUNNING");
      } finally {
        await outage.restore();
      }
      sim.advanceMinute();
      expect((await ingestion.runNow()).run.status).toBe("SUCCEEDED");
      await ingestion.stop();
      expect(recorder.lines.find((l) => l.msg.startsWith("could not store 2 fetched quotes"))).toMatchObject({
        level: 50,
        code: "55000",
        reason: expect.stringMatching(/is not currently accepting connections/),
      });
      expect(recorder.count("stored quotes kept while the database was unavailable")).toBe(1);
      expect(withStack(recorder.lines)).toEqual([]);
    });
  });
});
