import type { MigrationInterface, QueryRunner } from "typeorm";

export class InitialSchema1795890000000 implements MigrationInterface {
  name = "InitialSchema1795890000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "asset" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "cmc_id" integer NOT NULL,
        "symbol" character varying(30) NOT NULL,
        "name" character varying(200) NOT NULL,
        "slug" character varying(200) NOT NULL,
        "rank" integer,
        "tracked" boolean NOT NULL DEFAULT false,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "asset_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "asset_cmc_id_key" UNIQUE ("cmc_id")
      )`);
    // Several coins share a symbol, but among tracked assets a symbol names exactly one.
    await q.query(`CREATE UNIQUE INDEX "asset_tracked_symbol_key" ON "asset" (upper("symbol")) WHERE "tracked"`);

    await q.query(`
      CREATE TABLE "price_quote" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "asset_id" integer NOT NULL,
        "convert" character varying(10) NOT NULL,
        "price" numeric NOT NULL,
        "volume_24h" numeric,
        "market_cap" numeric,
        "percent_change_1h" numeric,
        "percent_change_24h" numeric,
        "percent_change_7d" numeric,
        "circulating_supply" numeric,
        "last_updated" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ingested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "price_quote_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "price_quote_asset_convert_time_key" UNIQUE ("asset_id", "convert", "last_updated"),
        CONSTRAINT "price_quote_asset_fkey" FOREIGN KEY ("asset_id") REFERENCES "asset"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);

    await q.query(`
      CREATE TABLE "ingestion_run" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "trigger" character varying(16) NOT NULL,
        "status" character varying(16) NOT NULL,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "quotes_fetched" integer NOT NULL DEFAULT '0',
        "quotes_inserted" integer NOT NULL DEFAULT '0',
        "quotes_skipped" integer NOT NULL DEFAULT '0',
        "credits_used" integer NOT NULL DEFAULT '0',
        "error_code" character varying(64),
        "error_message" text,
        CONSTRAINT "ingestion_run_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "ingestion_run_trigger_check" CHECK ("trigger" IN ('SCHEDULE', 'MANUAL', 'STARTUP')),
        CONSTRAINT "ingestion_run_status_check" CHECK ("status" IN ('RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED', 'SKIPPED'))
      )`);
    await q.query(`CREATE INDEX "ingestion_run_started_idx" ON "ingestion_run" ("started_at")`);
    await q.query(`CREATE INDEX "ingestion_run_status_started_idx" ON "ingestion_run" ("status", "started_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "ingestion_run"`);
    await q.query(`DROP TABLE "price_quote"`);
    await q.query(`DROP TABLE "asset"`);
  }
}
