import type { DataSource } from "typeorm";
import type { Asset } from "../db/entities/asset.entity";
import type { IngestionRun } from "../db/entities/ingestion-run.entity";
import type { IngestionStateSnapshot } from "../ingestion/scheduler";
import { createLoaders, type Loaders } from "./loaders";
import type { QuoteFeed } from "./quote-feed";

/** What the API may ask of ingestion; resolvers never call CMC themselves. */
export interface IngestionControl {
  state(): IngestionStateSnapshot;
  runNow(): Promise<{ run: IngestionRun }>;
  track(selector: { symbol?: string | null; cmcId?: number | null }): Promise<Asset>;
  untrack(selector: { symbol?: string | null; cmcId?: number | null }): Promise<Asset>;
}

export interface GraphQLContext {
  dataSource: DataSource;
  /** Configured quote currencies; the first is the default. */
  converts: string[];
  ingestion: IngestionControl;
  loaders: Loaders;
  /** "admin" with the right bearer token, "anonymous" without one, "invalid" with a wrong one. */
  caller: "admin" | "anonymous" | "invalid";
  /** False when no ADMIN_TOKEN is configured: every mutation is then refused. */
  adminConfigured: boolean;
  feed: QuoteFeed;
  /** Aborts when the client goes away, releasing a long poll. */
  signal: AbortSignal;
}

export interface ContextDeps {
  dataSource: DataSource;
  converts: string[];
  ingestion: IngestionControl;
  adminToken: string | undefined;
  feed: QuoteFeed;
}

/** A fresh context per request, so DataLoader caches never outlive one request. */
export function createContext(
  deps: ContextDeps,
  caller: GraphQLContext["caller"],
  signal: AbortSignal,
): GraphQLContext {
  return {
    feed: deps.feed,
    signal,
    dataSource: deps.dataSource,
    converts: deps.converts,
    ingestion: deps.ingestion,
    loaders: createLoaders(deps.dataSource),
    caller,
    adminConfigured: deps.adminToken !== undefined,
  };
}
