import type { DataSource, Migration } from "typeorm";
import { rowsOf, type Sql } from "./sql";

/** Any fixed number: replicas agree on it to take turns at migrating. */
const MIGRATION_LOCK = 7_406_202_611;

/**
 * Applies pending migrations. Replicas starting together on a fresh database would race to create
 * the same tables; a session-level advisory lock lets one migrate while the others wait, then find
 * nothing to do.
 */
export async function migrateExclusively(db: DataSource): Promise<Migration[]> {
  const lock = db.createQueryRunner();
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    return await db.runMigrations({ transaction: "each" });
  } finally {
    await lock.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}

/** Names of the migrations applied to this database. */
export async function appliedMigrations(db: Sql): Promise<Set<string>> {
  const rows: { name: string }[] = await rowsOf(db, `SELECT name FROM typeorm_migrations`);
  return new Set(rows.map((row) => row.name));
}
