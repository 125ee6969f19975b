import { createClient } from "graphql-ws";
import { Client } from "pg";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { graphql } from "./support/graphql";
import { isReady, spawnService } from "./support/service-process";
import { simulatorServiceEnv, useSimulatorAndDatabase } from "./support/simulator";

describe("graceful shutdown under load", () => {
  // The simulated minute stands still: after the first run, runs store nothing new, so long polls wait.
  const fx = useSimulatorAndDatabase();

  it("answers long polls, ends subscriptions, never leaves half a run, and exits 0 on SIGTERM", async () => {
    const service = spawnService(simulatorServiceEnv(fx));
    const url = String((await service.waitForLog(isReady)).url).replace(/\/graphql$/, "");
    await service.waitForLog((l) => l.msg === "ingestion run succeeded");

    const { body } = await graphql(url, "{ quoteUpdates { cursor } }");
    const cursor = body.data.quoteUpdates.cursor;
    const longPolls = [1, 2, 3].map(() =>
      graphql(url, `query($c: String!) { quoteUpdates(after: $c, waitSeconds: 30) { cursor quotes { id } } }`, {
        c: cursor,
      }),
    );
    const ws = createClient({
      url: `${url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const subscriptionEnded = new Promise<string>((resolve) =>
      ws.subscribe(
        { query: "subscription { quoteAdded { price } }" },
        {
          next: () => undefined,
          // The server closing first ends it with a CloseEvent, which String() would print as [object Object].
          error: (error) => {
            const { code, reason } = error as { code?: number; reason?: string };
            resolve(`error: ${code === undefined ? String(error) : `${code} ${reason}`}`);
          },
          complete: () => resolve("complete"),
        },
      ),
    );
    let stopLoad = false;
    const outcomes: number[] = [];
    const load = (async () => {
      while (!stopLoad) {
        outcomes.push(
          await graphql(url, "{ latestQuotes { price } ingestion { enabled } }").then(
            (r) => r.status,
            () => -1,
          ),
        );
      }
      return outcomes;
    })();
    // A slow CMC: a run is in flight (its row says RUNNING) when the signal arrives.
    fx.sim.setDelay(5000);
    const client = new Client({ connectionString: fx.db.url });
    await client.connect();
    // Closed even when an assertion fails, before the database is dropped under it.
    onTestFinished(() => client.end());
    const inFlight = () => client.query(`SELECT count(*)::int AS n FROM ingestion_run WHERE status = 'RUNNING'`);
    await expect.poll(async () => (await inFlight()).rows[0].n, { timeout: 10_000 }).toBe(1);
    // The load is under way (on a busy machine its first answer can come after the run started).
    await expect.poll(() => outcomes.filter((s) => s === 200).length, { timeout: 10_000 }).toBeGreaterThan(0);

    service.child.kill("SIGTERM");
    const exited = await service.exited;
    stopLoad = true;
    expect(exited).toEqual({ code: 0, signal: null });
    expect(service.logs.some((l) => l.msg === "stopped")).toBe(true);

    const statuses = await load;
    // Requests in flight at the signal were answered; later ones found the port closed (-1), none failed with 5xx.
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    // Long polls were answered (empty, with a cursor to resume from on another replica).
    for (const poll of await Promise.all(longPolls)) {
      expect(poll.status).toBe(200);
      expect(poll.body.data.quoteUpdates).toMatchObject({ quotes: [], cursor: expect.any(String) });
    }
    expect(await subscriptionEnded).toMatch(/complete|error: .*(1001|closed|Going away)/i);
    await ws.dispose();

    expect((await inFlight()).rows[0].n).toBe(0);
    const { rows: abandoned } = await client.query(
      // Ticks that met the slow run in progress are recorded SKIPPED, possibly after it: the last run that ran.
      `SELECT status, error_message FROM ingestion_run WHERE status <> 'SKIPPED' ORDER BY id DESC LIMIT 1`,
    );
    expect(abandoned).toEqual([{ status: "FAILED", error_message: "request abandoned: the service is shutting down" }]);
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM price_quote)::int AS stored, (SELECT coalesce(sum(quotes_inserted), 0) FROM ingestion_run)::int AS recorded`,
    );
    // Every run's quotes are all stored or none: the table holds exactly what the runs recorded.
    expect(rows[0].stored).toBe(rows[0].recorded);
    expect(rows[0].stored).toBeGreaterThan(0);
  });
});
