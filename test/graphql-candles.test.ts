import { printSchema } from "graphql";
import type { DataSource } from "typeorm";
import { beforeAll, describe, expect, it } from "vitest";
import { CANDLES_FROM_SQL, CANDLES_NEWEST_SQL } from "../src/db/store/candles";
import { DAILY_CANDLES_SQL, HOURLY_CANDLES_SQL } from "../src/db/store/candles-rollup";
import { rebuildRollups } from "../src/db/store/rollups";
import { createSchema } from "../src/graphql/schema";
import { useApi } from "./support/api";
import { insertSampleAssets } from "./support/database";
import { analyze, plan, seedMinuteQuotes } from "./support/explain";
import { graphql } from "./support/graphql";

/*
 * BTC/USD: quote k (0 ≤ k < N) at T0 + 45 s · k, price (cents) 10000 + 100 · (k div 500) + 100 · (13k mod 37)
 * + (k mod 100). T0 is a Thursday afternoon, so the series starts and ends mid-bucket for every width,
 * minute buckets hold one or two quotes, and 20 days cover four Monday-based weeks. The same formula
 * is computed here and in SQL; the expected candles come from TypeScript alone.
 */
const T0 = Date.UTC(2026, 0, 1, 13, 17, 20);
const STEP = 45_000;
const N = 38_400;
const cents = (k: number) => 10_000 + 100 * Math.floor(k / 500) + 100 * ((13 * k) % 37) + (k % 100);
const QUOTES = Array.from({ length: N }, (_, k) => ({ at: T0 + k * STEP, price: cents(k) / 100 }));
const iso = (ms: number) => new Date(ms).toISOString();
const atQuote = (k: number) => iso(T0 + k * STEP);

const ORIGIN = Date.UTC(2000, 0, 3); // a Monday
const WIDTH: Record<string, number> = {
  MINUTE: 60_000,
  FIVE_MINUTES: 5 * 60_000,
  FIFTEEN_MINUTES: 15 * 60_000,
  HOUR: 3_600_000,
  FOUR_HOURS: 4 * 3_600_000,
  DAY: 86_400_000,
  WEEK: 7 * 86_400_000,
};
const INTERVALS = Object.keys(WIDTH);

interface Candle {
  start: string;
  open: number;
  high: number;
  low: number;
  close: number;
  samples: number;
}

/** The contract's candles, computed from the seeded quotes. */
function expected(
  interval: string,
  { from, to, limit = 500 }: { from?: number; to?: number; limit?: number } = {},
  quotes = QUOTES,
): Candle[] {
  const width = WIDTH[interval];
  const buckets = new Map<number, Candle>();
  for (const q of quotes) {
    if ((from !== undefined && q.at < from) || (to !== undefined && q.at >= to)) continue;
    const start = ORIGIN + Math.floor((q.at - ORIGIN) / width) * width;
    const candle = buckets.get(start);
    if (!candle) {
      buckets.set(start, { start: iso(start), open: q.price, high: q.price, low: q.price, close: q.price, samples: 1 });
    } else {
      candle.high = Math.max(candle.high, q.price);
      candle.low = Math.min(candle.low, q.price);
      candle.close = q.price;
      candle.samples += 1;
    }
  }
  const all = [...buckets.entries()].sort(([a], [b]) => a - b).map(([, candle]) => candle);
  return from === undefined ? all.slice(-limit) : all.slice(0, limit);
}

async function seed(ds: DataSource): Promise<void> {
  await insertSampleAssets(ds);
  await ds.query(
    `INSERT INTO price_quote (asset_id, convert, price, last_updated)
     SELECT a.id, 'USD', (10000 + 100 * (k / 500) + 100 * ((13 * k) % 37) + k % 100) / 100.0,
            $1::timestamptz + k * interval '45 seconds'
     FROM asset a CROSS JOIN generate_series(0, $2 - 1) k WHERE a.cmc_id = 1`,
    [iso(T0), N],
  );
  // Other currencies, assets and namesakes must never leak into BTC/USD.
  await ds.query(
    `INSERT INTO price_quote (asset_id, convert, price, last_updated)
     SELECT a.id, 'EUR', 900 + k, $1::timestamptz + k * interval '45 seconds'
     FROM asset a CROSS JOIN generate_series(0, 9) k WHERE a.cmc_id = 1
     UNION ALL
     SELECT a.id, 'USD', 1 + k, $1::timestamptz + k * interval '45 seconds'
     FROM asset a CROSS JOIN generate_series(0, 99) k WHERE a.cmc_id IN (1027, 30938)`,
    [iso(T0)],
  );
  // Written around the store, as a bulk load would be: the rollups are rebuilt as after one.
  await rebuildRollups(ds);
  await ds.query("ANALYZE price_quote");
}

