import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, ConfigError, loadConfig, readEnv, Secret } from "../src/config";

const SECRET = "s3cr3t-planted-value-xyz";

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("has defaults that need no environment: embedded database, sandbox, BTC and ETH in USD", () => {
    const config = loadConfig({});
    expect(config).toEqual({
      nodeEnv: undefined,
      logLevel: "info",
      http: {
        host: "0.0.0.0",
        port: 4000,
        corsOrigins: [],
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: undefined,
        maxConnectionsPerAddress: 64,
      },
      graphql: { introspection: true, maxDepth: 10, maxComplexity: 20_000 },
      database: {
        kind: "embedded",
        clusterDir: path.resolve("data/postgres-coinmarketcap-sandbox"),
        poolMax: 10,
        statementTimeoutMs: 10_000,
      },
      dataDir: path.resolve("data"),
      cmc: {
        source: "coinmarketcap-sandbox",
        baseUrl: "https://sandbox-api.coinmarketcap.com",
        displayUrl: "https://sandbox-api.coinmarketcap.com",
        apiKey: expect.any(Secret),
        monthlyCredits: 10_000,
      },
      trackedSymbols: ["BTC", "ETH"],
      converts: ["USD"],
      ingestCron: undefined,
      adminToken: undefined,
      shutdownTimeoutMs: 10_000,
      feed: { maxWaiters: 10_000, maxWaitersPerClient: 1_000, maxSubscriptionsPerSocket: 20 },
      responseCacheBytes: 64 * 1024 * 1024,
    });
    // CMC's published sandbox key: mock data only.
    expect(config.cmc.apiKey.reveal()).toBe("b54bcf4d-1bca-4e8e-9a24-22ff2c3d462c");
  });

  it("treats blank values as unset", () => {
    expect(
      loadConfig({ PORT: "", NODE_ENV: "  ", LOG_LEVEL: "", GRAPHQL_MAX_DEPTH: " ", CONVERT: "", HOST: "\t" }),
    ).toEqual(loadConfig({}));
  });

  it("trims values", () => {
    const config = loadConfig({ HOST: " 127.0.0.1 ", PORT: " 8080 ", INGEST_CRON: " */5  *  * * * " });
    expect(config.http).toMatchObject({ host: "127.0.0.1", port: 8080, corsOrigins: [] });
    expect(config.ingestCron).toBe("*/5  *  * * *");
  });

  it.each([
    [{ PORT: "abc" }, 'PORT must be a whole number from 0 to 65535 (0 picks a free port) (got "abc")'],
    [{ PORT: "70000" }, 'PORT must be a whole number from 0 to 65535 (0 picks a free port) (got "70000")'],
    [{ PORT: "x8080" }, 'PORT must be a whole number from 0 to 65535 (0 picks a free port) (got "x8080")'],
    [{ PORT: "8080x" }, 'PORT must be a whole number from 0 to 65535 (0 picks a free port) (got "8080x")'],
    [{ DB_PORT: "0" }, 'DB_PORT must be a whole number from 1 to 65535 (got "0")'],
    [{ DB_SSL: "maybe" }, 'DB_SSL must be off, require or verify-full (got "maybe")'],
    [
      { INGEST_CRON: "61 * * * *" },
      'INGEST_CRON must be a cron expression of 5 fields, or 6 with seconds first, such as "*/5 * * * *" (got "61 * * * *")',
    ],
    [
      { INGEST_CRON: "* * *" },
      'INGEST_CRON must be a cron expression of 5 fields, or 6 with seconds first, such as "*/5 * * * *" (got "* * *")',
    ],
    [
      { CONVERT: "us dollars" },
      'CONVERT must be a comma-separated list of currency codes such as USD,EUR,BTC (got "us dollars")',
    ],
    [
      { DATABASE_URL: "not a url" },
      "DATABASE_URL must be a URL of the form postgres://user:password@host:5432/database",
    ],
    [
      { DATABASE_URL: "mysql://u:p@h/db" },
      "DATABASE_URL must be a URL of the form postgres://user:password@host:5432/database",
    ],
    [
      { DATABASE_URL: "postgres:///db" },
      "DATABASE_URL must be a URL of the form postgres://user:password@host:5432/database",
    ],
    [
      { DATABASE_URL: "postgres://db.internal/prices" },
      "DATABASE_URL must name a user and a database, as in postgres://user:password@host:5432/database",
    ],
    [
      { DATABASE_URL: "postgres://app@db.internal/" },
      "DATABASE_URL must name a user and a database, as in postgres://user:password@host:5432/database",
    ],
    [{ CMC_MONTHLY_CREDITS: "-5" }, 'CMC_MONTHLY_CREDITS must be a whole number of credits, at least 1 (got "-5")'],
    [
      { CMC_BASE_URL: "ftp://example.com" },
      "CMC_BASE_URL must be an http(s) URL such as https://pro-api.coinmarketcap.com",
    ],
    [{ CMC_BASE_URL: "not a url" }, "CMC_BASE_URL must be an http(s) URL such as https://pro-api.coinmarketcap.com"],
    [{ LOG_LEVEL: "loud" }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [{ NODE_ENV: "staging" }, 'NODE_ENV must be development, production or test (got "staging")'],
    [
      { CORS_ORIGINS: "dashboard" },
      'CORS_ORIGINS must be * or a comma-separated list of origins such as https://dashboard.example.com (got "dashboard")',
    ],
    [
      { CORS_ORIGINS: "https://dashboard.example.com/app" },
      'CORS_ORIGINS must be * or a comma-separated list of origins such as https://dashboard.example.com (got "https://dashboard.example.com/app")',
    ],
    [
      { CORS_ORIGINS: "ftp://dashboard.example.com" },
      'CORS_ORIGINS must be * or a comma-separated list of origins such as https://dashboard.example.com (got "ftp://dashboard.example.com")',
    ],
    [{ GRAPHQL_INTROSPECTION: "yes" }, 'GRAPHQL_INTROSPECTION must be true or false (got "yes")'],
    [
      { DB_SSL_CA: "/nonexistent/ca.pem" },
      'DB_SSL_CA must be the path of a readable CA bundle file (for RDS: global-bundle.pem) (got "/nonexistent/ca.pem")',
    ],
    [{ ADMIN_TOKEN: "short" }, "ADMIN_TOKEN must be at least 16 characters long"],
    [
      { TRACKED_SYMBOLS: "BTC,,ETH" },
      'TRACKED_SYMBOLS must be a comma-separated list of coin symbols such as BTC,ETH (got "BTC,,ETH")',
    ],
    [
      { TRACKED_SYMBOLS: "BTC,ETH!" },
      'TRACKED_SYMBOLS must be a comma-separated list of coin symbols such as BTC,ETH (got "BTC,ETH!")',
    ],
    [
      { TRACKED_SYMBOLS: "BTC,!ETH" },
      'TRACKED_SYMBOLS must be a comma-separated list of coin symbols such as BTC,ETH (got "BTC,!ETH")',
    ],
    [
      { QUOTEGRAPH_SOURCE: "coinmarketcap" },
      'QUOTEGRAPH_SOURCE is set by `npm run demo` only and must be simulator (got "coinmarketcap")',
    ],
    [
      { DB_HOST: "db.example.com" },
      "DB_USER, DB_NAME must be set too when connecting with DB_HOST/DB_USER/DB_PASS/DB_NAME (or set DATABASE_URL instead)",
    ],
    [
      { DB_PASS: "pw" },
      "DB_HOST, DB_USER, DB_NAME must be set too when connecting with DB_HOST/DB_USER/DB_PASS/DB_NAME (or set DATABASE_URL instead)",
    ],
    [{ DB_SSL: "require" }, "DB_SSL applies to an external database; set DATABASE_URL or DB_HOST too"],
    [
      { METRICS_PORT: "4000" },
      'METRICS_PORT must differ from PORT (4000): it is the port of health and metrics alone (got "4000")',
    ],
    [{ METRICS_PORT: "x" }, 'METRICS_PORT must be a whole number from 0 to 65535 (0 picks a free port) (got "x")'],
    [{ DATABASE_URL: "postgres://u:p@h/db", DB_HOST: "h" }, "set DATABASE_URL or DB_HOST, not both"],
  ])("refuses %o with a message naming the variable", (env, expected) => {
    expect(errorOf(env as Record<string, string>)).toBe(`invalid configuration: ${expected}`);
  });

  it("reports every bad variable in one line", () => {
    expect(errorOf({ PORT: "abc", DB_SSL: "maybe" })).toMatch(/^invalid configuration: PORT .*; DB_SSL .*$/);
  });

  it.each<Record<string, string>>([
    { DATABASE_URL: `postgres://user:${SECRET}@` },
    { DATABASE_URL: `postgres://user:${SECRET}@host:notaport/db` },
    { CMC_API_KEY: SECRET, PORT: "abc" },
    { ADMIN_TOKEN: "short-secret" },
    { CMC_BASE_URL: `ftp://user:${SECRET}@example.com` },
    { DB_HOST: "h", DB_USER: "u", DB_PASS: SECRET },
  ])("never echoes a secret in an error (%#)", (env) => {
    const message = errorOf(env);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain("short-secret");
  });

  it("keeps secrets out of logs, JSON and inspection", () => {
    const config = loadConfig({
      DATABASE_URL: `postgres://app:${SECRET}@db.internal:6543/prices`,
      CMC_API_KEY: SECRET,
      ADMIN_TOKEN: `${SECRET}-admin`,
    });
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(inspect(config, { depth: 10 })).not.toContain(SECRET);
    expect(String(config.cmc.apiKey)).toBe("[redacted]");
    expect(config.cmc.apiKey.reveal()).toBe(SECRET);
    expect(config.database).toMatchObject({
      kind: "external",
      host: "db.internal",
      port: 6543,
      user: "app",
      database: "prices",
    });
    expect(config.database.kind === "external" && config.database.password?.reveal()).toBe(SECRET);
    expect(config.cmc.source).toBe("coinmarketcap");
  });

  it("reads the seed's DB_* variables, as RDS users have them", () => {
    const config = loadConfig({
      DB_HOST: "mydb.abc.eu-west-1.rds.amazonaws.com",
      DB_USER: "postgres",
      DB_PASS: "pw",
      DB_NAME: "coins",
    });
    expect(config.database).toMatchObject({ kind: "external", port: 5432, user: "postgres", database: "coins" });
    expect(config.database.kind === "external" && config.database.ssl.mode).toBe("off");
  });

  it("normalises lists and the CMC base URL, and names the source", () => {
    const config = loadConfig({
      CONVERT: "usd, eur ,USD",
      TRACKED_SYMBOLS: "btc,eth,sol",
      CMC_BASE_URL: "http://user:pw@127.0.0.1:4010/",
      INGEST_CRON: "*/10 * * * * *",
    });
    expect(config.converts).toEqual(["USD", "EUR"]);
    expect(config.trackedSymbols).toEqual(["BTC", "ETH", "SOL"]);
    expect(config.cmc.baseUrl).toBe("http://user:pw@127.0.0.1:4010");
    expect(config.cmc.displayUrl).toBe("http://127.0.0.1:4010");
    expect(config.cmc.source).toBe("custom");
    expect(config.ingestCron).toBe("*/10 * * * * *");
    expect(loadConfig({ CMC_BASE_URL: "https://pro-api.coinmarketcap.com/" }).cmc.source).toBe("coinmarketcap");
    expect(loadConfig({ QUOTEGRAPH_SOURCE: "simulator", CMC_BASE_URL: "http://127.0.0.1:4010" }).cmc.source).toBe(
      "simulator",
    );
  });

  it("turns introspection off in production unless asked for", () => {
    expect(loadConfig({ NODE_ENV: "production" }).graphql.introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true" }).graphql.introspection).toBe(true);
  });

  it("wraps secrets so they print as [redacted]", () => {
    const secret = new Secret(SECRET);
    expect(`${secret}`).toBe("[redacted]");
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
  });
});

