import type { DataSource } from "typeorm";
import { describe, expect, it } from "vitest";
import { migrations } from "../src/db/migrations";
import { useApi } from "./support/api";
import { insertSampleAssets } from "./support/database";
import { graphql } from "./support/graphql";

async function seed(ds: DataSource): Promise<void> {
  await insertSampleAssets(ds);
  await ds.query(`
    INSERT INTO price_quote (asset_id, convert, price, volume_24h, market_cap, percent_change_1h, percent_change_24h,
                             percent_change_7d, circulating_supply, last_updated)
    SELECT a.id, c.convert, c.price, 1000, NULL, 0.5, -1.25, 3, 19991981, c.at
    FROM asset a JOIN (VALUES
      (1, 'USD', 67000.5, timestamptz '2026-01-05T00:00:00Z'),
      (1, 'USD', 67021.28, timestamptz '2026-01-05T00:01:00Z'),
      (1, 'EUR', 61000, timestamptz '2026-01-05T00:01:00Z'),
      (1027, 'USD', 3500.25, timestamptz '2026-01-05T00:00:00Z')
    ) AS c(cmc_id, convert, price, at) ON c.cmc_id = a.cmc_id`);
}

describe("GraphQL over HTTP", () => {
  const api = useApi({ env: { CONVERT: "USD,EUR" }, seed });

  it("answers health and readiness", async () => {
    expect(await (await fetch(`${api.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("is not ready while a migration is pending", async () => {
    const { dataSource } = api.service.database;
    await dataSource.undoLastMigration({ transaction: "each" });
    try {
      const pending = await fetch(`${api.url}/readyz`);
      expect(pending.status).toBe(503);
      expect(await pending.json()).toEqual({
        status: "unavailable",
        reason: `database migrations are pending: ${new (migrations.at(-1) as new () => { name: string })().name}`,
      });
    } finally {
      await dataSource.runMigrations({ transaction: "each" });
    }
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
  });

  it("lists assets as a connection, filtered and paged with opaque cursors", async () => {
    const query = `query($first: Int, $after: String, $tracked: Boolean, $symbols: [String!]) {
      assets(first: $first, after: $after, tracked: $tracked, symbols: $symbols) {
        edges { cursor node { cmcId } } nodes { symbol name rank tracked } pageInfo { hasNextPage endCursor } } }`;
    const page1 = (await graphql(api.url, query, { first: 2 })).body.data.assets;
    expect(page1.nodes.map((n: { symbol: string }) => n.symbol)).toEqual(["BTC", "ETH"]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.pageInfo.endCursor).toBe(page1.edges[1].cursor);
    const page2 = (await graphql(api.url, query, { first: 2, after: page1.pageInfo.endCursor })).body.data.assets;
    expect(page2.edges.map((e: { node: { cmcId: number } }) => e.node.cmcId)).toEqual([30938, 5426]);
    expect(page2.pageInfo).toEqual({ hasNextPage: false, endCursor: page2.edges[1].cursor });
    const tracked = (await graphql(api.url, query, { tracked: false, symbols: ["btc"] })).body.data.assets;
    expect(tracked.nodes).toEqual([{ symbol: "BTC", name: "Satoshi Pumpomoto", rank: null, tracked: false }]);
  });

  it("finds one asset by symbol (tracked one first, case-insensitive) or CMC id, null when unknown", async () => {
    const query = `query($symbol: String, $cmcId: Int) { asset(symbol: $symbol, cmcId: $cmcId) { id cmcId name } }`;
    expect((await graphql(api.url, query, { symbol: "btc" })).body.data.asset).toMatchObject({
      cmcId: 1,
      name: "Bitcoin",
    });
    expect((await graphql(api.url, query, { cmcId: 30938 })).body.data.asset).toMatchObject({
      name: "Satoshi Pumpomoto",
    });
    expect((await graphql(api.url, query, { symbol: "NOPE" })).body.data.asset).toBeNull();
    const both = await graphql(api.url, query, { symbol: "BTC", cmcId: 1 });
    expect(both.body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("returns the latest quote of each tracked asset, with its asset, in the currency asked for", async () => {
    const query = `query($symbols: [String!], $convert: String) { latestQuotes(symbols: $symbols, convert: $convert) {
      convert price volume24h marketCap percentChange24h circulatingSupply lastUpdated asset { symbol } } }`;
    const usd = (await graphql(api.url, query, {})).body.data.latestQuotes;
    expect(usd).toEqual([
      {
        convert: "USD",
        price: 67021.28,
        volume24h: 1000,
        marketCap: null,
        percentChange24h: -1.25,
        circulatingSupply: 19991981,
        lastUpdated: "2026-01-05T00:01:00.000Z",
        asset: { symbol: "BTC" },
      },
      expect.objectContaining({ price: 3500.25, asset: { symbol: "ETH" } }),
    ]);
    const eur = (await graphql(api.url, query, { symbols: ["btc", "ETH"], convert: "eur" })).body.data.latestQuotes;
    expect(eur).toEqual([expect.objectContaining({ convert: "EUR", price: 61000, asset: { symbol: "BTC" } })]);
  });

  it("nests the latest quote under assets", async () => {
    const query = `{ assets(tracked: true) { nodes { symbol latestQuote { price } } } }`;
    expect((await graphql(api.url, query)).body.data.assets.nodes).toEqual([
      { symbol: "BTC", latestQuote: { price: 67021.28 } },
      { symbol: "ETH", latestQuote: { price: 3500.25 } },
    ]);
  });

  it.each([
    [`{ latestQuotes(symbols: ["NOPE"]) { price } }`, 'unknown symbol "NOPE"'],
    [
      `{ latestQuotes(convert: "JPY") { price } }`,
      'convert "JPY" is not collected by this service; use one of USD, EUR',
    ],
    [`{ assets(first: 0) { nodes { id } } }`, "first must be a whole number from 1 to 1000; got 0"],
    [`{ assets(first: 1001) { nodes { id } } }`, "first must be a whole number from 1 to 1000; got 1001"],
    [`{ assets(after: "garbage") { nodes { id } } }`, "is not a cursor of this list"],
    [
      `{ latestQuotes(symbols: ["BTC\\u0000"]) { price } }`,
      'text arguments cannot contain the NUL character (U+0000); got "BTC\\u0000"',
    ],
    [
      `{ priceHistory(symbol: "\\u0000") { nodes { price } } }`,
      'text arguments cannot contain the NUL character (U+0000); got "\\u0000"',
    ],
    [
      `{ latestQuotes(symbols: ["${"X".repeat(5000)}", "A", "B", "C", "D", "E", "F"]) { price } }`,
      `unknown symbols "${"X".repeat(40)}"…, "A", "B", "C", "D" and 2 more: use the symbol`,
    ],
    [
      `{ assets(after: "${Buffer.from(`asset:${"9".repeat(10)}`).toString("base64url")}") { nodes { id } } }`,
      "is not a cursor of this list",
    ],
  ])("refuses bad input with BAD_USER_INPUT: %s", async (query, message) => {
    const { body } = await graphql(api.url, query);
    expect(body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0].message).toContain(message);
    expect(body.errors?.[0].message.length).toBeLessThan(300);
  });

  it("reports the ingestion state with the last runs from the database", async () => {
    await api.service.database.dataSource.query(`
      INSERT INTO ingestion_run (trigger, status, started_at, finished_at, quotes_fetched, quotes_inserted, credits_used)
      VALUES ('STARTUP', 'SUCCEEDED', '2026-01-05T00:00:00Z', '2026-01-05T00:00:02Z', 2, 2, 1),
             ('SCHEDULE', 'FAILED', '2026-01-05T00:05:00Z', '2026-01-05T00:05:01Z', 0, 0, 0)`);
    const { body } = await graphql(
      api.url,
      `{ ingestion { source converts monthlyCreditBudget lastSuccessAt lastRun { trigger status quotesInserted creditsUsed } } }`,
    );
    expect(body.data.ingestion).toEqual({
      source: "coinmarketcap-sandbox",
      converts: ["USD", "EUR"],
      monthlyCreditBudget: 10000,
      lastSuccessAt: "2026-01-05T00:00:02.000Z",
      lastRun: { trigger: "SCHEDULE", status: "FAILED", quotesInserted: 0, creditsUsed: 0 },
    });
  });

  it("lists ingestion runs newest first, filtered by status, 1 to 1000 at a time", async () => {
    await api.ds.query(`TRUNCATE ingestion_run RESTART IDENTITY`);
    await api.ds.query(`
      INSERT INTO ingestion_run (trigger, status, started_at, finished_at)
      SELECT CASE WHEN k = 1 THEN 'STARTUP' ELSE 'SCHEDULE' END, CASE WHEN k % 3 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END,
             timestamptz '2026-01-05T00:00:00Z' + k * interval '5 minutes',
             timestamptz '2026-01-05T00:00:01Z' + k * interval '5 minutes'
      FROM generate_series(1, 25) k`);
    const runs = async (args: string) => {
      const { body } = await graphql(api.url, `{ ingestionRuns${args} { id trigger status startedAt } }`);
      return body;
    };
    const all = (await runs("")).data.ingestionRuns;
    expect(all).toHaveLength(20);
    expect(all.map((r: { id: string }) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(25 - i)));
    expect(all[0]).toEqual({
      id: "25",
      trigger: "SCHEDULE",
      status: "SUCCEEDED",
      startedAt: "2026-01-05T02:05:00.000Z",
    });
    expect((await runs("(first: null)")).data.ingestionRuns).toHaveLength(20);
    expect((await runs("(first: 1000)")).data.ingestionRuns.at(-1)).toEqual({
      id: "1",
      trigger: "STARTUP",
      status: "SUCCEEDED",
      startedAt: "2026-01-05T00:05:00.000Z",
    });
    const failed = (await runs("(first: 3, status: FAILED)")).data.ingestionRuns;
    expect(failed.map((r: { id: string }) => r.id)).toEqual(["24", "21", "18"]);
    for (const first of [0, 1001]) {
      const body = await runs(`(first: ${first})`);
      expect(body.errors?.[0]).toMatchObject({
        message: `first must be a whole number from 1 to 1000; got ${first}`,
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
  });

  it("answers 413 to a request body over 100 kB", async () => {
    const response = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ assets { nodes { id } } }`, variables: { pad: "x".repeat(110_000) } }),
    });
    expect(response.status).toBe(413);
  });
});