const CANDLES = `query($symbol: String!, $interval: CandleInterval!, $convert: String, $from: DateTimeISO,
    $to: DateTimeISO, $limit: Int) {
  candles(symbol: $symbol, interval: $interval, convert: $convert, from: $from, to: $to, limit: $limit) {
    start open high low close samples } }`;

describe("candles and Asset.candles", () => {
  const api = useApi({ env: { CONVERT: "USD,EUR" }, seed });

  async function candles(variables: Record<string, unknown>): Promise<Candle[]> {
    const { body } = await graphql(api.url, CANDLES, { symbol: "BTC", ...variables });
    expect(body.errors).toBeUndefined();
    return body.data.candles;
  }

  it("seeded the quotes the expectations are computed from", async () => {
    const [row] = await api.service.database.dataSource.query(
      `SELECT count(*)::int AS n, sum(price * 100)::bigint::text AS total, min(last_updated) AS first, max(last_updated) AS last
       FROM price_quote q JOIN asset a ON a.id = q.asset_id WHERE a.cmc_id = 1 AND q.convert = 'USD'`,
    );
    expect(row.n).toBe(N);
    expect(row.total).toBe(String(QUOTES.reduce((sum, _, k) => sum + cents(k), 0)));
    expect([row.first.getTime(), row.last.getTime()]).toEqual([T0, T0 + (N - 1) * STEP]);
  });

  it("has the contract's SDL", async () => {
    const sdl = printSchema(await createSchema()).replace(/\s*""".*?"""/gs, "");
    const args = (list: string) =>
      list
        .trim()
        .split(/\s*\n\s*/)
        .sort();
    const query = sdl.match(/type Query \{[\s\S]*?\n\}/)?.[0] ?? "";
    const top = query.match(/\n {2}candles\(([^)]*)\): (\S+)/);
    expect(top?.[2]).toBe("[Candle!]!");
    expect(args(top?.[1] ?? "")).toEqual(
      [
        "symbol: String!",
        "interval: CandleInterval!",
        'convert: String = "USD"',
        "from: DateTimeISO",
        "to: DateTimeISO",
        "limit: Int = 500",
      ].sort(),
    );
    const asset = sdl.match(/type Asset \{[\s\S]*?\n\}/)?.[0] ?? "";
    const nested = asset.match(/\n {2}candles\(([^)]*)\): (\S+)/);
    expect(nested?.[2]).toBe("[Candle!]!");
    expect(args(nested?.[1] ?? "")).toEqual(args(top?.[1] ?? "").filter((a) => !a.startsWith("symbol")));
    expect(sdl).toContain(
      "type Candle {\n  start: DateTimeISO!\n  open: Float!\n  high: Float!\n  low: Float!\n  close: Float!\n  samples: Int!\n}",
    );
    expect(sdl).toContain(
      "enum CandleInterval {\n  MINUTE\n  FIVE_MINUTES\n  FIFTEEN_MINUTES\n  HOUR\n  FOUR_HOURS\n  DAY\n  WEEK\n}",
    );
  });

  it.each(INTERVALS)(
    "%s: the newest 500 buckets by default, ascending, as computed from the quotes",
    async (interval) => {
      const got = await candles({ interval });
      const want = expected(interval);
      expect(got).toEqual(want);
      expect(got.at(-1)?.start).toBe(want.at(-1)?.start);
      // The newest bucket is the one holding the last quote.
      expect(Date.parse(got.at(-1)?.start ?? "")).toBeLessThanOrEqual(T0 + (N - 1) * STEP);
      expect(Date.parse(got.at(-1)?.start ?? "") + WIDTH[interval]).toBeGreaterThan(T0 + (N - 1) * STEP);
    },
  );

  it.each(INTERVALS)("%s: the first 1000 buckets from `from`, ascending", async (interval) => {
    const got = await candles({ interval, from: iso(T0), limit: 1000 });
    expect(got).toEqual(expected(interval, { from: T0, limit: 1000 }));
    expect(got[0].open).toBe(QUOTES[0].price);
  });

  it("starts days at 00:00 UTC and weeks on Monday 00:00 UTC", async () => {
    const weeks = await candles({ interval: "WEEK" });
    expect(weeks.map((c) => c.start)).toEqual([
      "2025-12-29T00:00:00.000Z",
      "2026-01-05T00:00:00.000Z",
      "2026-01-12T00:00:00.000Z",
      "2026-01-19T00:00:00.000Z",
    ]);
    for (const week of weeks) expect(new Date(week.start).getUTCDay()).toBe(1);
    expect(weeks.reduce((sum, c) => sum + c.samples, 0)).toBe(N);
    // A full week of quotes every 45 s: 13,440 samples.
    expect(weeks[1].samples).toBe(13_440);
    const days = await candles({ interval: "DAY" });
    expect(days[0].start).toBe("2026-01-01T00:00:00.000Z");
    expect(days).toHaveLength(21);
    for (const day of days) expect(day.start).toMatch(/T00:00:00\.000Z$/);
    expect(days[1]).toMatchObject({ start: "2026-01-02T00:00:00.000Z", samples: 1920 });
  });

  it("counts only quotes in from ≤ lastUpdated < to: at `from` included, at `to` excluded", async () => {
    // One quote exactly at from, none up to to, which is exactly the next quote's time.
    const one = await candles({ interval: "MINUTE", from: atQuote(1000), to: atQuote(1001) });
    expect(one).toEqual([
      {
        start: iso(Math.floor(QUOTES[1000].at / 60_000) * 60_000),
        open: QUOTES[1000].price,
        high: QUOTES[1000].price,
        low: QUOTES[1000].price,
        close: QUOTES[1000].price,
        samples: 1,
      },
    ]);
    expect(await candles({ interval: "MINUTE", from: iso(QUOTES[1000].at + 1), to: atQuote(1001) })).toEqual([]);
    // Buckets cut by the range keep their aligned start but aggregate only the quotes inside it.
    for (const interval of ["HOUR", "DAY"]) {
      const from = QUOTES[1234].at;
      const to = QUOTES[5678].at;
      const got = await candles({ interval, from: iso(from), to: iso(to) });
      expect(got).toEqual(expected(interval, { from, to }));
      expect(Date.parse(got[0].start)).toBeLessThan(from);
      expect(got.reduce((sum, c) => sum + c.samples, 0)).toBe(5678 - 1234);
    }
  });

  it("returns the newest `limit` buckets before `to` when `from` is absent", async () => {
    const to = QUOTES[20_000].at;
    for (const [interval, limit] of [
      ["MINUTE", 3],
      ["FIVE_MINUTES", 7],
      ["FOUR_HOURS", 5],
      ["DAY", 2],
    ] as const) {
      const got = await candles({ interval, to: iso(to), limit });
      expect(got).toHaveLength(limit);
      expect(got).toEqual(expected(interval, { to, limit }));
    }
    expect(await candles({ interval: "HOUR", limit: 1 })).toEqual(expected("HOUR", { limit: 1 }));
    expect(await candles({ interval: "WEEK", limit: 1000 })).toHaveLength(4);
  });

  it("puts a quote on a bucket boundary in the bucket it starts, walking either way (CMC quotes sit on whole minutes)", async () => {
    // ADA: a quote every whole minute for three hours from Monday 2026-02-02 00:00 UTC, price 1 … 180.
    await api.ds.query(
      `INSERT INTO asset (cmc_id, symbol, name, slug, rank) VALUES (2010, 'ADA', 'Cardano', 'cardano', 9)`,
    );
    await api.ds.query(
      `INSERT INTO price_quote (asset_id, convert, price, last_updated)
       SELECT a.id, 'USD', 1 + k, timestamptz '2026-02-02T00:00:00Z' + k * interval '1 minute'
       FROM asset a CROSS JOIN generate_series(0, 179) k WHERE a.cmc_id = 2010`,
    );
    await rebuildRollups(api.ds);
    const hours = [
      { start: "2026-02-02T00:00:00.000Z", open: 1, high: 60, low: 1, close: 60, samples: 60 },
      { start: "2026-02-02T01:00:00.000Z", open: 61, high: 120, low: 61, close: 120, samples: 60 },
      { start: "2026-02-02T02:00:00.000Z", open: 121, high: 180, low: 121, close: 180, samples: 60 },
    ];
    expect(await candles({ symbol: "ADA", interval: "HOUR" })).toEqual(hours);
    expect(await candles({ symbol: "ADA", interval: "HOUR", limit: 2 })).toEqual(hours.slice(1));
    expect(await candles({ symbol: "ADA", interval: "HOUR", to: "2026-02-02T02:00:00Z" })).toEqual(hours.slice(0, 2));
    expect(await candles({ symbol: "ADA", interval: "HOUR", from: "2026-02-02T00:00:00Z" })).toEqual(hours);
    expect(await candles({ symbol: "ADA", interval: "HOUR", from: "2026-02-02T01:00:00Z", limit: 1 })).toEqual([
      hours[1],
    ]);
    const fives = await candles({ symbol: "ADA", interval: "FIVE_MINUTES" });
    expect(fives).toHaveLength(36);
    expect(new Set(fives.map((c) => c.start)).size).toBe(36);
    expect(fives.every((c) => c.samples === 5)).toBe(true);
  });

  it("skips empty buckets: a gap costs neither a bucket nor a place within limit", async () => {
    // SOL holds only these: 13:17:20, two in minute 13:18, 13:27:50, 13:28:35, then 14:32:20.
    const sparse = [0, 1, 2, 14, 15, 100].map((k) => QUOTES[k]);
    await api.service.database.dataSource.query(
      `INSERT INTO price_quote (asset_id, convert, price, last_updated)
       SELECT a.id, 'USD', g.price, g.at FROM asset a
       CROSS JOIN unnest($1::timestamptz[], $2::numeric[]) AS g(at, price) WHERE a.cmc_id = 5426`,
      [sparse.map((q) => iso(q.at)), sparse.map((q) => q.price)],
    );
    await rebuildRollups(api.ds);
    for (const interval of ["MINUTE", "FIVE_MINUTES", "HOUR"]) {
      const from = sparse[0].at;
      const first = await candles({ symbol: "sol", interval, from: iso(from), limit: 2 });
      expect(first).toEqual(expected(interval, { from, limit: 2 }, sparse));
      const newest = await candles({ symbol: "SOL", interval, limit: 2 });
      expect(newest).toEqual(expected(interval, { limit: 2 }, sparse));
      expect(newest).toHaveLength(2);
    }
    expect((await candles({ symbol: "SOL", interval: "MINUTE", limit: 1000 })).map((c) => c.samples)).toEqual([
      1, 2, 1, 1, 1,
    ]);
  });

  it("reads the currency asked for and the asset a symbol means; nothing stored means no candles", async () => {
    const eur = await candles({ interval: "HOUR", convert: "eur" });
    expect(eur).toEqual([
      { start: "2026-01-01T13:00:00.000Z", open: 900, high: 909, low: 900, close: 909, samples: 10 },
    ]);
    const eth = await candles({ symbol: "eth", interval: "DAY" });
    expect(eth).toEqual([{ start: "2026-01-01T00:00:00.000Z", open: 1, high: 100, low: 1, close: 100, samples: 100 }]);
    await api.service.database.dataSource.query(
      `INSERT INTO asset (cmc_id, symbol, name, slug, tracked) VALUES (74, 'DOGE', 'Dogecoin', 'dogecoin', true)`,
    );
    expect(await candles({ symbol: "DOGE", interval: "MINUTE" })).toEqual([]);
  });

  it("nests candles under an asset, with every argument", async () => {
    const { body } = await graphql(
      api.url,
      `query($from: DateTimeISO, $to: DateTimeISO) { asset(symbol: "btc") { symbol
        newest: candles(interval: WEEK) { start samples }
        ranged: candles(interval: FIFTEEN_MINUTES, convert: "USD", from: $from, to: $to, limit: 4) {
          start open high low close samples }
        eur: candles(interval: DAY, convert: "EUR") { start close } } }`,
      { from: atQuote(100), to: atQuote(200) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.asset.newest).toEqual(expected("WEEK").map(({ start, samples }) => ({ start, samples })));
    expect(body.data.asset.ranged).toEqual(
      expected("FIFTEEN_MINUTES", { from: QUOTES[100].at, to: QUOTES[200].at, limit: 4 }),
    );
    expect(body.data.asset.eur).toEqual([{ start: "2026-01-01T00:00:00.000Z", close: 909 }]);
  });

  it.each([
    [{ limit: 0 }, "limit must be a whole number from 1 to 1000; got 0"],
    [{ limit: 1001 }, "limit must be a whole number from 1 to 1000; got 1001"],
    [{ from: atQuote(20), to: atQuote(10) }, "from must be earlier than to"],
    [{ from: atQuote(20), to: atQuote(20) }, "send a from before to, or leave either out"],
    [{ symbol: "NOPE" }, 'unknown symbol "NOPE"'],
    [{ convert: "JPY" }, 'convert "JPY" is not collected by this service; use one of USD, EUR'],
  ])("refuses %j with BAD_USER_INPUT and says what to send", async (variables, message) => {
    const { body } = await graphql(api.url, CANDLES, { symbol: "BTC", interval: "HOUR", ...variables });
    expect(body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0].message).toContain(message);
    if ("symbol" in variables) return;
    const nested = await graphql(
      api.url,
      `query($interval: CandleInterval!, $convert: String, $from: DateTimeISO, $to: DateTimeISO, $limit: Int) {
        asset(symbol: "BTC") { candles(interval: $interval, convert: $convert, from: $from, to: $to, limit: $limit) {
          start } } }`,
      { interval: "HOUR", ...variables },
    );
    expect(nested.body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(nested.body.errors?.[0].message).toContain(message);
  });
});