describe("loadConfig: limits, pool size, HTTP timeouts and caps, shutdown timeout", () => {
  const settings: {
    variable: string;
    read: (config: Config) => number;
    valid: number[];
    rule: string;
    bad: string[];
  }[] = [
    {
      variable: "GRAPHQL_MAX_DEPTH",
      read: (c) => c.graphql.maxDepth,
      valid: [2, 25, 100],
      rule: "must be a whole number from 2 to 100",
      bad: ["1", "101", "-3", "2.5", "ten", "1e2"],
    },
    {
      variable: "GRAPHQL_MAX_COMPLEXITY",
      read: (c) => c.graphql.maxComplexity,
      valid: [10, 50_000, 10_000_000],
      rule: "must be a whole number from 10 to 10000000",
      bad: ["9", "10000001", "-100", "5000.5", "lots"],
    },
    {
      variable: "DB_POOL_MAX",
      read: (c) => c.database.poolMax,
      valid: [1, 40, 1000],
      rule: "must be a whole number from 1 to 1000",
      bad: ["0", "1001", "-1", "2.5", "many"],
    },
    ...(
      [
        ["HTTP_HEADERS_TIMEOUT_MS", (c: Config) => c.http.headersTimeoutMs],
        ["HTTP_REQUEST_TIMEOUT_MS", (c: Config) => c.http.requestTimeoutMs],
        ["HTTP_KEEP_ALIVE_TIMEOUT_MS", (c: Config) => c.http.keepAliveTimeoutMs],
      ] as const
    ).map(([variable, read]) => ({
      variable,
      read,
      // From 10 s: a request timeout below the default header timeout is refused (see below).
      valid: [10_000, 65_000, 300_000],
      rule: "must be a whole number of milliseconds from 1000 to 300000",
      bad: ["999", "300001", "0", "10s", "1500.5"],
    })),
    {
      variable: "HTTP_MAX_CONNECTIONS",
      read: (c) => c.http.maxConnections as number,
      valid: [1, 2000, 1_000_000],
      rule: "must be a whole number from 1 to 1000000",
      bad: ["0", "1000001", "-5", "lots"],
    },
    {
      variable: "HTTP_MAX_CONNECTIONS_PER_ADDRESS",
      read: (c) => c.http.maxConnectionsPerAddress,
      valid: [0, 8, 1_000_000],
      rule: "must be a whole number from 0 (no cap) to 1000000",
      bad: ["1000001", "-1", "none", "2.5"],
    },
    {
      variable: "DB_STATEMENT_TIMEOUT_MS",
      read: (c) => c.database.statementTimeoutMs,
      valid: [0, 2500, 600_000],
      rule: "must be a whole number of milliseconds from 0 to 600000 (0: no limit)",
      bad: ["-1", "600001", "1.5", "soon"],
    },
    {
      variable: "SHUTDOWN_TIMEOUT_MS",
      read: (c) => c.shutdownTimeoutMs,
      valid: [1000, 30_000, 600_000],
      rule: "must be a whole number of milliseconds from 1000 to 600000",
      bad: ["999", "600001", "0", "10s", "1500.5"],
    },
    {
      variable: "MAX_WAITERS",
      read: (c) => c.feed.maxWaiters,
      valid: [1, 25_000, 1_000_000],
      rule: "must be a whole number from 1 to 1000000",
      bad: ["0", "1000001", "-5", "1e4", "many"],
    },
    {
      variable: "MAX_WAITERS_PER_CLIENT",
      read: (c) => c.feed.maxWaitersPerClient,
      valid: [0, 1, 500, 10_000],
      rule: "must be a whole number from 0 (no cap) to 1000000",
      bad: ["1000001", "-1", "2.5", "all"],
    },
    {
      variable: "MAX_SUBSCRIPTIONS_PER_SOCKET",
      read: (c) => c.feed.maxSubscriptionsPerSocket,
      valid: [1, 50, 1000],
      rule: "must be a whole number from 1 to 1000",
      bad: ["0", "1001", "-2", "7.5", "ten"],
    },
    {
      variable: "RESPONSE_CACHE_MB",
      read: (c) => c.responseCacheBytes / (1024 * 1024),
      valid: [0, 1, 64, 65_536],
      rule: "must be a whole number of megabytes (MiB) from 0 (no cache) to 65536",
      bad: ["-1", "65537", "0.5", "64MB", "off"],
    },
  ];

  it.each(settings.flatMap(({ variable, read, valid }) => valid.map((value) => ({ variable, read, value }))))(
    "takes $variable=$value",
    ({ variable, read, value }) => {
      expect(read(loadConfig({ [variable]: ` ${value} ` }))).toBe(value);
    },
  );

  it.each(settings.flatMap(({ variable, rule, bad }) => bad.map((value) => ({ variable, rule, value }))))(
    "refuses $variable=$value, naming the variable and the range",
    ({ variable, rule, value }) => {
      expect(errorOf({ [variable]: value })).toBe(`invalid configuration: ${variable} ${rule} (got "${value}")`);
    },
  );

  it("refuses a header timeout longer than the request timeout, naming both; the default request timeout grows with a long header timeout", () => {
    expect(errorOf({ HTTP_HEADERS_TIMEOUT_MS: "20000", HTTP_REQUEST_TIMEOUT_MS: "15000" })).toBe(
      "invalid configuration: HTTP_HEADERS_TIMEOUT_MS (20000) must not be longer than HTTP_REQUEST_TIMEOUT_MS (15000): the header is part of the request",
    );
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: "45000" }).http).toMatchObject({
      headersTimeoutMs: 45_000,
      requestTimeoutMs: 45_000,
    });
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "1000" }).http).toMatchObject({
      headersTimeoutMs: 1000,
      requestTimeoutMs: 1000,
    });
  });

  it("caps waiters per client at 1000 or MAX_WAITERS when that is lower, never above MAX_WAITERS, or not at all (0)", () => {
    expect(loadConfig({ MAX_WAITERS: "300" }).feed).toEqual({
      maxWaiters: 300,
      maxWaitersPerClient: 300,
      maxSubscriptionsPerSocket: 20,
    });
    expect(loadConfig({ MAX_WAITERS: "300", MAX_WAITERS_PER_CLIENT: "300" }).feed.maxWaitersPerClient).toBe(300);
    expect(loadConfig({ MAX_WAITERS: "5000", MAX_WAITERS_PER_CLIENT: "40" }).feed.maxWaitersPerClient).toBe(40);
    expect(loadConfig({ MAX_WAITERS: "300", MAX_WAITERS_PER_CLIENT: "0" }).feed.maxWaitersPerClient).toBe(0);
    expect(errorOf({ MAX_WAITERS: "300", MAX_WAITERS_PER_CLIENT: "301" })).toBe(
      'invalid configuration: MAX_WAITERS_PER_CLIENT must not exceed MAX_WAITERS (300) (got "301")',
    );
    expect(errorOf({ MAX_WAITERS_PER_CLIENT: "10001" })).toBe(
      'invalid configuration: MAX_WAITERS_PER_CLIENT must not exceed MAX_WAITERS (10000) (got "10001")',
    );
  });

  it("sizes the pool of every kind of database", () => {
    expect(loadConfig({ DB_POOL_MAX: "40", DATABASE_URL: "postgres://app@db.internal/prices" }).database.poolMax).toBe(
      40,
    );
    expect(
      loadConfig({ DB_POOL_MAX: "40", DB_HOST: "db.internal", DB_USER: "app", DB_NAME: "prices" }).database.poolMax,
    ).toBe(40);
    expect(loadConfig({ DATABASE_URL: "postgres://app@db.internal/prices" }).database.poolMax).toBe(10);
  });
});

