import { printSchema } from "graphql";
import type { DataSource } from "typeorm";
import { beforeAll, describe, expect, it } from "vitest";
import { HISTORY_ASC_SQL, HISTORY_DESC_SQL } from "../src/db/store/quotes";
import { createSchema } from "../src/graphql/schema";
import { useApi } from "./support/api";
import { insertSampleAssets } from "./support/database";
import { analyze, plan, seedMinuteQuotes } from "./support/explain";
import { graphql } from "./support/graphql";

/** BTC/USD: one quote a minute from T0, price 1000.25 + m, so each quote is recognisable by its price. */
const T0 = Date.UTC(2026, 0, 5);
const BTC_USD = 250;
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
const minutes = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function seed(ds: DataSource): Promise<void> {
  await insertSampleAssets(ds);
  await ds.query(
    `INSERT INTO price_quote (asset_id, convert, price, volume_24h, last_updated)
     SELECT a.id, 'USD', 1000.25 + m, 5000 + m, $1::timestamptz + m * interval '1 minute'
     FROM asset a CROSS JOIN generate_series(0, $2 - 1) m WHERE a.cmc_id = 1`,
    [at(0), BTC_USD],
  );
  // Other currencies, assets and namesakes must never leak into BTC/USD.
  await ds.query(
    `INSERT INTO price_quote (asset_id, convert, price, last_updated)
     SELECT a.id, 'EUR', 900 + m, $1::timestamptz + m * interval '1 minute'
     FROM asset a CROSS JOIN generate_series(0, 4) m WHERE a.cmc_id = 1
     UNION ALL
     SELECT a.id, 'USD', 3.5 + m, $1::timestamptz + m * interval '1 minute'
     FROM asset a CROSS JOIN generate_series(0, 9) m WHERE a.cmc_id IN (1027, 30938)`,
    [at(0)],
  );
  // ETH/EUR: three quotes inside one millisecond, which a JavaScript Date cannot tell apart.
  await ds.query(`
    INSERT INTO price_quote (asset_id, convert, price, last_updated)
    SELECT a.id, 'EUR', v.price, v.at FROM asset a CROSS JOIN (VALUES
      (1, timestamptz '2026-01-06T00:00:00.123456Z'),
      (2, timestamptz '2026-01-06T00:00:00.123457Z'),
      (3, timestamptz '2026-01-06T00:00:00.123999Z')) AS v(price, at)
    WHERE a.cmc_id = 1027`);
}

const HISTORY = `query($symbol: String!, $convert: String, $from: DateTimeISO, $to: DateTimeISO, $first: Int,
    $after: String, $order: SortOrder) {
  priceHistory(symbol: $symbol, convert: $convert, from: $from, to: $to, first: $first, after: $after, order: $order) {
    edges { cursor node { id lastUpdated } }
    nodes { id convert price volume24h marketCap lastUpdated ingestedAt asset { symbol cmcId } }
    pageInfo { hasNextPage endCursor } } }`;

