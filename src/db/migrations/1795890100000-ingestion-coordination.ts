import type { MigrationInterface, QueryRunner } from "typeorm";

export class IngestionCoordination1795890100000 implements MigrationInterface {
  name = "IngestionCoordination1795890100000";

  async up(q: QueryRunner): Promise<void> {
    // One row per scheduled tick (or start-up window): the replica that inserts it makes the CMC call.
    await q.query(`
      CREATE TABLE "ingestion_claim" (
        "slot" character varying(80) NOT NULL,
        "instance" character varying(120) NOT NULL,
        "claimed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "ingestion_claim_pkey" PRIMARY KEY ("slot")
      )`);
    await q.query(`CREATE INDEX "ingestion_claim_claimed_idx" ON "ingestion_claim" ("claimed_at")`);
    // Facts about the database as a whole, such as which price source fills it.
    await q.query(`
      CREATE TABLE "service_meta" (
        "key" character varying(64) NOT NULL,
        "value" text NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "service_meta_pkey" PRIMARY KEY ("key")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "service_meta"`);
    await q.query(`DROP TABLE "ingestion_claim"`);
  }
}
