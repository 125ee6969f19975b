import type { MigrationInterface } from "typeorm";
import { InitialSchema1795890000000 } from "./1795890000000-initial-schema";
import { IngestionCoordination1795890100000 } from "./1795890100000-ingestion-coordination";
import { QuoteCommitOrder1795890300000 } from "./1795890300000-quote-commit-order";
import { CandleRollups1795890400000 } from "./1795890400000-candle-rollups";

/** Every migration, oldest first; a new one (npm run migration:generate) is added here. */
export const migrations: (new () => MigrationInterface)[] = [
  InitialSchema1795890000000,
  IngestionCoordination1795890100000,
  QuoteCommitOrder1795890300000,
  CandleRollups1795890400000,
];
