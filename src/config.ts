import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { inspect, parseEnv } from "node:util";
import { parseExpression } from "cron-parser";
import { z } from "zod";

/** Holds a secret so that logging, JSON or string conversion never shows it. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspect.custom](): string {
    return "[redacted]";
  }
}

export const CMC_PRODUCTION_URL = "https://pro-api.coinmarketcap.com";
export const CMC_SANDBOX_URL = "https://sandbox-api.coinmarketcap.com";
/** CMC's published key for its sandbox; mock data only, so it is no secret. */
export const CMC_SANDBOX_KEY = "b54bcf4d-1bca-4e8e-9a24-22ff2c3d462c";

export type DataSourceName = "coinmarketcap" | "coinmarketcap-sandbox" | "simulator" | "custom";

const MOCK_SOURCES: readonly DataSourceName[] = ["coinmarketcap-sandbox", "simulator"];

/** A source's name as people read it: "simulator (mock data)", "coinmarketcap". */
export const describeSource = (source: string): string =>
  MOCK_SOURCES.includes(source as DataSourceName) ? `${source} (mock data)` : source;
export type DbSslMode = "off" | "require" | "verify-full";

export interface ExternalDatabase {
  kind: "external";
  host: string;
  port: number;
  user: string;
  password: Secret | undefined;
  database: string;
  ssl: { mode: DbSslMode; caPath: string | undefined };
  poolMax: number;
  statementTimeoutMs: number;
}

export interface EmbeddedDatabase {
  kind: "embedded";
  /** One cluster per data source, so mock and real prices never share a database. */
  clusterDir: string;
  /** Connections the API's reads may use; ingestion and LISTEN have a few of their own. */
  poolMax: number;
  /** Longest an API statement may run; 0: no limit. */
  statementTimeoutMs: number;
}

export interface Config {
  /** Unset is neither: no stack traces (only development shows them), Sandbox and introspection on. */
  nodeEnv: "development" | "production" | "test" | undefined;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  http: {
    host: string;
    port: number;
    corsOrigins: string[];
    /** A connection must have sent a request's whole header within this (from its first byte, or from opening). */
    headersTimeoutMs: number;
    /** …and the whole request, body included. Answers may take longer: long polls wait up to 30 s. */
    requestTimeoutMs: number;
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: number;
    /** Open connections in all; undefined: derived at start from the open-file limit (src/http/connection-limits.ts). */
    maxConnections: number | undefined;
    /** Open connections per client address; 0: no cap (behind a load balancer, whose addresses all clients share). */
    maxConnectionsPerAddress: number;
    /** Health and metrics on their own listener at this port (on `host`); undefined: on `port` with the API. */
    metricsPort: number | undefined;
  };
  graphql: { introspection: boolean; maxDepth: number; maxComplexity: number };
  database: ExternalDatabase | EmbeddedDatabase;
  dataDir: string;
  cmc: {
    source: DataSourceName;
    baseUrl: string;
    /** The base URL as it may be shown: no credentials, no query. */
    displayUrl: string;
    apiKey: Secret;
    monthlyCredits: number;
  };
  trackedSymbols: string[];
  converts: string[];
  /** A user-set cron expression; undefined means "derive one from the credit budget". */
  ingestCron: string | undefined;
  adminToken: Secret | undefined;
  /** Upper bound for a clean stop on SIGTERM/SIGINT; past it the process exits with code 1. */
  shutdownTimeoutMs: number;
  /**
   * Caps on the quote feed's waiters: long polls waiting (quoteUpdates with waitSeconds) and open
   * subscriptions, in all and per client address (0: no cap, behind a load balancer); operations
   * at a time on one WebSocket.
   */
  feed: { maxWaiters: number; maxWaitersPerClient: number; maxSubscriptionsPerSocket: number };
  /** Bound of the commit-aware response cache, in bytes (RESPONSE_CACHE_MB × 1 MiB); 0: no cache. */
  responseCacheBytes: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalText = z.preprocess(blankToUndefined, z.string().trim().optional());
const integer = (min: number, max: number, what: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, { message: what })
      .transform(Number)
      .pipe(z.number().int().min(min, { message: what }).max(max, { message: what }))
      .optional(),
  );
