import { once } from "node:events";
import { Client } from "pg";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { insertQuotes } from "../src/db/store/quotes";
import { type Service, startService } from "../src/service";
import { type TestApi, useApi } from "./support/api";
import { insertSampleAssets, quietLogger, testConfig } from "./support/database";
import { graphql } from "./support/graphql";
import { sqlRecorder } from "./support/log-recorder";
import { newQuote } from "./support/store-fixtures";

const TOKEN = "response-cache-admin-token";
const LATEST = `query Latest($symbols: [String!]) { latestQuotes(symbols: $symbols) { price asset { symbol } } }`;
const TRACKED = `{ latestQuotes { asset { symbol } } }`;

/** BTC and ETH tracked, each with one quote at minute 0. */
async function seed(ds: DataSource): Promise<void> {
  await insertSampleAssets(ds);
  await ds.query(`
    INSERT INTO price_quote (asset_id, convert, price, last_updated)
    SELECT id, 'USD', cmc_id, timestamptz '2026-01-05T00:00:00Z' FROM asset WHERE tracked`);
}

/** POSTs as a client does and keeps the answer as sent: status, headers, body text. */
async function post(url: string, query: string, variables?: Record<string, unknown>, headers = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const dataOf = async (url: string, query: string, variables?: Record<string, unknown>) =>
  JSON.parse((await post(url, query, variables)).text).data;

/** The response cache's samples in /metrics, e.g. `requests_total{outcome="hit"}` → 3. */
async function cacheMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => line.startsWith("quotegraph_response_cache_"))
      .map((line) => {
        const [name, value] = line.replace("quotegraph_response_cache_", "").split(" ");
        return [name, Number(value)];
      }),
  );
}

/** How the cache's counters moved while `act` ran. */
async function countsDuring(url: string, act: () => Promise<unknown>) {
  const before = await cacheMetrics(url);
  await act();
  const after = await cacheMetrics(url);
  const moved = (name: string) => after[name] - before[name];
  return {
    hits: moved('requests_total{outcome="hit"}'),
    misses: moved('requests_total{outcome="miss"}'),
    uncacheable: moved('requests_total{outcome="uncacheable"}'),
    entries: moved("entries"),
  };
}

let minute = 0;
/** A quote stored behind every cache's back: raw SQL, no NOTIFY (as nothing in the service writes). */
const storeSilently = (api: TestApi, cmcId: number, price: number) =>
  api.ds.query(
    `INSERT INTO price_quote (asset_id, convert, price, last_updated)
     SELECT id, 'USD', $2, timestamptz '2026-02-01T00:00:00Z' + $3 * interval '1 minute' FROM asset WHERE cmc_id = $1`,
    [cmcId, price, ++minute],
  );

