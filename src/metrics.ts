import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestHandler } from "express";
import { Kind, type OperationDefinitionNode } from "graphql";
import type { Pool } from "pg";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { DataSource } from "typeorm";
import type { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";
import type { FeedHub } from "./db/store/feed-hub";
import type { ResponseCache } from "./graphql/response-cache";
import type { ConnectionLimits } from "./http/connection-limits";
import type { Ingestion } from "./ingestion/ingestion";

export interface MetricsDeps {
  ingestion: Ingestion;
  /** The API's pool and the writer's (ingestion, LISTEN). */
  pools: Record<"api" | "writer", DataSource>;
  hub: FeedHub;
  responseCache: ResponseCache;
}

/** Paths with their own label; anything else is "other", so scanners cannot grow the label set. */
const ROUTES = new Set(["/graphql", "/healthz", "/readyz", "/metrics", "/"]);

/**
 * Prometheus metrics of one service instance, in its own registry (several instances can share a
 * process in tests). Labels come from the schema and fixed lists, never from client input.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #http: Histogram<"method" | "route" | "status">;
  readonly #graphql: Histogram<"operation" | "field" | "outcome">;
  readonly #refused: Counter<"cap">;

  constructor(deps: MetricsDeps) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#http = new Histogram({
      name: "quotegraph_http_request_duration_seconds",
      help: "HTTP requests by method, route and status code.",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#graphql = new Histogram({
      name: "quotegraph_graphql_operation_duration_seconds",
      help: "GraphQL operations by type, root field and outcome (ok or error).",
      labelNames: ["operation", "field", "outcome"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#ingestion(deps.ingestion);
    this.#database(deps.pools);
    this.#refused = new Counter({
      name: "quotegraph_feed_refused_total",
      help:
        "Long polls answered at once (empty, cursor unchanged) and subscriptions refused, by the cap reached: " +
        "max_waiters, max_waiters_per_client, max_subscriptions_per_socket.",
      labelNames: ["cap"] as const,
      registers,
    });
    this.#feed(deps.hub);
    this.#responseCache(deps.responseCache);
  }

  /** A subscription refused by MAX_SUBSCRIPTIONS_PER_SOCKET (counted where graphql-ws refuses it). */
  refusedSubscription(): void {
    this.#refused.inc({ cap: "max_subscriptions_per_socket" });
  }

  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.#http.startTimer({ method: req.method, route: ROUTES.has(req.path) ? req.path : "other" });
      res.once("finish", () => end({ status: String(res.statusCode) }));
      next();
    };
  }

  /** Open HTTP connections, and those closed on arrival because a cap was reached. */
  observeConnections(connections: ConnectionLimits): void {
    const registers = [this.registry];
    new Gauge({
      name: "quotegraph_http_connections",
      help: "Open HTTP connections (WebSockets included).",
      registers,
      collect() {
        this.set(connections.open);
      },
    });
    const refused = new Counter({
      name: "quotegraph_http_connections_refused_total",
      help: "Connections closed as soon as accepted: total (HTTP_MAX_CONNECTIONS) or per_address (HTTP_MAX_CONNECTIONS_PER_ADDRESS).",
      labelNames: ["reason"] as const,
      registers,
    });
    refused.inc({ reason: "total" }, 0);
    refused.inc({ reason: "per_address" }, 0);
    connections.events.on("refused", (reason) => refused.inc({ reason }));
  }

  graphqlPlugin(): ApolloServerPlugin {
    const histogram = this.#graphql;
    return {
      async requestDidStart() {
        const started = performance.now();
        return {
          async willSendResponse({ operation, errors }) {
            const seconds = (performance.now() - started) / 1000;
            const outcome = errors?.length ? "error" : "ok";
            for (const [type, field] of rootFields(operation)) {
              histogram.observe({ operation: type, field, outcome }, seconds);
            }
          },
        };
      },
    };
  }

  #ingestion(ingestion: Ingestion): void {
    const registers = [this.registry];
    const runs = new Counter({
      name: "quotegraph_ingestion_runs_total",
      help: "Ingestion runs recorded, by trigger and outcome.",
      labelNames: ["trigger", "status"] as const,
      registers,
    });
    const inserted = new Counter({
      name: "quotegraph_quotes_inserted_total",
      help: "Quotes stored by ingestion runs (repeats of a stored CMC minute excluded).",
      registers,
    });
    const credits = new Counter({
      name: "quotegraph_cmc_credits_used_total",
      help: "CoinMarketCap credits spent, per status.credit_count.",
      registers,
    });
    const calls = new Histogram({
      name: "quotegraph_cmc_request_duration_seconds",
      help: "CoinMarketCap requests by endpoint, outcome (ok or the error kind), HTTP status and CMC error code.",
      labelNames: ["endpoint", "outcome", "http_status", "error_code"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    ingestion.events.on("run", ({ run }) => {
      runs.inc({ trigger: run.trigger, status: run.status });
      inserted.inc(run.quotesInserted);
      credits.inc(run.creditsUsed);
    });
    ingestion.events.on("cmc", (call) =>
      calls.observe(
        {
          endpoint: call.endpoint,
          outcome: call.outcome,
          http_status: String(call.httpStatus ?? "none"),
          error_code: String(call.errorCode ?? "none"),
        },
        call.seconds,
      ),
    );
    new Gauge({
      name: "quotegraph_buffered_quotes",
      help: "Fetched quotes waiting in memory for the database to come back.",
      registers,
      collect() {
        this.set(ingestion.buffer.size);
      },
    });
    new Gauge({
      name: "quotegraph_buffered_quotes_dropped",
      help: "Quotes dropped since start because the in-memory buffer was full.",
      registers,
      collect() {
        this.set(ingestion.buffer.dropped);
      },
    });
    new Gauge({
      name: "quotegraph_ingestion_enabled",
      help: "1 while ingestion is scheduled, 0 after CoinMarketCap refused the key.",
      registers,
      collect() {
        this.set(ingestion.state().enabled ? 1 : 0);
      },
    });
  }

  #feed(hub: FeedHub): void {
    const registers = [this.registry];
    this.#gauges([
      [
        "quotegraph_long_poll_waiters",
        "quoteUpdates long polls and quoteAdded subscriptions waiting for new quotes right now.",
        () => hub.waiters,
      ],
      ["quotegraph_subscriptions", "Open quoteAdded subscriptions.", () => hub.subscriptions],
    ]);
    const notifications = new Counter({
      name: "quotegraph_feed_notifications_total",
      help: "Notifications of stored quotes received (one per commit that stored any, from any replica).",
      registers,
    });
    const reads = new Counter({
      name: "quotegraph_feed_reads_total",
      help:
        "Reads of new quotes from the table, by trigger: the replica's hub reads once per notification (notify), " +
        "on its safety re-check while anyone waits (recheck) and after reconnecting (reconnect), whatever the number " +
        "of waiters; request: one request's own read (a poll without waitSeconds, a waiter behind the in-memory " +
        "window, any while the hub cannot read).",
      labelNames: ["trigger"] as const,
      registers,
    });
    hub.events.on("notified", () => notifications.inc());
    hub.events.on("read", (trigger) => reads.inc({ trigger }));
    hub.events.on("refused", (cap) => this.#refused.inc({ cap }));
  }

  #responseCache(cache: ResponseCache): void {
    const registers = [this.registry];
    const lookups = new Counter({
      name: "quotegraph_response_cache_requests_total",
      help:
        "GraphQL POST requests while the response cache is on, by outcome: hit (answered from memory), miss " +
        "(a cacheable answer computed, then kept unless a commit came meanwhile), uncacheable (other fields, " +
        "a mutation, errors).",
      labelNames: ["outcome"] as const,
      registers,
    });
    const evictions = new Counter({
      name: "quotegraph_response_cache_evictions_total",
      help: "Answers dropped to stay within RESPONSE_CACHE_MB (least recently used first).",
      registers,
    });
    const emptied = new Counter({
      name: "quotegraph_response_cache_emptied_total",
      help:
        "Times the response cache was emptied, by reason: a commit that wrote quotes or assets (any replica), " +
        "listen_lost (off until LISTEN is back), stopped.",
      labelNames: ["reason"] as const,
      registers,
    });
    for (const outcome of ["hit", "miss", "uncacheable"] as const) lookups.inc({ outcome }, 0);
    for (const reason of ["quotes", "assets", "listen_lost", "stopped"] as const) emptied.inc({ reason }, 0);
    cache.events.on("lookup", (outcome) => lookups.inc({ outcome }));
    cache.events.on("evicted", () => evictions.inc());
    cache.events.on("emptied", (reason) => emptied.inc({ reason }));
    this.#gauges([
      ["quotegraph_response_cache_bytes", "Bytes the response cache holds (bodies and keys).", () => cache.bytes],
      ["quotegraph_response_cache_entries", "Answers the response cache holds.", () => cache.entries],
      [
        "quotegraph_response_cache_enabled",
        "1 while the response cache serves; 0 with RESPONSE_CACHE_MB=0 or while the LISTEN connection is down.",
        () => (cache.enabled ? 1 : 0),
      ],
    ]);
  }

  /** Gauges read when scraped. */
  #gauges(gauges: [name: string, help: string, read: () => number][]): void {
    for (const [name, help, read] of gauges) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    }
  }

  #database(pools: Record<"api" | "writer", DataSource>): void {
    new Gauge({
      name: "quotegraph_db_pool_connections",
      help: "Database pool connections by pool (api, writer) and state: total, idle, and callers waiting for one.",
      labelNames: ["pool", "state"] as const,
      registers: [this.registry],
      collect() {
        for (const [name, dataSource] of Object.entries(pools)) {
          const p = (dataSource.driver as PostgresDriver).master as Pool | undefined;
          this.set({ pool: name, state: "total" }, p?.totalCount ?? 0);
          this.set({ pool: name, state: "idle" }, p?.idleCount ?? 0);
          this.set({ pool: name, state: "waiting" }, p?.waitingCount ?? 0);
        }
      },
    });
  }
}

/** [operation type, root field] pairs: bounded by the schema, unlike client-chosen operation names. */
function rootFields(operation: OperationDefinitionNode | undefined): [string, string][] {
  if (!operation) return [["unknown", "unknown"]];
  const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
  return (fields.length ? fields : ["fragment"]).map((field) => [operation.operation, field]);
}
