import type { DataSource } from "typeorm";
import type { AssetRow } from "../db/store/assets";
import type { FeedListener } from "../db/store/feed-listener";
import type { RunRow } from "../db/store/runs";
import { createLoaders, type Loaders } from "./loaders";
import type { IngestionState } from "./types/ingestion-state.type";

/** The asset a tracking mutation changed, or why the request was refused (the client's to fix). */
export type TrackResult = { asset: AssetRow; refused?: undefined } | { asset?: undefined; refused: string };

/**
 * What the API may ask of ingestion. Resolvers never call CMC themselves: ingestion implements
 * this, and service.ts hands it over.
 */
export interface IngestionControl {
  state(): Omit<IngestionState, "lastRun" | "lastSuccessAt">;
  runNow(): Promise<{ run: RunRow }>;
  track(selector: { symbol?: string | null; cmcId?: number | null }): Promise<TrackResult>;
  untrack(selector: { symbol?: string | null; cmcId?: number | null }): Promise<TrackResult>;
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
  feed: FeedListener;
  /** Aborts when the client goes away, releasing a long poll. */
  signal: AbortSignal;
}

export interface ContextDeps {
  dataSource: DataSource;
  converts: string[];
  ingestion: IngestionControl;
  adminToken: string | undefined;
  feed: FeedListener;
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
