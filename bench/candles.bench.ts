import { beforeAll, bench, describe } from "vitest";
import { CANDLES_NEWEST_SQL } from "../src/db/store/candles";
import { useDatabase } from "../test/support/database";

/**
 * The peer: what a straightforward implementation (or an auto-generated API over the table) runs,
 * aggregating every quote of the asset with date_bin before keeping the newest buckets.
 */
const GROUP_BY_SQL = `
SELECT * FROM (
  SELECT date_bin($3::interval, last_updated, timestamptz '2000-01-03T00:00:00Z') AS start,
         (array_agg(price ORDER BY last_updated))[1] AS open, max(price) AS high, min(price) AS low,
         (array_agg(price ORDER BY last_updated DESC))[1] AS close, count(*) AS samples
  FROM price_quote
  WHERE asset_id = $1 AND convert = $2 AND ($4::timestamptz IS NULL OR last_updated < $4)
  GROUP BY 1 ORDER BY 1 DESC LIMIT $5
) newest ORDER BY start`;

const db = useDatabase({ dataSource: "migrated" });
let assetId: number;

// 30 days of minute quotes for one asset (43,200 rows), next to 9 others.
beforeAll(async () => {
  await db.ds.query(
    `INSERT INTO asset (cmc_id, symbol, name, slug, tracked) SELECT g, 'B' || g, 'B' || g, 'b' || g, true FROM generate_series(1, 10) g`,
  );
  await db.ds.query(`
    INSERT INTO price_quote (asset_id, convert, price, last_updated)
    SELECT a.id, 'USD', 100 + sin(m / 60.0) * 10, timestamptz '2026-01-01' + m * interval '1 minute'
    FROM asset a CROSS JOIN generate_series(0, 43199) m`);
  await db.ds.query("ANALYZE price_quote");
  [{ id: assetId }] = await db.ds.query(`SELECT id FROM asset WHERE cmc_id = 5`);
}, 120_000);

const cases: [string, string, number][] = [
  ["newest 500 MINUTE candles", "1 minute", 500],
  ["newest 24 HOUR candles", "1 hour", 24],
  ["newest 30 DAY candles (all of it)", "24 hours", 30],
];

for (const [name, width, limit] of cases) {
  describe(name, () => {
    bench("quotegraph: index walk per bucket", async () => {
      await db.ds.query(CANDLES_NEWEST_SQL, [assetId, "USD", width, null, limit]);
    });
    bench("peer: date_bin GROUP BY over the range", async () => {
      await db.ds.query(GROUP_BY_SQL, [assetId, "USD", width, null, limit]);
    });
  });
}