describe("loadConfig: CONVERT", () => {
  const currencies = (count: number) => Array.from({ length: count }, (_, i) => `C${String(i).padStart(3, "0")}`);

  it("takes 120 currencies, CoinMarketCap's limit", () => {
    expect(loadConfig({ CONVERT: currencies(120).join(",") }).converts).toEqual(currencies(120));
  });

  it("refuses 121 currencies, naming the limit", () => {
    const value = currencies(121).join(",");
    expect(errorOf({ CONVERT: value })).toBe(
      `invalid configuration: CONVERT must name at most 120 currencies (CoinMarketCap's limit) (got ${JSON.stringify(value)})`,
    );
  });

  it("counts a currency named twice once", () => {
    expect(loadConfig({ CONVERT: [...currencies(120), "c000"].join(",") }).converts).toEqual(currencies(120));
  });
});

describe("loadConfig: other values", () => {
  it.each(["fatal", "error", "warn", "info", "debug", "trace", "silent"])("takes LOG_LEVEL=%s", (level) => {
    expect(loadConfig({ LOG_LEVEL: level, NODE_ENV: "test" }).logLevel).toBe(level);
  });

  it.each([
    ["development", "info"],
    ["production", "info"],
    ["test", "warn"],
  ])("takes NODE_ENV=%s, logging at %s unless LOG_LEVEL says otherwise", (nodeEnv, logLevel) => {
    expect(loadConfig({ NODE_ENV: nodeEnv })).toMatchObject({ nodeEnv, logLevel });
  });

  it("turns introspection off when asked, in development too", () => {
    expect(loadConfig({ GRAPHQL_INTROSPECTION: "false" }).graphql.introspection).toBe(false);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: "true" }).graphql.introspection).toBe(true);
  });

  it.each([
    ["*", ["*"]],
    ["https://dashboard.example.com", ["https://dashboard.example.com"]],
    [
      "https://dashboard.example.com, http://localhost:3000 ,https://ops.example.com/",
      ["https://dashboard.example.com", "http://localhost:3000", "https://ops.example.com/"],
    ],
  ])("takes CORS_ORIGINS=%j", (value, origins) => {
    expect(loadConfig({ CORS_ORIGINS: value }).http.corsOrigins).toEqual(origins);
  });

  it("reads every part of DATABASE_URL, decoded", () => {
    const config = loadConfig({ DATABASE_URL: "postgresql://app%40ops:p%40ss@[::1]:6543/price%20db" });
    expect(config.database).toEqual({
      kind: "external",
      host: "::1",
      port: 6543,
      user: "app@ops",
      password: expect.any(Secret),
      database: "price db",
      ssl: { mode: "off", caPath: undefined },
      poolMax: 10,
      statementTimeoutMs: 10_000,
    });
    expect(config.database.kind === "external" && config.database.password?.reveal()).toBe("p@ss");
    expect(loadConfig({ DATABASE_URL: "postgres://app@db.internal/prices" }).database).toEqual({
      kind: "external",
      host: "db.internal",
      port: 5432,
      user: "app",
      password: undefined,
      database: "prices",
      ssl: { mode: "off", caPath: undefined },
      poolMax: 10,
      statementTimeoutMs: 10_000,
    });
  });

  describe("TLS from DATABASE_URL's sslmode and sslrootcert (as AWS's console writes them)", () => {
    const ca = path.join(mkdtempSync(path.join(tmpdir(), "quotegraph-ca-")), "global-bundle.pem");
    const url = (query: string) => `postgres://app:${SECRET}@db.internal/prices?${query}`;
    const sslOf = (env: Record<string, string>) =>
      (loadConfig(env).database as Extract<ReturnType<typeof loadConfig>["database"], { kind: "external" }>).ssl;

    beforeAll(() => writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"));
    afterAll(() => rmSync(path.dirname(ca), { recursive: true, force: true }));

    it.each([
      [{ DATABASE_URL: url(`sslmode=verify-full&sslrootcert=${ca}`) }, { mode: "verify-full", caPath: ca }],
      [{ DATABASE_URL: url("sslmode=verify-full&sslrootcert=system") }, { mode: "verify-full", caPath: undefined }],
      [{ DATABASE_URL: url("sslmode=require") }, { mode: "require", caPath: undefined }],
      [{ DATABASE_URL: url("sslmode=disable") }, { mode: "off", caPath: undefined }],
      [
        { DATABASE_URL: url("sslmode=verify-full"), DB_SSL: "verify-full", DB_SSL_CA: ca },
        { mode: "verify-full", caPath: ca },
      ],
      [
        { DATABASE_URL: url(`sslrootcert=${ca}`), DB_SSL: "verify-full" },
        { mode: "verify-full", caPath: ca },
      ],
    ])("honours %o", (env, ssl) => {
      expect(sslOf(env)).toEqual(ssl);
    });

    it.each([
      [
        { DATABASE_URL: url("sslmode=verify-full"), DB_SSL: "require" },
        "says sslmode=verify-full but DB_SSL is require: keep one of them",
      ],
      [
        { DATABASE_URL: url("sslmode=disable"), DB_SSL: "verify-full" },
        "says sslmode=disable but DB_SSL is verify-full: keep one of them",
      ],
      [
        { DATABASE_URL: url("sslmode=verify-ca") },
        "sslmode=verify-ca is not supported: use sslmode=verify-full (with sslrootcert, for RDS global-bundle.pem), require or disable",
      ],
      [
        { DATABASE_URL: url("sslmode=prefer") },
        "sslmode=prefer is not supported: use sslmode=verify-full (with sslrootcert, for RDS global-bundle.pem), require or disable",
      ],
      [
        { DATABASE_URL: url("sslmode=verify-full&sslrootcert=/nowhere/global-bundle.pem") },
        'sslrootcert must be the path of a readable CA bundle file (for RDS: global-bundle.pem) (got "/nowhere/global-bundle.pem")',
      ],
      [
        { DATABASE_URL: url(`sslmode=require&sslrootcert=${ca}`) },
        "sslrootcert is only read with sslmode=verify-full (or DB_SSL=verify-full), not with require",
      ],
      [
        { DATABASE_URL: url("sslmode=verify-full&sslrootcert=system"), DB_SSL_CA: ca, DB_SSL: "verify-full" },
        "sslrootcert and DB_SSL_CA name different files: keep one of them",
      ],
      [
        { DATABASE_URL: url("sslmode=require&application_name=x") },
        'parameter "application_name" is not supported (only sslmode and sslrootcert are): remove it, or use the DB_* variables',
      ],
    ])("refuses %o, naming the contradiction", (env, expected) => {
      const message = errorOf(env as Record<string, string>);
      expect(message).toBe(`invalid configuration: DATABASE_URL ${expected}`);
      expect(message).not.toContain(SECRET);
    });
  });

  it("reads DB_HOST/DB_PORT/DB_USER/DB_PASS/DB_NAME, the password being optional", () => {
    const parts = { DB_HOST: "db.internal", DB_PORT: "6432", DB_USER: "app", DB_NAME: "prices" };
    expect(loadConfig(parts).database).toEqual({
      kind: "external",
      host: "db.internal",
      port: 6432,
      user: "app",
      password: undefined,
      database: "prices",
      ssl: { mode: "off", caPath: undefined },
      poolMax: 10,
      statementTimeoutMs: 10_000,
    });
    const withPassword = loadConfig({ ...parts, DB_PASS: "pw" }).database;
    expect(withPassword.kind === "external" && withPassword.password?.reveal()).toBe("pw");
  });

  it.each(["off", "require", "verify-full"])("takes DB_SSL=%s for an external database", (mode) => {
    const config = loadConfig({ DATABASE_URL: "postgres://app@db.internal/prices", DB_SSL: mode });
    expect(config.database.kind === "external" && config.database.ssl).toEqual({ mode, caPath: undefined });
  });

  it("takes DB_SSL=off without an external database", () => {
    expect(loadConfig({ DB_SSL: "off" }).database.kind).toBe("embedded");
  });

  it("takes a CA bundle that exists for verify-full", () => {
    const caPath = path.resolve("package.json");
    const config = loadConfig({
      DATABASE_URL: "postgres://app@db.internal/prices",
      DB_SSL: "verify-full",
      DB_SSL_CA: caPath,
    });
    expect(config.database.kind === "external" && config.database.ssl).toEqual({ mode: "verify-full", caPath });
  });

  it("strips every trailing slash from CMC_BASE_URL", () => {
    expect(loadConfig({ CMC_BASE_URL: "http://127.0.0.1:4010/v//" }).cmc).toMatchObject({
      baseUrl: "http://127.0.0.1:4010/v",
      displayUrl: "http://127.0.0.1:4010/v",
    });
  });

  it("shows CMC_BASE_URL without credentials, query or trailing slashes", () => {
    expect(loadConfig({ CMC_BASE_URL: "http://user:pw@127.0.0.1:4010/v//?key=k" }).cmc).toMatchObject({
      baseUrl: "http://user:pw@127.0.0.1:4010/v//?key=k",
      displayUrl: "http://127.0.0.1:4010/v",
    });
  });

  it("uses the production URL with an API key, and keeps the key", () => {
    const config = loadConfig({ CMC_API_KEY: " key-123 " });
    expect(config.cmc).toMatchObject({ source: "coinmarketcap", baseUrl: "https://pro-api.coinmarketcap.com" });
    expect(config.cmc.apiKey.reveal()).toBe("key-123");
  });

  it("keeps ADMIN_TOKEN as a secret", () => {
    expect(loadConfig({ ADMIN_TOKEN: "0123456789abcdef" }).adminToken?.reveal()).toBe("0123456789abcdef");
  });

  it("throws ConfigError, named so", () => {
    try {
      loadConfig({ PORT: "abc" });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).name).toBe("ConfigError");
      return;
    }
    throw new Error("expected a ConfigError");
  });
});

