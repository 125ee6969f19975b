import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, Secret } from "../src/config";

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
    expect(config.http).toEqual({ host: "0.0.0.0", port: 4000, corsOrigins: [] });
    expect(config.database.kind).toBe("embedded");
    expect(config.database.kind === "embedded" && config.database.clusterDir).toMatch(
      /data\/postgres-coinmarketcap-sandbox$/,
    );
    expect(config.cmc.source).toBe("coinmarketcap-sandbox");
    expect(config.cmc.baseUrl).toBe("https://sandbox-api.coinmarketcap.com");
    expect(config.cmc.monthlyCredits).toBe(10_000);
    expect(config.trackedSymbols).toEqual(["BTC", "ETH"]);
    expect(config.converts).toEqual(["USD"]);
    expect(config.ingestCron).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
    expect(config.graphql.introspection).toBe(true);
  });

  it.each([
    [{ PORT: "abc" }, 'PORT must be a whole number from 0 to 65535 (0 picks a free port) (got "abc")'],
    [{ PORT: "70000" }, "PORT must be a whole number from 0 to 65535"],
    [{ DB_SSL: "maybe" }, 'DB_SSL must be off, require or verify-full (got "maybe")'],
    [{ INGEST_CRON: "61 * * * *" }, "INGEST_CRON must be a cron expression"],
    [{ INGEST_CRON: "* * *" }, "INGEST_CRON must be a cron expression"],
    [
      { CONVERT: "us dollars" },
      'CONVERT must be a comma-separated list of currency codes such as USD,EUR,BTC (got "us dollars")',
    ],
    [
      { DATABASE_URL: "not a url" },
      "DATABASE_URL must be a URL of the form postgres://user:password@host:5432/database",
    ],
    [{ DATABASE_URL: "mysql://u:p@h/db" }, "DATABASE_URL must be a URL of the form"],
    [{ CMC_MONTHLY_CREDITS: "-5" }, "CMC_MONTHLY_CREDITS must be a whole number of credits"],
    [{ CMC_BASE_URL: "ftp://example.com" }, "CMC_BASE_URL must be an http(s) URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent"],
    [{ NODE_ENV: "staging" }, "NODE_ENV must be development, production or test"],
    [{ CORS_ORIGINS: "dashboard" }, "CORS_ORIGINS must be * or a comma-separated list of origins"],
    [{ GRAPHQL_INTROSPECTION: "yes" }, "GRAPHQL_INTROSPECTION must be true or false"],
    [{ DB_SSL_CA: "/nonexistent/ca.pem" }, "DB_SSL_CA must be the path of a readable CA bundle file"],
    [{ ADMIN_TOKEN: "short" }, "ADMIN_TOKEN must be at least 16 characters long"],
    [{ TRACKED_SYMBOLS: "BTC,,ETH" }, "TRACKED_SYMBOLS must be a comma-separated list of coin symbols"],
    [{ DB_HOST: "db.example.com" }, "DB_USER, DB_NAME must be set too"],
    [{ DB_SSL: "require" }, "DB_SSL applies to an external database"],
    [{ DATABASE_URL: "postgres://u:p@h/db", DB_HOST: "h" }, "set DATABASE_URL or DB_HOST, not both"],
  ])("refuses %o with a message naming the variable", (env, expected) => {
    const message = errorOf(env as Record<string, string>);
    expect(message).toContain(expected);
    expect(message).not.toContain("\n");
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