const list = (itemPattern: RegExp, what: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((s) => s.split(",").map((item) => item.trim().toUpperCase()))
      .pipe(z.array(z.string().regex(itemPattern, { message: what })).min(1, { message: what }))
      .transform((items) => [...new Set(items)])
      .optional(),
  );

/** Values are never echoed for these: they are or may contain secrets. */
const SECRET_VARIABLES = new Set(["DATABASE_URL", "DB_PASS", "CMC_API_KEY", "ADMIN_TOKEN", "CMC_BASE_URL"]);

const envSchema = z.object({
  NODE_ENV: z.preprocess(
    blankToUndefined,
    z.enum(["development", "production", "test"], { message: "must be development, production or test" }).optional(),
  ),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        message: "must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .optional(),
  ),
  PORT: integer(0, 65535, "must be a whole number from 0 to 65535 (0 picks a free port)"),
  METRICS_PORT: integer(0, 65535, "must be a whole number from 0 to 65535 (0 picks a free port)"),
  HOST: optionalText,
  CORS_ORIGINS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((s) => s.split(",").map((o) => o.trim()))
      .pipe(
        z.array(
          z.string().refine((o) => o === "*" || isOrigin(o), {
            message: "must be * or a comma-separated list of origins such as https://dashboard.example.com",
          }),
        ),
      )
      .optional(),
  ),
  HTTP_HEADERS_TIMEOUT_MS: integer(1000, 300_000, "must be a whole number of milliseconds from 1000 to 300000"),
  HTTP_REQUEST_TIMEOUT_MS: integer(1000, 300_000, "must be a whole number of milliseconds from 1000 to 300000"),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(1000, 300_000, "must be a whole number of milliseconds from 1000 to 300000"),
  HTTP_MAX_CONNECTIONS: integer(1, 1_000_000, "must be a whole number from 1 to 1000000"),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: integer(0, 1_000_000, "must be a whole number from 0 (no cap) to 1000000"),
  GRAPHQL_MAX_DEPTH: integer(2, 100, "must be a whole number from 2 to 100"),
  GRAPHQL_MAX_COMPLEXITY: integer(10, 10_000_000, "must be a whole number from 10 to 10000000"),
  GRAPHQL_INTROSPECTION: z.preprocess(
    blankToUndefined,
    z.enum(["true", "false"], { message: "must be true or false" }).optional(),
  ),
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(isPostgresUrl, {
        message: "must be a URL of the form postgres://user:password@host:5432/database",
      })
      .optional(),
  ),
  DB_HOST: optionalText,
  DB_PORT: integer(1, 65535, "must be a whole number from 1 to 65535"),
  DB_USER: optionalText,
  DB_PASS: z.preprocess(blankToUndefined, z.string().optional()),
  DB_NAME: optionalText,
  DB_SSL: z.preprocess(
    blankToUndefined,
    z.enum(["off", "require", "verify-full"], { message: "must be off, require or verify-full" }).optional(),
  ),
  DB_SSL_CA: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((p) => existsSync(p), {
        message: "must be the path of a readable CA bundle file (for RDS: global-bundle.pem)",
      })
      .optional(),
  ),
  DB_POOL_MAX: integer(1, 1000, "must be a whole number from 1 to 1000"),
  DB_STATEMENT_TIMEOUT_MS: integer(0, 600_000, "must be a whole number of milliseconds from 0 to 600000 (0: no limit)"),
  DATA_DIR: optionalText,
  CMC_API_KEY: optionalText,
  CMC_BASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(isHttpUrl, { message: "must be an http(s) URL such as https://pro-api.coinmarketcap.com" })
      .optional(),
  ),
  CMC_MONTHLY_CREDITS: integer(1, 1_000_000_000, "must be a whole number of credits, at least 1"),
  TRACKED_SYMBOLS: list(/^[A-Z0-9$@._-]{1,30}$/, "must be a comma-separated list of coin symbols such as BTC,ETH"),
  CONVERT: list(/^[A-Z0-9]{2,10}$/, "must be a comma-separated list of currency codes such as USD,EUR,BTC").pipe(
    z.array(z.string()).max(120, { message: "must name at most 120 currencies (CoinMarketCap's limit)" }).optional(),
  ),
  INGEST_CRON: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .refine(isCron, {
        message: 'must be a cron expression of 5 fields, or 6 with seconds first, such as "*/5 * * * *"',
      })
      .optional(),
  ),
  ADMIN_TOKEN: z.preprocess(
    blankToUndefined,
    z.string().min(16, { message: "must be at least 16 characters long" }).optional(),
  ),
  SHUTDOWN_TIMEOUT_MS: integer(1000, 600_000, "must be a whole number of milliseconds from 1000 to 600000"),
  MAX_WAITERS: integer(1, 1_000_000, "must be a whole number from 1 to 1000000"),
  MAX_WAITERS_PER_CLIENT: integer(0, 1_000_000, "must be a whole number from 0 (no cap) to 1000000"),
  MAX_SUBSCRIPTIONS_PER_SOCKET: integer(1, 1000, "must be a whole number from 1 to 1000"),
  RESPONSE_CACHE_MB: integer(0, 65_536, "must be a whole number of megabytes (MiB) from 0 (no cache) to 65536"),
  QUOTEGRAPH_SOURCE: z.preprocess(
    blankToUndefined,
    z.enum(["simulator"], { message: "is set by `npm run demo` only and must be simulator" }).optional(),
  ),
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value.replace(/\/$/, "");
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function isCron(value: string): boolean {
  const fields = value.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return false;
  try {
    parseExpression(value);
    return true;
  } catch {
    return false;
  }
}

