import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Pollers must see quotes in the order they became visible, and ids from a sequence are not in
 * commit order (a transaction that took ids earlier can commit later). Each row therefore records
 * its writing transaction's id; every transaction older than a snapshot's xmin has finished, so
 * rows below that frontier can never be joined by new ones: delivering in (tx_id, id) order up to
 * the frontier is gap-free and repeat-free, on any replica.
 */
export class QuoteCommitOrder1795890300000 implements MigrationInterface {
  name = "QuoteCommitOrder1795890300000";

  async up(q: QueryRunner): Promise<void> {
    // xid8 is 64-bit (no wraparound); as bigint it fits TypeORM and an ordinary btree.
    await q.query(`
      CREATE FUNCTION "quote_tx_id"() RETURNS bigint LANGUAGE sql VOLATILE
      AS $$ SELECT pg_current_xact_id()::text::bigint $$`);
    // Every transaction below this id has committed or aborted, as seen by the caller's snapshot.
    await q.query(`
      CREATE FUNCTION "quote_tx_frontier"() RETURNS bigint LANGUAGE sql STABLE
      AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint $$`);
    await q.query(`ALTER TABLE "price_quote" ADD "tx_id" bigint NOT NULL DEFAULT quote_tx_id()`);
    await q.query(`CREATE INDEX "price_quote_tx_order_idx" ON "price_quote" ("tx_id", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "price_quote_tx_order_idx"`);
    await q.query(`ALTER TABLE "price_quote" DROP COLUMN "tx_id"`);
    await q.query(`DROP FUNCTION "quote_tx_frontier"()`);
    await q.query(`DROP FUNCTION "quote_tx_id"()`);
  }
}
