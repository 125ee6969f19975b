import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { insertQuotes, insertQuotesIn, type NewQuote } from "../src/db/store/quotes";
import { rebuildRollups } from "../src/db/store/rollups";
import { useDatabase } from "./support/database";
import { NO_DIFFERENCES, rollupDifferences } from "./support/rollups";
import { spawnService } from "./support/service-process";
import { newQuote } from "./support/store-fixtures";

const REBUILD = path.resolve(__dirname, "../dist/src/rollups-rebuild.js");
const MINUTE = 60_000;
/** The bulk load: every 5 minutes for 10 days from here, for 3 assets in 2 currencies. */
const T0 = Date.UTC(2026, 0, 1);
const BULK_MINUTES = 10 * 24 * 60;

const quoteAt = (assetId: number, convert: string, at: number, price: number): NewQuote =>
  newQuote({ assetId, convert, price: String(price), lastUpdated: new Date(at) });

describe("npm run rollups:rebuild", () => {
  const db = useDatabase({ dataSource: "migrated" });

  async function rollupRows(): Promise<unknown[]> {
    return db.ds.query(
      `SELECT 'hour' AS t, h.*, h.open::text AS open FROM price_candle_hour h
       UNION ALL SELECT 'day', d.*, d.open::text FROM price_candle_day d ORDER BY 1, 2, 3, 4`,
    );
  }

  it("rebuilds rollups to the raw aggregation, twice at once, while quotes keep being stored; once more changes nothing", async () => {
    const assets: { id: number }[] = await db.ds.query(
      `INSERT INTO asset (cmc_id, symbol, name, slug) SELECT g, 'R' || g, 'R' || g, 'r' || g
       FROM generate_series(1, 3) g RETURNING id`,
    );
    const pairs = assets.flatMap(({ id }) => ["USD", "EUR"].map((convert) => ({ assetId: id, convert })));
    // Written around the store, as a bulk load or a restore would be: no rollup rows for any of it …
    await db.ds.query(
      `INSERT INTO price_quote (asset_id, convert, price, last_updated)
       SELECT a.id, c.convert, 100 + (a.id * 7 + m) % 91, $1::timestamptz + m * interval '1 minute'
       FROM asset a CROSS JOIN (VALUES ('USD'), ('EUR')) c(convert) CROSS JOIN generate_series(0, $2 - 1, 5) m`,
      [new Date(T0), BULK_MINUTES],
    );
    // … and rows left over from quotes since deleted, and a wrong one.
    await insertQuotes(db.ds, [quoteAt(assets[0].id, "JPY", Date.UTC(2025, 5, 1), 1)]);
    await db.ds.query(`DELETE FROM price_quote WHERE convert = 'JPY'`);
    await insertQuotes(db.ds, [quoteAt(assets[1].id, "USD", T0 + 5 * MINUTE, 1)]);
    await db.ds.query(`UPDATE price_candle_hour SET samples = 99`);
    expect(await rollupDifferences(db.ds)).not.toEqual(NO_DIFFERENCES);

    // A storing transaction is open as the rebuilds start: they wait for it and count its quotes.
    const held = db.ds.createQueryRunner();
    await held.connect();
    onTestFinished(() => held.release());
    await held.startTransaction();
    await insertQuotesIn(
      held,
      pairs.map((p) => quoteAt(p.assetId, p.convert, T0 + 3 * MINUTE, 7)),
    );
    const env = { DATABASE_URL: db.url, LOG_LEVEL: "info" };
    const rebuilds = [spawnService(env, { main: REBUILD }), spawnService(env, { main: REBUILD })];
    onTestFinished(() => {
      for (const r of rebuilds) r.child.kill();
    });
    await expect
      .poll(
        async () =>
          (
            await db.ds.query(
              `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'price_quote'::regclass`,
            )
          )[0].n,
        { timeout: 60_000 },
      )
      .toBe(2);
    await held.commitTransaction();

    // Ingestion goes on while they run: new quotes, late ones inside the rebuilt range, and repeats.
    let exited = false;
    const done = Promise.all(rebuilds.map((r) => r.exited)).finally(() => {
      exited = true;
    });
    let batches = 0;
    for (let k = 1; !exited; k++) {
      await insertQuotes(
        db.ds,
        pairs.flatMap((p, i) => [
          quoteAt(p.assetId, p.convert, T0 + BULK_MINUTES * MINUTE + k * MINUTE, 200 + i),
          quoteAt(p.assetId, p.convert, T0 + ((k * 7919) % BULK_MINUTES) * MINUTE + 17_000, 50 + (k % 13)),
          quoteAt(p.assetId, p.convert, T0 + ((k * 10) % BULK_MINUTES) * MINUTE, 1),
        ]),
      );
      batches += 1;
    }
    const codes = await done;
    expect(codes.map((c) => c.code)).toEqual([0, 0]);
    for (const rebuild of rebuilds) {
      const report = await rebuild.waitForLog((l) => l.msg === "candle rollups rebuilt");
      // 6 pairs and the leftover JPY one; a chunk per day: 10 per pair, the leftover's one, and what ingestion added.
      expect(report.pairs).toBe(7);
      expect(report.chunks).toBeGreaterThanOrEqual(6 * 10 + 1);
    }
    expect(batches).toBeGreaterThan(0);
    expect(await rollupDifferences(db.ds)).toEqual(NO_DIFFERENCES);
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM price_candle_hour WHERE convert = 'JPY'`);
    expect(n).toBe(0);

    const before = await rollupRows();
    // Ingestion went on into an 11th day.
    expect(await rebuildRollups(db.ds)).toEqual({ pairs: 6, chunks: 6 * 11 });
    expect(await rollupRows()).toEqual(before);
    console.log(
      `rollups:rebuild: ${batches} batches stored while two rebuilds ran`,
      rebuilds.map((r) => r.logs.find((l) => l.msg === "candle rollups rebuilt")),
    );
  }, 180_000);
});