/** Reads `.env` from the working directory, if present; real environment variables win. */
export function readEnv(env: Env = process.env, envFile = path.resolve(".env")): Env {
  if (!existsSync(envFile)) return env;
  let fromFile: Env;
  try {
    fromFile = parseEnv(readFileSync(envFile, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read ${envFile}: ${(error as Error).message}`);
  }
  return { ...fromFile, ...env };
}

export function loadConfig(env: Env = readEnv()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0]);
      const raw = env[variable];
      const shown = SECRET_VARIABLES.has(variable) || raw === undefined ? "" : ` (got ${JSON.stringify(raw)})`;
      return `${variable} ${issue.message}${shown}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR ?? "./data");
  const cmc = resolveCmc(e.CMC_API_KEY, e.CMC_BASE_URL, e.QUOTEGRAPH_SOURCE, e.CMC_MONTHLY_CREDITS);
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === "test" ? "warn" : "info"),
    http: resolveHttp(e),
    graphql: {
      introspection: e.GRAPHQL_INTROSPECTION ? e.GRAPHQL_INTROSPECTION === "true" : e.NODE_ENV !== "production",
      maxDepth: e.GRAPHQL_MAX_DEPTH ?? 10,
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY ?? 20_000,
    },
    database: resolveDatabase(e, dataDir, cmc.source),
    dataDir,
    cmc,
    trackedSymbols: e.TRACKED_SYMBOLS ?? ["BTC", "ETH"],
    converts: e.CONVERT ?? ["USD"],
    ingestCron: e.INGEST_CRON,
    adminToken: e.ADMIN_TOKEN === undefined ? undefined : new Secret(e.ADMIN_TOKEN),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    feed: resolveFeed(e),
    responseCacheBytes: (e.RESPONSE_CACHE_MB ?? 64) * 1024 * 1024,
  };
}

