import type { DataSource } from "typeorm";
import { createLoaders, type Loaders } from "./loaders";

/** What the API tells about ingestion; the ingestion scheduler provides it. */
export interface IngestionStateSource {
  state(): {
    enabled: boolean;
    source: string;
    schedule: string;
    nextRunAt: Date | null;
    projectedMonthlyCredits: number;
    monthlyCreditBudget: number;
  };
}

export interface GraphQLContext {
  dataSource: DataSource;
  /** Configured quote currencies; the first is the default. */
  converts: string[];
  ingestion: IngestionStateSource;
  loaders: Loaders;
}

export interface ContextDeps {
  dataSource: DataSource;
  converts: string[];
  ingestion: IngestionStateSource;
}

/** A fresh context per request, so DataLoader caches never outlive one request. */
export function createContext(deps: ContextDeps): GraphQLContext {
  return { ...deps, loaders: createLoaders(deps.dataSource) };
}