describe("candle SQL", () => {
  const api = useApi({ seed: seedMinuteQuotes });
  let assetId: number;

  /** Rows read from a table by every scan of the plan, over all its loops. */
  function rowsRead(node: Record<string, any>, table = "price_quote"): number {
    const own = node["Relation Name"] === table ? node["Actual Rows"] * node["Actual Loops"] : 0;
    return (
      own + (node.Plans ?? []).reduce((sum: number, child: Record<string, any>) => sum + rowsRead(child, table), 0)
    );
  }

  async function explain(
    sql: string,
    params: unknown[],
  ): Promise<{ text: string; read: number; rows: number; analyzed: Record<string, any> }> {
    const analyzed = await analyze(api.ds, sql, params);
    return { text: await plan(api.ds, sql, params), read: rowsRead(analyzed), rows: analyzed["Actual Rows"], analyzed };
  }

  beforeAll(async () => {
    [{ id: assetId }] = await api.ds.query(`SELECT id FROM asset WHERE cmc_id = 1007`);
  });

  it("finds the newest buckets walking the unique index backward, reading only their quotes", async () => {
    const { text, read, rows } = await explain(CANDLES_NEWEST_SQL, [assetId, "USD", "1 hour", null, 5]);
    expect(text).toMatch(/Index (Only )?Scan Backward using price_quote_asset_convert_time_key/);
    expect(text).not.toMatch(/Seq Scan on price_quote/);
    expect(rows).toBe(5);
    // 5 hourly buckets hold 300 quotes (+ the newest one, minute 2000, alone in its hour); plus one probe
    // per bucket. Aggregating all 2,000 quotes of the asset (or 40,000 of the table) would show here.
    expect(read).toBeLessThan(400);
  });

  it("walks forward from `from` the same way", async () => {
    const { text, read, rows } = await explain(CANDLES_FROM_SQL, [
      assetId,
      "USD",
      "15 minutes",
      "2026-01-01T03:07:00Z",
      null,
      4,
    ]);
    expect(text).toContain("price_quote_asset_convert_time_key");
    expect(text).not.toMatch(/Seq Scan on price_quote/);
    expect(rows).toBe(4);
    expect(read).toBeLessThan(100);
  });

  it("stays on the index for wide buckets and long ranges", async () => {
    for (const [sql, params] of [
      [CANDLES_NEWEST_SQL, [assetId, "USD", "168 hours", "2026-01-02T00:00:00Z", 1000]],
      [CANDLES_FROM_SQL, [assetId, "USD", "24 hours", "2025-12-01T00:00:00Z", "2026-02-01T00:00:00Z", 1000]],
      [CANDLES_FROM_SQL, [assetId, "USD", "1 minute", "2025-12-01T00:00:00Z", null, 1000]],
    ] as const) {
      const { text } = await explain(sql, [...params]);
      expect(text).toContain("price_quote_asset_convert_time_key");
      expect(text).not.toMatch(/Seq Scan on price_quote/);
    }
  });

  describe("from the rollups", () => {
    // Two more years of history before the minute quotes, a quote every 6 hours (2024-01-01, a Monday,
    // to 2025-12-31 18:00): 731 days for the daily rollup of each of the 20 assets.
    beforeAll(async () => {
      await api.ds.query(`
        INSERT INTO price_quote (asset_id, convert, price, last_updated)
        SELECT a.id, 'USD', 50 + k % 97, timestamptz '2024-01-01' + k * interval '6 hours'
        FROM asset a CROSS JOIN generate_series(0, 731 * 4 - 1) k WHERE a.cmc_id BETWEEN 1000 AND 1019`);
      await rebuildRollups(api.ds, 1000);
      await api.ds.query("ANALYZE price_quote, price_candle_hour, price_candle_day");
    }, 120_000);

    it("reads HOUR and FOUR_HOURS from the hourly rollup's index, and raw quotes only where from/to cut an hour", async () => {
      // The newest 5 hours: 5 rollup rows read backward, no quote at all.
      const newest = await explain(HOURLY_CANDLES_SQL.newest, [assetId, "USD", "1 hour", null, 5]);
      expect(newest.text).toMatch(/Index Scan Backward using price_candle_hour_pkey/);
      expect(newest.text).not.toMatch(/Seq Scan/);
      expect(newest.rows).toBe(5);
      expect(rowsRead(newest.analyzed, "price_candle_hour")).toBe(5);
      expect(newest.read).toBe(0);
      // 03:07 to 09:30 in four-hour candles: hours 04–08 from the rollup, 03:07–04:00 and 09:00–09:30
      // from 53 + 30 quotes (the quote at 09:30 itself is excluded).
      const cut = await explain(HOURLY_CANDLES_SQL.from, [
        assetId,
        "USD",
        "4 hours",
        "2026-01-01T03:07:00Z",
        "2026-01-01T09:30:00Z",
        1000,
      ]);
      expect(cut.text).toMatch(/Index Scan using price_candle_hour_pkey/);
      expect(cut.text).toContain("price_quote_asset_convert_time_key");
      expect(cut.text).not.toMatch(/Seq Scan/);
      expect(cut.rows).toBe(3);
      expect(rowsRead(cut.analyzed, "price_candle_hour")).toBe(5);
      expect(cut.read).toBe(53 + 30);
    });

    it("reads DAY and WEEK from the daily rollup's index, stopping after limit × 7 rows for weeks", async () => {
      for (const [sql, params, candles, days] of [
        [DAILY_CANDLES_SQL.newest, [assetId, "USD", "24 hours", null, 30], 30, 30],
        // The newest two weeks (5 and 7 days) from the newest 14 days read.
        [DAILY_CANDLES_SQL.newest, [assetId, "USD", "168 hours", null, 2], 2, 14],
        // Every week before 2026-01-02: 2024-01-01 to 2026-01-01 is 732 days, in 105 Monday weeks.
        [DAILY_CANDLES_SQL.newest, [assetId, "USD", "168 hours", "2026-01-02T00:00:00Z", 1000], 105, 732],
        [
          DAILY_CANDLES_SQL.from,
          [assetId, "USD", "24 hours", "2025-12-01T00:00:00Z", "2026-02-01T00:00:00Z", 1000],
          33,
          33,
        ],
      ] as const) {
        const { text, read, rows, analyzed } = await explain(sql, [...params]);
        // A plain index scan in key order, or a bitmap scan of the same index where most of the pair is read.
        expect(text).toMatch(/(Index Scan (Backward )?using|Bitmap Index Scan on) price_candle_day_pkey/);
        expect(text).not.toMatch(/Seq Scan/);
        expect(rows).toBe(candles);
        expect(rowsRead(analyzed, "price_candle_day")).toBe(days);
        expect(read).toBe(0);
      }
      // A month of daily candles out of two years touches a handful of pages (EXPLAIN BUFFERS).
      const month = await analyze(api.ds, DAILY_CANDLES_SQL.newest, [assetId, "USD", "24 hours", null, 30]);
      expect(month["Shared Hit Blocks"] + month["Shared Read Blocks"]).toBeLessThan(40);
    });
  });
});
