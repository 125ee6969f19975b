import pLimit from "p-limit";

/**
 * What a store function needs to run a statement: a DataSource, or the EntityManager of a
 * transaction it is part of.
 */
export interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The rows a statement returned, as PostgreSQL sent them; each store file maps its own. (TypeORM
 * answers UPDATE and DELETE with `[rows, rowCount]`, every other statement with the rows.)
 */
export async function rowsOf<T>(db: Sql, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const result = (await db.query(sql, parameters)) as unknown[];
  return (Array.isArray(result[0]) && typeof result[1] === "number" ? result[0] : result) as T[];
}

/** The same database, with at most `concurrency` of the statements sent through it running at once. */
export function limited(db: Sql, concurrency: number): Sql {
  const limit = pLimit(concurrency);
  return { query: (sql, parameters) => limit(() => db.query(sql, parameters)) };
}
