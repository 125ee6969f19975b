import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Service, startService } from "../src/service";
import { quietLogger } from "./support/database";
import { graphql } from "./support/graphql";
import { simulatorConfig } from "./support/ingestion";
import { useSimulatorAndDatabase } from "./support/simulator";

const TOKEN = "admin-token-for-tests-0123456789";
/** Request options that carry the admin token. */
const admin = { headers: { authorization: `Bearer ${TOKEN}` } };

describe("admin mutations", () => {
  const fx = useSimulatorAndDatabase();
  let service: Service;
  let open: Service;

  beforeAll(async () => {
    const env = { DATABASE_URL: fx.db.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" };
    service = await startService(simulatorConfig(fx.sim, { ...env, ADMIN_TOKEN: TOKEN }), quietLogger, {
      schedule: false,
    });
    open = await startService(simulatorConfig(fx.sim, env), quietLogger, { schedule: false });
  });
  afterAll(async () => {
    await open?.stop();
    await service?.stop();
  });

  const track = `mutation($symbol: String, $cmcId: Int) { trackAsset(symbol: $symbol, cmcId: $cmcId) { cmcId symbol name tracked } }`;
  const untrack = `mutation($symbol: String, $cmcId: Int) { untrackAsset(symbol: $symbol, cmcId: $cmcId) { cmcId tracked } }`;

  it.each([
    [{}, "UNAUTHENTICATED", "this operation needs the header Authorization: Bearer <ADMIN_TOKEN>"],
    [{ authorization: "Bearer wrong-token-0123456789" }, "UNAUTHENTICATED", "the bearer token is not the admin token"],
    [{ authorization: TOKEN }, "UNAUTHENTICATED", "the bearer token is not the admin token"],
  ])("refuses a mutation without the right token (%o)", async (headers, code, message) => {
    const { body } = await graphql(service.url, track, { symbol: "SOL" }, { headers });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ message, extensions: { code } });
  });

  it("refuses every mutation when no ADMIN_TOKEN is configured", async () => {
    for (const mutation of [track, untrack, "mutation { runIngestion { id } }"]) {
      const { body } = await graphql(open.url, mutation, { symbol: "SOL" }, admin);
      expect(body.errors?.[0].extensions.code).toBe("FORBIDDEN");
    }
  });

  it("tracks by symbol (a shared symbol means the active, best-ranked coin), and untracks", async () => {
    const btc = await graphql(service.url, track, { symbol: "btc" }, admin);
    expect(btc.body.data.trackAsset).toEqual({ cmcId: 1, symbol: "BTC", name: "Bitcoin", tracked: true });
    const sol = await graphql(service.url, track, { symbol: "SOL" }, admin);
    expect(sol.body.data.trackAsset).toEqual({ cmcId: 5426, symbol: "SOL", name: "Solana", tracked: true });
    const off = await graphql(service.url, untrack, { symbol: "sol" }, admin);
    expect(off.body.data.untrackAsset).toEqual({ cmcId: 5426, tracked: false });
    const again = await graphql(service.url, track, { cmcId: 5426 }, admin);
    expect(again.body.data.trackAsset).toEqual({ cmcId: 5426, symbol: "SOL", name: "Solana", tracked: true });
  });

  it.each([
    [{ symbol: "NOSUCHCOIN" }, "CoinMarketCap lists no active coin with symbol NOSUCHCOIN"],
    [
      { symbol: "BTC", cmcId: 30938 },
      "CoinMarketCap lists no active coin with symbol BTC and CMC id 30938 (Satoshi Pumpomoto is inactive: it has no prices to fetch); candidates: 1, 31469, 30938",
    ],
    [
      { cmcId: 424242 },
      'CMC id 424242 is not known here yet: pass its symbol too, as in trackAsset(symbol: "BTC", cmcId: 1)',
    ],
    [{}, "pass symbol, cmcId, or both"],
  ])("refuses %o with BAD_USER_INPUT saying what to send", async (variables, message) => {
    const { body } = await graphql(service.url, track, variables, admin);
    expect(body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0].message).toBe(message);
  });

  it("runs ingestion on demand and reports the run", async () => {
    const metricsText = async () => (await fetch(`${service.url}/metrics`)).text();
    // Absent until the first request of its kind.
    const graphqlPosts = (metrics: string) =>
      Number(
        /quotegraph_http_request_duration_seconds_count\{method="POST",route="\/graphql",status="200"\} (\d+)/.exec(
          metrics,
        )?.[1] ?? 0,
      );
    const postsBefore = graphqlPosts(await metricsText());
    // Whatever ran before: SOL tracked, and the first run seeds TRACKED_SYMBOLS (BTC, ETH).
    await graphql(service.url, track, { symbol: "SOL" }, admin);
    const { body } = await graphql(
      service.url,
      "mutation { runIngestion { trigger status quotesInserted creditsUsed error } }",
      undefined,
      admin,
    );
    expect(body.data.runIngestion).toEqual({
      trigger: "MANUAL",
      status: "SUCCEEDED",
      quotesInserted: 3,
      creditsUsed: 1,
      error: null,
    });
    const runs = await graphql(service.url, `{ ingestionRuns(first: 5, status: SUCCEEDED) { trigger } }`);
    expect(runs.body.data.ingestionRuns).toEqual([{ trigger: "MANUAL" }]);
    const metrics = await metricsText();
    expect(metrics).toContain('quotegraph_ingestion_runs_total{trigger="MANUAL",status="SUCCEEDED"} 1');
    expect(metrics).toContain("quotegraph_quotes_inserted_total 3");
    expect(metrics).toContain("quotegraph_cmc_credits_used_total 1");
    expect(metrics).toContain("quotegraph_buffered_quotes 0");
    expect(metrics).toContain("process_cpu_user_seconds_total");
    // This test's three POSTs: trackAsset, runIngestion, ingestionRuns.
    expect(graphqlPosts(metrics)).toBe(postsBefore + 3);
    expect(metrics).toContain(
      'quotegraph_graphql_operation_duration_seconds_count{operation="mutation",field="runIngestion",outcome="ok"} 1',
    );
    expect(metrics).toContain(
      'quotegraph_cmc_request_duration_seconds_count{endpoint="/v2/cryptocurrency/quotes/latest",outcome="ok",http_status="200",error_code="none"} 1\n',
    );
    expect(metrics).toMatch(/quotegraph_db_pool_connections\{pool="writer",state="total"\} [1-9]/);
    expect(metrics).toContain("quotegraph_long_poll_waiters 0");
    expect(metrics).toContain("quotegraph_subscriptions 0");
  });
});
