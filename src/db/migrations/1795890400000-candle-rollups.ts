import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hourly and daily candles kept beside the raw quotes, so HOUR/FOUR_HOURS and DAY/WEEK candles read
 * one row per hour or day instead of every quote. Open and close keep the `last_updated` they came
 * from: a late quote replaces the open or close only when it is earlier or later than it, so rows
 * can be merged in any order. The primary key (asset, convert, bucket start) is the index the
 * candle reads walk and the ingestion upserts hit.
 */
export class CandleRollups1795890400000 implements MigrationInterface {
  name = "CandleRollups1795890400000";

  async up(q: QueryRunner): Promise<void> {
    for (const [table, width] of TABLES) {
      await q.query(`
        CREATE TABLE "${table}" (
          "asset_id" integer NOT NULL,
          "convert" character varying(10) NOT NULL,
          "bucket_start" TIMESTAMP WITH TIME ZONE NOT NULL,
          "open" numeric NOT NULL,
          "open_last_updated" TIMESTAMP WITH TIME ZONE NOT NULL,
          "high" numeric NOT NULL,
          "low" numeric NOT NULL,
          "close" numeric NOT NULL,
          "close_last_updated" TIMESTAMP WITH TIME ZONE NOT NULL,
          "samples" integer NOT NULL,
          CONSTRAINT "${table}_pkey" PRIMARY KEY ("asset_id", "convert", "bucket_start"),
          CONSTRAINT "${table}_asset_fkey" FOREIGN KEY ("asset_id") REFERENCES "asset"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        )`);
      // The quotes stored before this migration; from now on the store maintains the rows as it inserts quotes.
      await q.query(`
        INSERT INTO "${table}" (asset_id, convert, bucket_start, open, open_last_updated, high, low, close,
                                close_last_updated, samples)
        SELECT asset_id, convert, date_bin('${width}', last_updated, timestamptz '2000-01-03T00:00:00Z'),
               (array_agg(price ORDER BY last_updated))[1], min(last_updated), max(price), min(price),
               (array_agg(price ORDER BY last_updated DESC))[1], max(last_updated), count(*)
        FROM price_quote
        GROUP BY 1, 2, 3`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of [...TABLES].reverse()) await q.query(`DROP TABLE "${table}"`);
  }
}

/** Fixed-width UTC buckets: a day is 24 hours, whatever the session's time zone. */
const TABLES = [
  ["price_candle_hour", "1 hour"],
  ["price_candle_day", "24 hours"],
] as const;