function resolveFeed(e: z.infer<typeof envSchema>): Config["feed"] {
  const maxWaiters = e.MAX_WAITERS ?? 10_000;
  if (e.MAX_WAITERS_PER_CLIENT !== undefined && e.MAX_WAITERS_PER_CLIENT > maxWaiters) {
    // 0 (no cap) passes: it is not above anything.
    throw new ConfigError(
      `invalid configuration: MAX_WAITERS_PER_CLIENT must not exceed MAX_WAITERS (${maxWaiters}) (got "${e.MAX_WAITERS_PER_CLIENT}")`,
    );
  }
  return {
    maxWaiters,
    maxWaitersPerClient: e.MAX_WAITERS_PER_CLIENT ?? Math.min(1_000, maxWaiters),
    maxSubscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET ?? 20,
  };
}

function resolveHttp(e: z.infer<typeof envSchema>): Config["http"] {
  const headersTimeoutMs = e.HTTP_HEADERS_TIMEOUT_MS ?? 10_000;
  const requestTimeoutMs = e.HTTP_REQUEST_TIMEOUT_MS ?? Math.max(30_000, headersTimeoutMs);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `invalid configuration: HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not be longer than HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}): the header is part of the request`,
    );
  }
  const port = e.PORT ?? 4000;
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === port) {
    throw new ConfigError(
      `invalid configuration: METRICS_PORT must differ from PORT (${port}): it is the port of health and metrics alone (got "${e.METRICS_PORT}")`,
    );
  }
  return {
    host: e.HOST ?? "0.0.0.0",
    port,
    corsOrigins: e.CORS_ORIGINS ?? [],
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? 5_000,
    maxConnections: e.HTTP_MAX_CONNECTIONS,
    maxConnectionsPerAddress: e.HTTP_MAX_CONNECTIONS_PER_ADDRESS ?? 64,
    metricsPort: e.METRICS_PORT,
  };
}

function resolveCmc(
  apiKey: string | undefined,
  baseUrl: string | undefined,
  sourceOverride: "simulator" | undefined,
  monthlyCredits: number | undefined,
): Config["cmc"] {
  const url = (baseUrl ?? (apiKey ? CMC_PRODUCTION_URL : CMC_SANDBOX_URL)).replace(/\/+$/, "");
  const display = new URL(url);
  display.username = "";
  display.password = "";
  display.search = "";
  const displayUrl = display.toString().replace(/\/+$/, "");
  const source: DataSourceName =
    sourceOverride ??
    (displayUrl === CMC_PRODUCTION_URL
      ? "coinmarketcap"
      : displayUrl === CMC_SANDBOX_URL
        ? "coinmarketcap-sandbox"
        : "custom");
  return {
    source,
    baseUrl: url,
    displayUrl,
    apiKey: new Secret(apiKey ?? CMC_SANDBOX_KEY),
    monthlyCredits: monthlyCredits ?? 10_000,
  };
}

/** libpq's sslmode values this service can honour, as DB_SSL names them. */
const URL_SSL_MODES: Readonly<Record<string, DbSslMode>> = {
  disable: "off",
  require: "require",
  "verify-full": "verify-full",
};

/**
 * TLS from DATABASE_URL's `sslmode` and `sslrootcert` (as AWS's console writes them), with DB_SSL and
 * DB_SSL_CA: honoured when they agree, refused when they contradict or ask for what this service
 * cannot do; never ignored. Other URL parameters are refused for the same reason.
 */
