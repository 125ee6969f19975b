import type { DataSource } from "typeorm";
import type { AssetRow } from "../db/store/assets";
import type { FeedHub } from "../db/store/feed-hub";
import type { RunRow } from "../db/store/runs";
import { limited, type Sql } from "../db/store/sql";
import { createLoaders, type Loaders } from "./loaders";
import type { IngestionState } from "./types/ingestion-state.type";

/** The asset a tracking mutation changed, or why the request was refused (the client's to fix). */
export type TrackResult = { asset: AssetRow; refused?: undefined } | { asset?: undefined; refused: string };

/**
 * What the API may ask of ingestion. Resolvers never call CMC themselves: ingestion implements
 * this, and service.ts hands it over.
 */
export interface IngestionControl {
  state(): Omit<IngestionState, "lastRun" | "lastSuccessAt" | "converts">;
  runNow(): Promise<{ run: RunRow }>;
  track(selector: { symbol?: string | null; cmcId?: number | null }): Promise<TrackResult>;
  untrack(selector: { symbol?: string | null; cmcId?: number | null }): Promise<TrackResult>;
}

/**
 * A request that missed: the answer is kept if the request turns out to read quote data only,
 * succeeds, and no commit was announced (nor LISTEN lost) between its start and its end.
 */
export interface ResponseTicket {
  readonly key: string;
  readonly generation: number;
  /** The body Apollo sends, set once the operation is known to be cacheable. */
  body?: string;
}

export interface GraphQLContext {
  /** The API's pool, shared by the statements of this request at most REQUEST_STATEMENTS at a time. */
  db: Sql;
  /** Configured quote currencies; the first is the default. */
  converts: string[];
  ingestion: IngestionControl;
  loaders: Loaders;
  /** "admin" with the right bearer token, "anonymous" without one, "invalid" with a wrong one. */
  caller: "admin" | "anonymous" | "invalid";
  /** False when no ADMIN_TOKEN is configured: every mutation is then refused. */
  adminConfigured: boolean;
  /** The replica's quote feed: long polls and subscriptions wait here. */
  hub: FeedHub;
  /** Aborts when the client goes away, releasing a long poll. */
  signal: AbortSignal;
  /** The client's address (the TCP peer), for the per-client cap on waiters. */
  client: string;
  /** Set when the response cache may keep this request's answer (an HTTP request that missed). */
  responseTicket?: ResponseTicket;
}

export interface ContextDeps {
  dataSource: DataSource;
  converts: string[];
  ingestion: IngestionControl;
  adminToken: string | undefined;
  hub: FeedHub;
}

/**
 * Statements one request may run at once. Aliases, root fields and nested lists of one request
 * share these, so a single request cannot take the whole pool from everyone else.
 */
export const REQUEST_STATEMENTS = 2;

/** A fresh context per request, so DataLoader caches and the statement limit never outlive one request. */
export function createContext(
  deps: ContextDeps,
  caller: GraphQLContext["caller"],
  signal: AbortSignal,
  client: string,
): GraphQLContext {
  const db = limited(deps.dataSource, REQUEST_STATEMENTS);
  return {
    hub: deps.hub,
    signal,
    db,
    client,
    converts: deps.converts,
    ingestion: deps.ingestion,
    loaders: createLoaders(db),
    caller,
    adminConfigured: deps.adminToken !== undefined,
  };
}

/** The address a request came from: its TCP peer (behind a proxy, the proxy's). */
export function clientOf(request: { socket: { remoteAddress?: string } }): string {
  return request.socket.remoteAddress ?? "unknown";
}
