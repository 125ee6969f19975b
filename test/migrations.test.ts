import type { DataSource } from "typeorm";
import { describe, expect, it } from "vitest";
import { migrations } from "../src/db/migrations";
import { LATEST_FINAL_SQL, UPDATES_SQL } from "../src/db/store/feed";
import { LATEST_QUOTES_SQL } from "../src/db/store/quotes";
import { openMigratedDatabase } from "../src/service";
import { createTestDatabase, quietLogger, testConfig, useDatabase } from "./support/database";
import { plan, seedMinuteQuotes } from "./support/explain";
import { NO_DIFFERENCES, rollupDifferences } from "./support/rollups";

const TABLES = [
  "asset",
  "ingestion_claim",
  "ingestion_run",
  "price_candle_day",
  "price_candle_hour",
  "price_quote",
  "service_meta",
];

async function tables(ds: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}

describe("migrations", () => {
  const db = useDatabase({ dataSource: "empty" });

  it("go up on an empty database, match the entities exactly, go down to nothing and up again", async () => {
    expect(await tables(db.ds)).toEqual([]);
    expect(await db.ds.showMigrations()).toBe(true);

    const applied = await db.ds.runMigrations({ transaction: "each" });
    expect(applied.map((m) => m.name)).toEqual(migrations.map((M) => new M().name));
    expect(applied[0].name).toBe("InitialSchema1795890000000");
    expect(await tables(db.ds)).toEqual(TABLES);
    expect(await db.ds.showMigrations()).toBe(false);
    // What TypeORM would change to make the database match the entities: nothing.
    const drift = await db.ds.driver.createSchemaBuilder().log();
    expect(drift.upQueries.map((q) => q.query)).toEqual([]);

    for (const _ of applied) await db.ds.undoLastMigration({ transaction: "each" });
    expect(await tables(db.ds)).toEqual([]);
    await db.ds.runMigrations({ transaction: "each" });
    expect(await tables(db.ds)).toEqual(TABLES);
  });

  it("store a quote once per (asset, convert, last_updated)", async () => {
    const [{ id: assetId }] = await db.ds.query(
      `INSERT INTO asset (cmc_id, symbol, name, slug, rank, tracked) VALUES (1, 'BTC', 'Bitcoin', 'bitcoin', 1, true) RETURNING id`,
    );
    const insert = `INSERT INTO price_quote (asset_id, convert, price, last_updated) VALUES ($1, 'USD', $2, '2026-01-05T00:01:00Z')`;
    await db.ds.query(insert, [assetId, "67021.28"]);
    await expect(db.ds.query(insert, [assetId, "67000"])).rejects.toThrow(/price_quote_asset_convert_time_key/);
    const conflict = await db.ds.query(
      `${insert} ON CONFLICT ON CONSTRAINT price_quote_asset_convert_time_key DO NOTHING RETURNING id`,
      [assetId, "1"],
    );
    expect(conflict).toEqual([]);
    const [row] = await db.ds.query(`SELECT price::text AS price FROM price_quote WHERE asset_id = $1`, [assetId]);
    expect(row.price).toBe("67021.28");
  });

  it("keep tracked symbols unique regardless of case, untracked namesakes allowed", async () => {
    await expect(
      db.ds.query(
        `INSERT INTO asset (cmc_id, symbol, name, slug, tracked) VALUES (30938, 'btc', 'Satoshi Pumpomoto', 'spm', true)`,
      ),
    ).rejects.toThrow(/asset_tracked_symbol_key/);
    await db.ds.query(
      `INSERT INTO asset (cmc_id, symbol, name, slug, tracked) VALUES (30938, 'BTC', 'Satoshi Pumpomoto', 'spm', false)`,
    );
    const [{ count }] = await db.ds.query(`SELECT count(*)::int AS count FROM asset WHERE upper(symbol) = 'BTC'`);
    expect(count).toBe(2);
  });

  it("serve the latest quote per asset and a history range from the unique index, not a sequential scan", async () => {
    await seedMinuteQuotes(db.ds);
    const latest = await plan(db.ds, LATEST_QUOTES_SQL, [
      [1, 2, 3],
      ["USD", "USD", "USD"],
    ]);
    expect(latest).toContain("price_quote_asset_convert_time_key");
    expect(latest).not.toMatch(/Seq Scan on price_quote/);
    const history = await plan(
      db.ds,
      `SELECT * FROM price_quote WHERE asset_id = $1 AND convert = $2 AND last_updated >= $3 AND last_updated < $4 ORDER BY last_updated DESC LIMIT 100`,
      [3, "USD", "2026-01-01T10:00:00Z", "2026-01-01T12:00:00Z"],
    );
    expect(history).toContain("price_quote_asset_convert_time_key");
    expect(history).not.toMatch(/Seq Scan on price_quote/);
    // The polling feed: a range scan from the cursor in commit order, and the starting point per asset.
    const updates = await plan(db.ds, UPDATES_SQL, ["0", "0", null, ["USD"], 501]);
    expect(updates).toContain("price_quote_tx_order_idx");
    expect(updates).not.toMatch(/Seq Scan on price_quote/);
    const start = await plan(db.ds, LATEST_FINAL_SQL, [[1, 2, 3], ["USD"]]);
    expect(start).toContain("price_quote_asset_convert_time_key");
    expect(start).not.toMatch(/Seq Scan on price_quote/);
  });

  it("build the candle rollups of the quotes already stored when they are created", async () => {
    // The quotes seeded above (40,000 and more); without their rollups, as a database from before them.
    await db.ds.undoLastMigration({ transaction: "each" });
    expect(await tables(db.ds)).not.toContain("price_candle_hour");
    await db.ds.query(
      `INSERT INTO price_quote (asset_id, convert, price, last_updated)
       SELECT id, 'EUR', 3, timestamptz '2026-01-01T00:00:30Z' FROM asset`,
    );
    const [applied] = await db.ds.runMigrations({ transaction: "each" });
    expect(applied.name).toBe("CandleRollups1795890400000");
    expect(await rollupDifferences(db.ds)).toEqual(NO_DIFFERENCES);
    const [{ hours, samples }] = await db.ds.query(
      `SELECT count(*)::int AS hours, sum(samples)::int AS samples FROM price_candle_hour`,
    );
    const [{ quotes }] = await db.ds.query(`SELECT count(*)::int AS quotes FROM price_quote`);
    expect(samples).toBe(quotes);
    expect(hours).toBeGreaterThan(20 * 33);
  });

  it("let replicas starting together on an empty database take turns: one migrates, the others find nothing to do", async () => {
    const fresh = await createTestDatabase();
    const replicas = await Promise.all([1, 2, 3].map(() => openMigratedDatabase(testConfig(fresh), quietLogger)));
    try {
      const [{ count }] = await replicas[0].dataSource.query(`SELECT count(*)::int AS count FROM typeorm_migrations`);
      expect(count).toBe(migrations.length);
    } finally {
      await Promise.all(replicas.map((r) => r.dataSource.destroy()));
      await fresh.drop();
    }
  });
});
