import type { MigrationInterface } from "typeorm";
import { InitialSchema1795890000000 } from "./1795890000000-initial-schema";
import { IngestionCoordination1795890100000 } from "./1795890100000-ingestion-coordination";

/** Every migration, oldest first; a new one (npm run migration:generate) is added here. */
export const migrations: (new () => MigrationInterface)[] = [
  InitialSchema1795890000000,
  IngestionCoordination1795890100000,
];