type Page = {
  edges: { cursor: string; node: { id: string; lastUpdated: string } }[];
  nodes: { id: string; convert: string; price: number; lastUpdated: string; ingestedAt: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

describe("priceHistory and Asset.history", () => {
  const api = useApi({ env: { CONVERT: "USD,EUR" }, seed });

  async function page(variables: Record<string, unknown>): Promise<Page> {
    const { body } = await graphql(api.url, HISTORY, { symbol: "BTC", ...variables });
    expect(body.errors).toBeUndefined();
    return body.data.priceHistory;
  }

  /** Follows endCursor until hasNextPage is false; every page must be consistent with itself. */
  async function walk(variables: Record<string, unknown>): Promise<{ times: string[]; ids: string[]; pages: number }> {
    const times: string[] = [];
    const ids: string[] = [];
    let after: string | null = null;
    for (let pages = 1; pages <= 1000; pages++) {
      const p = await page({ ...variables, after });
      expect(p.edges.map((e) => e.node)).toEqual(p.nodes.map(({ id, lastUpdated }) => ({ id, lastUpdated })));
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)?.cursor ?? null);
      times.push(...p.nodes.map((n) => n.lastUpdated));
      ids.push(...p.nodes.map((n) => n.id));
      if (!p.pageInfo.hasNextPage) return { times, ids, pages };
      expect(p.nodes).toHaveLength(variables.first as number);
      after = p.pageInfo.endCursor;
    }
    throw new Error("pagination did not end");
  }

  it("has the contract's SDL", async () => {
    const sdl = printSchema(await createSchema()).replace(/\s*""".*?"""/gs, "");
    const field = (name: string) => sdl.match(new RegExp(`\\n  ${name}\\(([^)]*)\\)(: [^\\n]+)`))?.slice(1);
    const args = (list: string) =>
      list
        .trim()
        .split(/\s*\n\s*/)
        .sort();
    const [priceHistoryArgs, priceHistoryType] = field("priceHistory") ?? [];
    expect(priceHistoryType).toBe(": PriceQuoteConnection!");
    expect(args(priceHistoryArgs)).toEqual(
      [
        "symbol: String!",
        'convert: String = "USD"',
        "from: DateTimeISO",
        "to: DateTimeISO",
        "first: Int = 100",
        "after: String",
        "order: SortOrder = DESC",
      ].sort(),
    );
    const asset = sdl.match(/type Asset \{[\s\S]*?\n\}/)?.[0] ?? "";
    const history = asset.match(/\n {2}history\(([^)]*)\): (\S+)/);
    expect(history?.[2]).toBe("PriceQuoteConnection!");
    expect(args(history?.[1] ?? "")).toEqual(args(priceHistoryArgs).filter((a) => !a.startsWith("symbol")));
    expect(sdl).toContain("enum SortOrder {\n  ASC\n  DESC\n}");
    expect(sdl).toContain("type PriceQuoteEdge {\n  cursor: String!\n  node: PriceQuote!\n}");
    expect(sdl).toContain(
      "type PriceQuoteConnection {\n  edges: [PriceQuoteEdge!]!\n  nodes: [PriceQuote!]!\n  pageInfo: PageInfo!\n}",
    );
  });

  it("returns the newest 100 quotes first by default, with their asset", async () => {
    const p = await page({});
    expect(p.nodes).toHaveLength(100);
    expect(p.nodes.map((n) => n.lastUpdated)).toEqual(minutes(150, 250).reverse().map(at));
    expect(p.nodes[0]).toMatchObject({
      convert: "USD",
      price: 1249.25,
      volume24h: 5249,
      marketCap: null,
      lastUpdated: at(249),
      asset: { symbol: "BTC", cmcId: 1 },
    });
    expect(Date.parse(p.nodes[0].ingestedAt)).not.toBeNaN();
    expect(p.pageInfo).toEqual({ hasNextPage: true, endCursor: p.edges[99].cursor });
    // Explicit nulls mean the defaults, as the SDL's nullable arguments promise.
    const nulls = await page({ symbol: "btc", convert: null, first: null, order: null });
    expect(nulls.nodes.map((n) => n.id)).toEqual(p.nodes.map((n) => n.id));
  });

  it("walks all 250 quotes newest first, 7 at a time: no duplicate, no gap, exact order", async () => {
    const { times, ids, pages } = await walk({ first: 7 });
    expect(times).toEqual(minutes(0, BTC_USD).reverse().map(at));
    expect(new Set(ids).size).toBe(BTC_USD);
    expect(pages).toBe(Math.ceil(BTC_USD / 7));
  });

  it("walks all 250 quotes oldest first, 7 at a time: no duplicate, no gap, exact order", async () => {
    const { times, ids, pages } = await walk({ first: 7, order: "ASC" });
    expect(times).toEqual(minutes(0, BTC_USD).map(at));
    expect(new Set(ids).size).toBe(BTC_USD);
    expect(pages).toBe(Math.ceil(BTC_USD / 7));
  });

  it("ends with hasNextPage false when the last page is exactly full", async () => {
    const first = await page({ first: 125, order: "ASC" });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const last = await page({ first: 125, order: "ASC", after: first.pageInfo.endCursor });
    expect(last.nodes.map((n) => n.lastUpdated)).toEqual(minutes(125, 250).map(at));
    expect(last.pageInfo).toEqual({ hasNextPage: false, endCursor: last.edges[124].cursor });
  });

  it("selects from ≤ lastUpdated < to: a quote exactly at from included, exactly at to excluded", async () => {
    const desc = await page({ from: at(10), to: at(20) });
    expect(desc.nodes.map((n) => n.lastUpdated)).toEqual(minutes(10, 20).reverse().map(at));
    expect(desc.pageInfo.hasNextPage).toBe(false);
    const asc = await page({ from: at(10), to: at(20), order: "ASC" });
    expect(asc.nodes.map((n) => n.lastUpdated)).toEqual(minutes(10, 20).map(at));
    // A millisecond past a quote leaves it out; one before the upper bound keeps the last one.
    const shifted = await page({ from: new Date(T0 + 10 * 60_000 + 1).toISOString(), to: at(20), order: "ASC" });
    expect(shifted.nodes.map((n) => n.lastUpdated)).toEqual(minutes(11, 20).map(at));
    expect((await page({ from: at(240) })).nodes.map((n) => n.lastUpdated)).toEqual(
      minutes(240, 250).reverse().map(at),
    );
    expect((await page({ to: at(3), order: "ASC" })).nodes.map((n) => n.lastUpdated)).toEqual(minutes(0, 3).map(at));
    expect((await page({ from: at(300) })).nodes).toEqual([]);
  });

  it("pages within a time range in both orders", async () => {
    const range = { from: at(50), to: at(120) };
    const desc = await walk({ ...range, first: 7 });
    expect(desc.times).toEqual(minutes(50, 120).reverse().map(at));
    expect(desc.pages).toBe(10);
    const asc = await walk({ ...range, first: 7, order: "ASC" });
    expect(asc.times).toEqual(minutes(50, 120).map(at));
    expect(new Set([...asc.ids, ...desc.ids]).size).toBe(70);
  });

  it("reads the currency asked for, case-insensitive, and the asset a symbol means (tracked one first)", async () => {
    const eur = await page({ convert: "eur", order: "ASC" });
    expect(eur.nodes.map((n) => [n.convert, n.price])).toEqual([0, 1, 2, 3, 4].map((m) => ["EUR", 900 + m]));
    const eth = await page({ symbol: "eth", first: 3 });
    expect(eth.nodes.map((n) => n.price)).toEqual([12.5, 11.5, 10.5]);
    expect((await page({ symbol: "SOL" })).nodes).toEqual([]);
  });

  it("keeps quotes apart that lie within one millisecond (cursors carry microseconds)", async () => {
    for (const order of ["ASC", "DESC"]) {
      const { ids } = await walk({ symbol: "ETH", convert: "EUR", first: 1, order });
      expect(new Set(ids).size).toBe(3);
      const prices = (await page({ symbol: "ETH", convert: "EUR", order })).nodes.map((n) => n.price);
      expect(prices).toEqual(order === "ASC" ? [1, 2, 3] : [3, 2, 1]);
    }
  });

  it("refuses a cursor taken in the other order, naming the order it belongs to", async () => {
    const desc = await page({ first: 5 });
    const { body } = await graphql(api.url, HISTORY, { symbol: "BTC", order: "ASC", after: desc.pageInfo.endCursor });
    expect(body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0].message).toContain("continues a list in DESC order: pass order: DESC with it");
  });

  it("nests history under an asset, with every argument", async () => {
    const query = `query($after: String) { asset(symbol: "btc") { symbol
      usd: history(first: 3) { nodes { lastUpdated } pageInfo { hasNextPage } }
      range: history(convert: "EUR", from: "${at(1)}", to: "${at(4)}", first: 2, after: $after, order: ASC) {
        nodes { convert price lastUpdated } pageInfo { hasNextPage endCursor } } } }`;
    const first = (await graphql(api.url, query)).body.data.asset;
    expect(first.usd).toEqual({
      nodes: [249, 248, 247].map((m) => ({ lastUpdated: at(m) })),
      pageInfo: { hasNextPage: true },
    });
    expect(first.range.nodes).toEqual([1, 2].map((m) => ({ convert: "EUR", price: 900 + m, lastUpdated: at(m) })));
    expect(first.range.pageInfo.hasNextPage).toBe(true);
    const second = (await graphql(api.url, query, { after: first.range.pageInfo.endCursor })).body.data.asset;
    expect(second.range.nodes).toEqual([{ convert: "EUR", price: 903, lastUpdated: at(3) }]);
    expect(second.range.pageInfo.hasNextPage).toBe(false);
    // Cursors of Query.priceHistory and Asset.history are interchangeable: they name the same positions.
    const top = await page({ first: 3 });
    const nested = await graphql(
      api.url,
      `query($after: String) { asset(symbol: "BTC") { history(first: 2, after: $after) {
      nodes { lastUpdated } } } }`,
      { after: top.pageInfo.endCursor },
    );
    expect(nested.body.data.asset.history.nodes).toEqual([246, 245].map((m) => ({ lastUpdated: at(m) })));
  });

  it.each([
    [{ first: 0 }, "first must be a whole number from 1 to 1000; got 0"],
    [{ first: 1001 }, "first must be a whole number from 1 to 1000; got 1001"],
    [{ from: at(20), to: at(10) }, "from must be earlier than to"],
    [{ from: at(20), to: at(20) }, "send a from before to, or leave either out"],
    [{ after: "garbage" }, "is not a cursor of this list: pass an endCursor this field returned"],
    [{ after: Buffer.from("asset:12").toString("base64url") }, "is not a cursor of this list"],
    [{ after: Buffer.from("quote:DESC:12.5").toString("base64url") }, "is not a cursor of this list"],
    [{ symbol: "NOPE" }, 'unknown symbol "NOPE"'],
    [{ convert: "JPY" }, 'convert "JPY" is not collected by this service; use one of USD, EUR'],
  ])("refuses %j with BAD_USER_INPUT and says what to send", async (variables, message) => {
    const { body } = await graphql(api.url, HISTORY, { symbol: "BTC", ...variables });
    expect(body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0].message).toContain(message);
    if ("symbol" in variables) return;
    const nested = await graphql(
      api.url,
      `query($convert: String, $from: DateTimeISO, $to: DateTimeISO, $first: Int, $after: String) {
        asset(symbol: "BTC") { history(convert: $convert, from: $from, to: $to, first: $first, after: $after) {
          nodes { id } } } }`,
      variables,
    );
    expect(nested.body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(nested.body.errors?.[0].message).toContain(message);
  });
});

