import type { DataSource } from "typeorm";
import type { DataSourceName } from "../config";

const KEY = "price_source";
const MOCK: readonly DataSourceName[] = ["coinmarketcap-sandbox", "simulator"];

const describe = (source: string) => (MOCK.includes(source as DataSourceName) ? `${source} (mock data)` : source);

/**
 * Mock and real prices must never share a database. The first source to use a database is recorded;
 * a later start with another source is refused before anything is written.
 */
export async function guardPriceSource(dataSource: DataSource, source: DataSourceName): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(`LOCK TABLE service_meta IN SHARE ROW EXCLUSIVE MODE`);
    const [recorded] = (await manager.query(`SELECT value FROM service_meta WHERE key = $1`, [KEY])) as {
      value: string;
    }[];
    if (recorded && recorded.value !== source) {
      throw new Error(
        `this database holds prices from ${describe(recorded.value)}; refusing to add prices from ${describe(source)}. ` +
          "Use another database (DATABASE_URL, or DATA_DIR for the embedded one) for this source.",
      );
    }
    if (!recorded) {
      const [{ quotes }] = (await manager.query(`SELECT EXISTS (SELECT 1 FROM price_quote) AS quotes`)) as {
        quotes: boolean;
      }[];
      if (quotes) {
        throw new Error(
          `this database already holds prices of an unknown source; refusing to add prices from ${describe(source)}. ` +
            "Use an empty database for this service.",
        );
      }
      await manager.query(`INSERT INTO service_meta (key, value) VALUES ($1, $2)`, [KEY, source]);
    }
  });
}