describe("readEnv", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "quotegraph-env-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  let files = 0;
  function envFile(text: string): string {
    files += 1;
    const file = path.join(dir, `${files}.env`);
    writeFileSync(file, text);
    return file;
  }

  it("lets the real environment win over .env, which fills in the rest", () => {
    const file = envFile("PORT=5000\nLOG_LEVEL=debug\n# a comment\nCONVERT=EUR\n");
    expect(readEnv({ PORT: "6000", HOST: "127.0.0.1" }, file)).toEqual({
      PORT: "6000",
      HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
      CONVERT: "EUR",
    });
  });

  it("lets a variable set empty in the environment win too", () => {
    expect(readEnv({ CONVERT: "" }, envFile("CONVERT=EUR\n"))).toEqual({ CONVERT: "" });
  });

  it("returns the environment as it is without a .env file", () => {
    const env = { PORT: "6000" };
    expect(readEnv(env, path.join(dir, "absent.env"))).toBe(env);
  });

  it("refuses a .env it cannot read, naming it", () => {
    expect(() => readEnv({}, dir)).toThrow(
      new ConfigError(`cannot read ${dir}: EISDIR: illegal operation on a directory, read`),
    );
  });
});

describe("Secret", () => {
  it("shows [redacted] to inspect, String and JSON", () => {
    const secret = new Secret(SECRET);
    expect(inspect(secret)).toBe("[redacted]");
    expect(inspect({ secret })).toBe("{ secret: [redacted] }");
    expect(String(secret)).toBe("[redacted]");
    expect(secret.toJSON()).toBe("[redacted]");
  });
});