describe("history SQL", () => {
  const api = useApi({ seed: seedMinuteQuotes });
  let assetId: number;

  beforeAll(async () => {
    [{ id: assetId }] = await api.ds.query(`SELECT id FROM asset WHERE cmc_id = 1007`);
  });

  // Epoch microseconds of 2026-01-01T15:00:00Z, as a cursor carries them.
  const CURSOR_15H = String(Date.UTC(2026, 0, 1, 15) * 1000);

  it.each([
    [
      "newest first",
      HISTORY_DESC_SQL,
      [null, null, null],
      /Index Scan Backward using price_quote_asset_convert_time_key/,
    ],
    ["oldest first", HISTORY_ASC_SQL, [null, null, null], /Index Scan using price_quote_asset_convert_time_key/],
    [
      "newest first in a range after a cursor",
      HISTORY_DESC_SQL,
      ["2026-01-01T10:00:00Z", "2026-01-01T20:00:00Z", CURSOR_15H],
      /Index Scan Backward using price_quote_asset_convert_time_key/,
    ],
    [
      "oldest first in a range after a cursor",
      HISTORY_ASC_SQL,
      ["2026-01-01T10:00:00Z", "2026-01-01T20:00:00Z", CURSOR_15H],
      /Index Scan using price_quote_asset_convert_time_key/,
    ],
  ])("reads a page %s from the unique index, stopping after the page", async (_, sql, bounds, scan) => {
    const params = [assetId, "USD", ...bounds, 101];
    const text = await plan(api.ds, sql, params);
    expect(text).toMatch(scan);
    expect(text).not.toMatch(/Seq Scan on price_quote|Sort/);
    // Every bound is an index condition, so the scan reads only the rows it returns.
    const scanNode = (await analyze(api.ds, sql, params)).Plans[0];
    expect(scanNode["Index Name"]).toBe("price_quote_asset_convert_time_key");
    expect(scanNode["Actual Rows"]).toBe(101);
    expect(scanNode["Rows Removed by Filter"] ?? 0).toBe(0);
  });
});