function sslOfUrl(url: URL, dbSsl: DbSslMode | undefined, dbSslCa: string | undefined): ExternalDatabase["ssl"] {
  const invalid = (message: string) => new ConfigError(`invalid configuration: DATABASE_URL ${message}`);
  for (const key of new Set(url.searchParams.keys())) {
    if (key !== "sslmode" && key !== "sslrootcert") {
      throw invalid(
        `parameter "${key.slice(0, 40)}" is not supported (only sslmode and sslrootcert are): remove it, or use the DB_* variables`,
      );
    }
  }
  const sslmode = url.searchParams.get("sslmode");
  let mode = dbSsl;
  if (sslmode !== null) {
    const fromUrl = URL_SSL_MODES[sslmode];
    if (!fromUrl) {
      throw invalid(
        `sslmode=${sslmode.slice(0, 20)} is not supported: use sslmode=verify-full (with sslrootcert, for RDS global-bundle.pem), require or disable`,
      );
    }
    if (dbSsl !== undefined && dbSsl !== fromUrl) {
      throw invalid(`says sslmode=${sslmode} but DB_SSL is ${dbSsl}: keep one of them`);
    }
    mode = fromUrl;
  }
  const root = url.searchParams.get("sslrootcert");
  let caPath = dbSslCa;
  if (root !== null) {
    // libpq's "system": the system's CAs, which is what verify-full without a CA path trusts here.
    if (root !== "system" && !existsSync(root)) {
      throw invalid(
        `sslrootcert must be the path of a readable CA bundle file (for RDS: global-bundle.pem) (got ${JSON.stringify(root.slice(0, 200))})`,
      );
    }
    caPath = root === "system" ? undefined : root;
    if (dbSslCa !== undefined && (caPath === undefined || path.resolve(dbSslCa) !== path.resolve(caPath))) {
      throw invalid("sslrootcert and DB_SSL_CA name different files: keep one of them");
    }
  }
  if (root !== null && mode !== "verify-full") {
    throw invalid(
      `sslrootcert is only read with sslmode=verify-full (or DB_SSL=verify-full), not with ${mode ?? "off"}`,
    );
  }
  return { mode: mode ?? "off", caPath };
}

function resolveDatabase(
  e: z.infer<typeof envSchema>,
  dataDir: string,
  source: DataSourceName,
): ExternalDatabase | EmbeddedDatabase {
  const poolMax = e.DB_POOL_MAX ?? 10;
  const statementTimeoutMs = e.DB_STATEMENT_TIMEOUT_MS ?? 10_000;
  const ssl = { mode: e.DB_SSL ?? "off", caPath: e.DB_SSL_CA };
  if (e.DATABASE_URL) {
    if (e.DB_HOST) throw new ConfigError("invalid configuration: set DATABASE_URL or DB_HOST, not both");
    const url = new URL(e.DATABASE_URL);
    const urlSsl = sslOfUrl(url, e.DB_SSL, e.DB_SSL_CA);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (!database || !url.username) {
      throw new ConfigError(
        "invalid configuration: DATABASE_URL must name a user and a database, as in postgres://user:password@host:5432/database",
      );
    }
    return {
      kind: "external",
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port ? Number(url.port) : 5432,
      user: decodeURIComponent(url.username),
      password: url.password ? new Secret(decodeURIComponent(url.password)) : undefined,
      database,
      ssl: urlSsl,
      poolMax,
      statementTimeoutMs,
    };
  }
  const parts = { DB_HOST: e.DB_HOST, DB_USER: e.DB_USER, DB_NAME: e.DB_NAME };
  const given = Object.entries(parts).filter(([, v]) => v !== undefined);
  if (given.length > 0 || e.DB_PASS !== undefined) {
    const missing = Object.entries(parts)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    if (missing.length > 0) {
      throw new ConfigError(
        `invalid configuration: ${missing.join(", ")} must be set too when connecting with DB_HOST/DB_USER/DB_PASS/DB_NAME (or set DATABASE_URL instead)`,
      );
    }
    return {
      kind: "external",
      host: e.DB_HOST as string,
      port: e.DB_PORT ?? 5432,
      user: e.DB_USER as string,
      password: e.DB_PASS === undefined ? undefined : new Secret(e.DB_PASS),
      database: e.DB_NAME as string,
      ssl,
      poolMax,
      statementTimeoutMs,
    };
  }
  if (ssl.mode !== "off") {
    throw new ConfigError(
      "invalid configuration: DB_SSL applies to an external database; set DATABASE_URL or DB_HOST too",
    );
  }
  return { kind: "embedded", clusterDir: path.join(dataDir, `postgres-${source}`), poolMax, statementTimeoutMs };
}
