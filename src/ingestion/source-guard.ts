import type { DataSource } from "typeorm";
import { type DataSourceName, describeSource as describe } from "../config";
import { claimPriceSource } from "../db/store/meta";

/**
 * Mock and real prices must never share a database. The first source to use a database is recorded;
 * a later start with another source is refused before anything is written.
 */
export async function guardPriceSource(dataSource: DataSource, source: DataSourceName): Promise<void> {
  const claim = await claimPriceSource(dataSource, source);
  if (claim.kind === "other") {
    throw new Error(
      `this database holds prices from ${describe(claim.source)}; refusing to add prices from ${describe(source)}. ` +
        "Use another database (DATABASE_URL, or DATA_DIR for the embedded one) for this source.",
    );
  }
  if (claim.kind === "unknown-quotes") {
    throw new Error(
      `this database already holds prices of an unknown source; refusing to add prices from ${describe(source)}. ` +
        "Use an empty database for this service.",
    );
  }
}