describe("response cache: two replicas on one database", () => {
  const recorder = sqlRecorder();
  const a = useApi({ env: { ADMIN_TOKEN: TOKEN }, logger: recorder.logger, seed });
  let b: Service;
  beforeAll(async () => {
    b = await startService(testConfig(a.db, { ADMIN_TOKEN: TOKEN }), quietLogger, { schedule: false });
  });
  afterAll(() => b?.stop());
  const admin = { headers: { authorization: `Bearer ${TOKEN}` } };
  const btcId = async () => (await a.ds.query(`SELECT id FROM asset WHERE cmc_id = 1`))[0].id as number;

  it("answers a repeated read from memory: the same bytes and headers, and no statement run", async () => {
    const first = await post(a.url, LATEST, { symbols: ["BTC"] });
    expect(JSON.parse(first.text)).toEqual({ data: { latestQuotes: [{ price: 1, asset: { symbol: "BTC" } }] } });
    recorder.clear();
    let second: Awaited<ReturnType<typeof post>> | undefined;
    expect(await countsDuring(a.url, async () => (second = await post(a.url, LATEST, { symbols: ["BTC"] })))).toEqual({
      hits: 1,
      misses: 0,
      uncacheable: 0,
      entries: 0,
    });
    expect(recorder.statements).toEqual([]);
    expect(second?.status).toBe(200);
    expect(second?.text).toBe(first.text);
    for (const header of ["content-type", "content-length", "cache-control", "etag"]) {
      expect(second?.headers.get(header)).toBe(first.headers.get(header));
    }
    // The schedule is off here: no next tick, so clients and CDNs are told not to keep it.
    expect(second?.headers.get("cache-control")).toBe("no-store");
  });

  it("answers a body whose variables nest deeper than the stack as any other, never with a 500", async () => {
    // Found by the hostile GraphQL run: building the cache key overflowed the stack (HTTP 500).
    const body = `{"query":"{ ingestion { enabled } }","variables":${'{"a":'.repeat(16_000)}1${"}".repeat(16_000)}}`;
    const res = await fetch(`${a.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { ingestion: { enabled: expect.any(Boolean) } } });
  });

  it("keeps one answer per variables, operation and Accept, and never mixes them up", async () => {
    const counts = await countsDuring(a.url, async () => {
      for (let round = 0; round < 2; round++) {
        expect(await dataOf(a.url, LATEST, { symbols: ["ETH"] })).toEqual({
          latestQuotes: [{ price: 1027, asset: { symbol: "ETH" } }],
        });
        expect(await dataOf(a.url, LATEST, { symbols: ["BTC", "ETH"] })).toEqual({
          latestQuotes: [
            { price: 1, asset: { symbol: "BTC" } },
            { price: 1027, asset: { symbol: "ETH" } },
          ],
        });
        const graphqlJson = await post(
          a.url,
          LATEST,
          { symbols: ["ETH"] },
          { accept: "application/graphql-response+json" },
        );
        expect(graphqlJson.headers.get("content-type")).toBe("application/graphql-response+json; charset=utf-8");
        expect(JSON.parse(graphqlJson.text).data.latestQuotes[0].price).toBe(1027);
      }
    });
    expect(counts).toEqual({ hits: 3, misses: 3, uncacheable: 0, entries: 3 });
  });

  it("never serves a stale answer after a commit on another replica", async () => {
    expect(await dataOf(a.url, LATEST, { symbols: ["BTC"] })).toEqual({
      latestQuotes: [{ price: 1, asset: { symbol: "BTC" } }],
    });
    expect((await countsDuring(a.url, () => post(a.url, LATEST, { symbols: ["BTC"] }))).hits).toBe(1);
    const announced = once(a.service.feed.events, "committed");
    // Replica B stores a quote as ingestion does: the store's insert, its NOTIFY in the same transaction.
    const stored = await insertQuotes(b.database.writer, [
      newQuote({ assetId: await btcId(), price: "4242", lastUpdated: new Date("2026-01-06T00:00:00Z") }),
    ]);
    expect(stored).toBe(1);
    expect(await announced).toEqual(["quotes"]);
    const counts = await countsDuring(a.url, async () => {
      for (const replica of [a.url, b.url, a.url]) {
        expect(await dataOf(replica, LATEST, { symbols: ["BTC"] })).toEqual({
          latestQuotes: [{ price: 4242, asset: { symbol: "BTC" } }],
        });
      }
    });
    expect(counts).toMatchObject({ hits: 1, misses: 1 });
  });

  it("is emptied by untrackAsset and trackAsset committed on another replica", async () => {
    expect(await dataOf(a.url, TRACKED)).toEqual({
      latestQuotes: [{ asset: { symbol: "BTC" } }, { asset: { symbol: "ETH" } }],
    });
    expect((await countsDuring(a.url, () => dataOf(a.url, TRACKED))).hits).toBe(1);
    for (const [mutation, symbols] of [
      [`mutation { untrackAsset(symbol: "ETH") { tracked } }`, ["BTC"]],
      [`mutation { trackAsset(cmcId: 1027) { tracked } }`, ["BTC", "ETH"]],
    ] as const) {
      const announced = once(a.service.feed.events, "committed");
      const { body } = await graphql(b.url, mutation, undefined, admin);
      expect(body.errors).toBeUndefined();
      expect(await announced).toEqual(["assets"]);
      expect(await dataOf(a.url, TRACKED)).toEqual({ latestQuotes: symbols.map((symbol) => ({ asset: { symbol } })) });
    }
  });

  it("never keeps quoteUpdates, ingestion, ingestionRuns, mutations, mixed documents or answers with errors", async () => {
    const uncacheable = [
      `{ quoteUpdates(symbols: ["BTC"]) { quotes { price } } }`,
      `{ ingestion { enabled source } }`,
      `{ ingestionRuns { id } }`,
      `{ latestQuotes(symbols: ["BTC"]) { price } ingestion { enabled } }`,
      `{ latestQuotes(symbols: ["BTC"]) { price } ...Runs } fragment Runs on Query { ingestionRuns { id } }`,
      `{ candles(symbol: "DOGE", interval: HOUR) { close } }`,
    ];
    const counts = await countsDuring(a.url, async () => {
      for (let i = 0; i < 2; i++) {
        // Each one's commit empties the cache: awaited, so that what follows starts from empty.
        const announced = once(a.service.feed.events, "committed");
        const { body } = await graphql(a.url, `mutation { trackAsset(cmcId: 1) { tracked } }`, undefined, admin);
        expect(body.data).toEqual({ trackAsset: { tracked: true } });
        await announced;
      }
      for (const query of [...uncacheable, ...uncacheable]) expect((await post(a.url, query)).status).toBe(200);
    });
    expect(counts).toMatchObject({ hits: 0, misses: 0, uncacheable: 14 });
    expect(await cacheMetrics(a.url)).toMatchObject({ entries: 0, bytes: 0 });
    // Written behind every cache's back: only an answer computed anew can show it.
    await storeSilently(a, 1, 777);
    await a.ds.query(`INSERT INTO asset (cmc_id, symbol, name, slug) VALUES (74, 'DOGE', 'Dogecoin', 'dogecoin')`);
    expect(await dataOf(a.url, uncacheable[0])).toEqual({ quoteUpdates: { quotes: [{ price: 777 }] } });
    expect(await dataOf(a.url, uncacheable[3])).toEqual({
      latestQuotes: [{ price: 777 }],
      ingestion: { enabled: true },
    });
    expect(await dataOf(a.url, uncacheable[5])).toEqual({ candles: [] });
  });
});

describe("response cache: while the LISTEN connection is down", () => {
  const api = useApi({ seed });

  it("is off and empty until LISTEN is back, then serves again", async () => {
    await dataOf(api.url, LATEST);
    expect((await countsDuring(api.url, () => dataOf(api.url, LATEST))).hits).toBe(1);
    await storeSilently(api, 1, 31);
    const admin = new Client({ connectionString: inject("postgresUrl") });
    await admin.connect();
    try {
      // The LISTEN connection (and the writer's others) cut, new ones refused: it stays down until allowed.
      await admin.query(`ALTER DATABASE ${api.db.name} ALLOW_CONNECTIONS false`);
      const lost = once(api.service.feed.events, "lost");
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'quotegraph-writer'`,
        [api.db.name],
      );
      await lost;
      expect(await cacheMetrics(api.url)).toMatchObject({ enabled: 0, entries: 0, bytes: 0 });
      const counts = await countsDuring(api.url, async () => {
        for (let i = 0; i < 2; i++) {
          expect(await dataOf(api.url, LATEST)).toEqual({
            latestQuotes: [
              { price: 31, asset: { symbol: "BTC" } },
              { price: 1027, asset: { symbol: "ETH" } },
            ],
          });
        }
      });
      expect(counts).toEqual({ hits: 0, misses: 0, uncacheable: 0, entries: 0 });
      const connected = once(api.service.feed.events, "connected");
      await admin.query(`ALTER DATABASE ${api.db.name} ALLOW_CONNECTIONS true`);
      await connected;
    } finally {
      await admin.query(`ALTER DATABASE ${api.db.name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    const counts = await countsDuring(api.url, async () => {
      await dataOf(api.url, LATEST);
      await dataOf(api.url, LATEST);
    });
    expect(counts).toEqual({ hits: 1, misses: 1, uncacheable: 0, entries: 1 });
    expect((await cacheMetrics(api.url)).enabled).toBe(1);
  }, 60_000);
});

describe("response cache: RESPONSE_CACHE_MB=0", () => {
  const recorder = sqlRecorder();
  const api = useApi({ env: { RESPONSE_CACHE_MB: "0" }, logger: recorder.logger, seed });

  it("keeps nothing: every read runs its statements", async () => {
    const counts = await countsDuring(api.url, async () => {
      recorder.clear();
      await dataOf(api.url, LATEST, { symbols: ["BTC"] });
      const perRead = recorder.statements.length;
      expect(perRead).toBeGreaterThan(0);
      await storeSilently(api, 1, 55);
      expect(await dataOf(api.url, LATEST, { symbols: ["BTC"] })).toEqual({
        latestQuotes: [{ price: 55, asset: { symbol: "BTC" } }],
      });
      expect(recorder.statements.filter((s) => !s.startsWith("INSERT"))).toHaveLength(2 * perRead);
    });
    expect(counts).toEqual({ hits: 0, misses: 0, uncacheable: 0, entries: 0 });
    expect(await cacheMetrics(api.url)).toMatchObject({ enabled: 0, bytes: 0 });
  });
});

describe("response cache: RESPONSE_CACHE_MB=1", () => {
  // 1200 quotes of BTC: a page of 1000 with every field is about 250 kB.
  const api = useApi({
    env: { RESPONSE_CACHE_MB: "1" },
    seed: async (ds) => {
      await insertSampleAssets(ds);
      await ds.query(`
        INSERT INTO price_quote (asset_id, convert, price, volume_24h, market_cap, percent_change_1h,
          percent_change_24h, percent_change_7d, circulating_supply, last_updated)
        SELECT a.id, 'USD', 90000 + m * 0.125, 1e10 + m, 1.8e12 + m, 0.5, -1.25, 3.75, 19800000 + m,
          timestamptz '2026-01-01' + m * interval '1 minute'
        FROM asset a CROSS JOIN generate_series(1, 1200) m WHERE a.cmc_id = 1`);
    },
  });
  const HISTORY = `query History($first: Int) { priceHistory(symbol: "BTC", first: $first) { nodes {
    id convert price volume24h marketCap percentChange1h percentChange24h percentChange7d circulatingSupply
    lastUpdated ingestedAt } } }`;

  it("stays within its bound by dropping the least recently used answers", async () => {
    const sizes: number[] = [];
    for (let first = 1000; first > 994; first--) {
      sizes.push((await post(api.url, HISTORY, { first })).text.length);
    }
    expect(Math.min(...sizes)).toBeGreaterThan(200_000);
    const metrics = await cacheMetrics(api.url);
    expect(metrics.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(metrics.evictions_total).toBeGreaterThanOrEqual(2);
    expect(metrics.entries).toBe(6 - metrics.evictions_total);
    // The newest answer is still there; the oldest was dropped first.
    expect((await countsDuring(api.url, () => post(api.url, HISTORY, { first: 995 }))).hits).toBe(1);
    expect((await countsDuring(api.url, () => post(api.url, HISTORY, { first: 1000 }))).misses).toBe(1);
  });
});
