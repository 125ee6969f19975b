import { Client } from "pg";
import type { DataSource } from "typeorm";
import { describe, expect, it } from "vitest";
import { rebuildRollups } from "../src/db/store/rollups";
import { REQUEST_STATEMENTS } from "../src/graphql/context";
import { STARTER_DOCUMENT } from "../src/graphql/starter-document";
import { type Service, startService } from "../src/service";
import { useApi } from "./support/api";
import { createTestDatabase, insertSampleAssets, quietLogger, testConfig } from "./support/database";
import { graphql } from "./support/graphql";
import { cutDatabase } from "./support/ingestion";
import { logRecorder, sqlRecorder } from "./support/log-recorder";

async function seed(ds: DataSource): Promise<void> {
  await ds.query(`
    INSERT INTO asset (cmc_id, symbol, name, slug, rank, tracked)
    SELECT g, 'C' || g, 'Coin ' || g, 'coin-' || g, g, true FROM generate_series(1, 150) g`);
  await ds.query(`
    INSERT INTO price_quote (asset_id, convert, price, last_updated)
    SELECT a.id, 'USD', a.cmc_id * 10 + m, timestamptz '2026-01-01' + m * interval '1 minute'
    FROM asset a CROSS JOIN generate_series(1, 3) m`);
}

describe("GraphQL over HTTP: batching, limits, caching, protocol", () => {
  const recorder = sqlRecorder();
  const api = useApi({ env: { GRAPHQL_MAX_DEPTH: "10" }, logger: recorder.logger, seed });

  it("batches nested fields: a page of 100 assets with their latest quote and its asset costs two statements", async () => {
    recorder.clear();
    const { body } = await graphql(
      api.url,
      `{ assets(first: 100) { nodes { latestQuote { price asset { symbol } } } } }`,
    );
    expect(body.data.assets.nodes).toHaveLength(100);
    expect(body.data.assets.nodes[4].latestQuote).toEqual({ price: 53, asset: { symbol: "C5" } });
    // The SQL a query runs is part of its contract: a change here shows up in review.
    expect(recorder.statements).toMatchInlineSnapshot(`
      [
        "SELECT a.id, a.cmc_id, a.symbol, a.name, a.slug, a.rank, a.tracked FROM asset a WHERE ($1::boolean IS NULL OR a.tracked = $1) AND ($2::text[] IS NULL OR upper(a.symbol) = ANY($2::text[])) AND a.id > coalesce($3::int, 0) ORDER BY a.id LIMIT $4",
        "SELECT q.* FROM unnest($1::int[], $2::text[]) AS k(asset_id, convert) CROSS JOIN LATERAL ( SELECT id, asset_id, convert, price, volume_24h, market_cap, percent_change_1h, percent_change_24h, percent_change_7d, circulating_supply, last_updated, ingested_at FROM price_quote p WHERE p.asset_id = k.asset_id AND p.convert = k.convert ORDER BY p.last_updated DESC LIMIT 1 ) q",
      ]
    `);
  });

  it("refuses a query deeper than GRAPHQL_MAX_DEPTH before running it", async () => {
    recorder.clear();
    // latestQuotes > asset > latestQuote > asset … eleven levels deep.
    const deep = `{ latestQuotes { ${"asset { latestQuote { ".repeat(5)}price${" } }".repeat(5)} } }`;
    const { status, body } = await graphql(api.url, deep);
    expect(status).toBe(400);
    expect(body.errors?.[0].message).toMatch(/query too deep/);
    expect(body.errors?.[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(recorder.statements).toEqual([]);
  });

  it("refuses a query over the complexity budget, or with too many aliases, before running it, while the dashboard's own queries fit", async () => {
    recorder.clear();
    const nested = "{ assets(first: 1000) { nodes { history(first: 100) { nodes { price } } } } }";
    const { status, body } = await graphql(api.url, nested);
    expect(status).toBe(400);
    expect(body.errors?.[0].message).toBe(
      "query too complex: 102001 points, at most 20000; ask for smaller pages (first/limit) or fewer nested lists",
    );
    // The alias bomb of the audit: thousands of aliases of latestQuotes in one request under 100 kB.
    const bomb = `{${Array.from({ length: 4000 }, (_, i) => `q${i}:latestQuotes{id}`).join(" ")}}`;
    const aliases = await graphql(api.url, bomb);
    expect(aliases.status).toBe(400);
    expect(aliases.body.errors?.[0]).toMatchObject({
      message: "too many aliases: Aliases limit of 30 exceeded, found 4000.",
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    expect(recorder.statements).toEqual([]);
    for (const operationName of ["Start", "Poll", "Chart", "History"]) {
      const { body: answer } = await graphql(api.url, STARTER_DOCUMENT, { after: "" }, { operationName });
      expect(JSON.stringify(answer)).not.toContain("too complex");
    }
  });

  it("answers GET queries (with Apollo's CSRF header rule) in application/graphql-response+json when asked", async () => {
    const query = encodeURIComponent("{ assets(first: 1) { nodes { symbol } } }");
    const blocked = await fetch(`${api.url}/graphql?query=${query}`);
    expect(blocked.status).toBe(400);
    const ok = await fetch(`${api.url}/graphql?query=${query}`, {
      headers: { "apollo-require-preflight": "true", accept: "application/graphql-response+json" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("application/graphql-response+json");
    expect(await ok.json()).toEqual({ data: { assets: { nodes: [{ symbol: "C1" }] } } });
    const mutation = await fetch(`${api.url}/graphql?query=${encodeURIComponent("mutation { runIngestion { id } }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(mutation.status).toBe(405);
  });

  it("lets reads of quote data be cached until the next ingestion tick, and never the polling feed or ingestion state", async () => {
    const query = (on: Service, q: string) =>
      fetch(`${on.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: q }),
      });
    // No schedule here, so no next tick: nothing may be cached.
    const unscheduled = await query(api.service, `{ latestQuotes(symbols: ["C1"]) { price asset { symbol } } }`);
    expect(unscheduled.headers.get("cache-control")).toBe("no-store");

    // Its own database: a price source is recorded per database.
    const other = await createTestDatabase();
    const scheduled = await startService(
      // Yearly ticks against an unreachable CMC: the next tick is far away, so the cap applies.
      testConfig(other, { INGEST_CRON: "0 0 1 1 *", CMC_BASE_URL: "http://127.0.0.1:9", CMC_API_KEY: "k" }),
      quietLogger,
    );
    try {
      await scheduled.ingestion.scheduler.startupRun;
      const latest = await query(scheduled, `{ latestQuotes { price asset { symbol } } }`);
      expect(latest.headers.get("cache-control")).toBe("max-age=300, public");
      await scheduled.database.dataSource.query(
        `INSERT INTO asset (cmc_id, symbol, name, slug, tracked) VALUES (1, 'BTC', 'Bitcoin', 'bitcoin', true)`,
      );
      const candles = await query(scheduled, `{ candles(symbol: "BTC", interval: HOUR) { start close } }`);
      expect(await candles.json()).toEqual({ data: { candles: [] } });
      expect(candles.headers.get("cache-control")).toBe("max-age=300, public");
      const history = await query(scheduled, `{ priceHistory(symbol: "BTC") { nodes { price } } }`);
      expect(history.headers.get("cache-control")).toBe("max-age=300, public");
      const assets = await query(scheduled, `{ assets { nodes { symbol } } asset(cmcId: 1) { name } }`);
      expect(assets.headers.get("cache-control")).toBe("max-age=300, public");
      const mixed = await query(scheduled, `{ latestQuotes { price } ingestionRuns { id } }`);
      expect(mixed.headers.get("cache-control")).toBe("no-store");
      const refused = await query(scheduled, `{ candles(symbol: "NOPE", interval: HOUR) { close } }`);
      expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: "BAD_USER_INPUT" } }] });
      expect(refused.headers.get("cache-control")).toBe("no-store");
      const poll = await query(scheduled, `{ quoteUpdates { cursor quotes { price } } }`);
      expect(poll.headers.get("cache-control")).toBe("no-store");
      const ingestion = await query(scheduled, `{ ingestion { nextRunAt } }`);
      expect(ingestion.headers.get("cache-control")).toBe("no-store");
    } finally {
      await scheduled.stop();
      await other.drop();
    }
  });
});

describe("Apollo Sandbox outside production", () => {
  const api = useApi({
    seed: async (ds) => {
      await insertSampleAssets(ds);
      await ds.query(`
        INSERT INTO price_quote (asset_id, convert, price, percent_change_24h, last_updated)
        SELECT a.id, 'USD', a.cmc_id * 10 + m, 1.5, timestamptz '2026-01-05T00:00:00Z' + m * interval '1 minute'
        FROM asset a CROSS JOIN generate_series(0, 2) m WHERE a.tracked`);
    },
  });

  it("runs each starter operation against the sample data, without an error", async () => {
    const run = async (operationName: string, variables: Record<string, unknown> = {}) => {
      const { status, body } = await graphql(api.url, STARTER_DOCUMENT, variables, { operationName });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      return body.data;
    };
    const start = await run("Start");
    expect(
      start.quoteUpdates.quotes.map((q: { asset: { symbol: string }; price: number }) => [q.asset.symbol, q.price]),
    ).toEqual([
      ["BTC", 12],
      ["ETH", 10272],
    ]);
    await api.ds.query(`
      INSERT INTO price_quote (asset_id, convert, price, last_updated)
      SELECT id, 'USD', 99, timestamptz '2026-01-05T00:10:00Z' FROM asset WHERE cmc_id = 1`);
    // Quotes written around the store reach the candle rollups when they are rebuilt.
    await rebuildRollups(api.ds);
    const poll = await run("Poll", { after: start.quoteUpdates.cursor });
    expect(poll.quoteUpdates.quotes).toEqual([
      { asset: { symbol: "BTC" }, convert: "USD", price: 99, lastUpdated: "2026-01-05T00:10:00.000Z" },
    ]);
    expect((await run("Chart")).candles).toEqual([
      { start: "2026-01-05T00:00:00.000Z", open: 10, high: 99, low: 10, close: 99, samples: 4 },
    ]);
    const history = (await run("History")).priceHistory;
    expect(history.nodes.map((n: { price: number }) => n.price)).toEqual([99, 12, 11, 10]);
    expect(history.pageInfo.hasNextPage).toBe(false);
  });

  it("opens on /graphql in a browser with the dashboard's queries and the polling loop ready to run", async () => {
    const page = await fetch(`${api.url}/graphql`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("embeddable-sandbox");
    // Sandbox sends Apollo no usage telemetry from here.
    expect(html).toContain('"runTelemetry":false');
    expect(html).not.toContain('"runTelemetry":true');
    // The starter document travels JSON-encoded inside the page.
    for (const operation of [
      "query Start",
      "query Poll($after: String!)",
      "quoteUpdates(after: $after, waitSeconds: 25)",
      "subscription Live",
    ]) {
      expect(html).toContain(JSON.stringify(operation).slice(1, -1));
    }
  });
});

describe("GraphQL in production mode", () => {
  const api = useApi({ env: { NODE_ENV: "production", CORS_ORIGINS: "https://dash.example.com" } });

  it("turns introspection, the Sandbox landing page and field suggestions off", async () => {
    const { body } = await graphql(api.url, `{ __schema { queryType { name } } }`);
    expect(body.errors?.[0].message).toMatch(/introspection/i);
    const page = await fetch(`${api.url}/graphql`, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toMatch(/sandbox/i);
    const typo = await graphql(api.url, `{ asets { nodes { symbol } } }`);
    expect(typo.status).toBe(400);
    expect(typo.body.errors?.[0].message).toBe('Cannot query field "asets" on type "Query".');
  });

  it("keeps messages written for clients, and answers a database outage with 503, Retry-After and SERVICE_UNAVAILABLE", async () => {
    const input = await graphql(api.url, `{ latestQuotes(symbols: ["NOPE"]) { price } }`);
    expect(input.body.errors?.[0].message).toContain('unknown symbol "NOPE"');
    const outage = await cutDatabase(api.db);
    try {
      const response = await fetch(`${api.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ assets { nodes { symbol } } }` }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      const body = await response.json();
      expect(body).toEqual({
        data: null,
        errors: [
          {
            message: "the database is unavailable; retry in 5 seconds",
            path: ["assets"],
            extensions: { code: "SERVICE_UNAVAILABLE" },
          },
        ],
      });
      const ready = await fetch(`${api.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable", reason: "database unreachable" });
    } finally {
      await outage.restore();
    }
    const after = await graphql(api.url, `{ assets { nodes { symbol } } }`);
    expect(after).toEqual({ status: 200, body: { data: { assets: { nodes: [] } } } });
  });

  it("allows browsers only from CORS_ORIGINS", async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/graphql`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    expect((await preflight("https://dash.example.com")).headers.get("access-control-allow-origin")).toBe(
      "https://dash.example.com",
    );
    expect((await preflight("https://evil.example.com")).headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("limits and the pool from the configuration", () => {
  const api = useApi({
    env: { GRAPHQL_MAX_DEPTH: "3", GRAPHQL_MAX_COMPLEXITY: "50", DB_POOL_MAX: "2" },
    seed: insertSampleAssets,
  });

  it("refuses queries deeper than GRAPHQL_MAX_DEPTH and costlier than GRAPHQL_MAX_COMPLEXITY, and keeps the rest", async () => {
    const shallow = await graphql(api.url, `{ assets(first: 2) { nodes { symbol } } }`);
    expect(shallow.body).toEqual({ data: { assets: { nodes: [{ symbol: "BTC" }, { symbol: "ETH" }] } } });
    const deep = await graphql(api.url, `{ assets(first: 2) { nodes { latestQuote { price } } } }`);
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]).toMatchObject({
      message: "query too deep: Query depth limit of 3 exceeded, found 4. Select fewer nested levels.",
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    const costly = await graphql(api.url, `{ assets(first: 50) { nodes { symbol } } }`);
    expect(costly.status).toBe(400);
    expect(costly.body.errors?.[0]).toMatchObject({
      message: "query too complex: 51 points, at most 50; ask for smaller pages (first/limit) or fewer nested lists",
      extensions: { code: "GRAPHQL_VALIDATION_FAILED", complexity: 51, maxComplexity: 50 },
    });
    expect(costly.body.errors?.[0].extensions).not.toHaveProperty("http");
    const fits = await graphql(api.url, `{ assets(first: 49) { nodes { symbol } } }`);
    expect(fits.body.errors).toBeUndefined();
  });

  it("opens at most DB_POOL_MAX connections for the API, however many requests come at once; ingestion keeps its own", async () => {
    await Promise.all(
      Array.from({ length: 20 }, () => graphql(api.url, `{ latestQuotes { price } assets { nodes { symbol } } }`)),
    );
    const open: { application_name: string; n: number }[] = await api.ds.query(
      `SELECT application_name, count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name LIKE 'quotegraph%' GROUP BY 1 ORDER BY 1`,
    );
    const api_ = open.find((row) => row.application_name === "quotegraph");
    expect(api_?.n).toBeLessThanOrEqual(2);
    // The writer's pool: the LISTEN connection and the connection the migration lock used.
    expect(open.find((row) => row.application_name === "quotegraph-writer")?.n).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^quotegraph_db_pool_connections\{pool="api",state="total"\} [12]$/m);
    expect(metrics).toMatch(/^quotegraph_db_pool_connections\{pool="writer",state="total"\} [123]$/m);
  });
});

describe("stack traces only in development", () => {
  const unset = useApi({ env: { NODE_ENV: "" }, seed: insertSampleAssets });
  const development = useApi({ env: { NODE_ENV: "development" }, seed: insertSampleAssets });
  const badLimit = `{ candles(symbol: "BTC", interval: HOUR, limit: 0) { start } }`;

  it("shows a client error's code and message, without a stack trace, when NODE_ENV is unset", async () => {
    const { status, body } = await graphql(unset.url, badLimit);
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      { message: "limit must be a whole number from 1 to 1000; got 0", extensions: { code: "BAD_USER_INPUT" } },
    ]);
    const unknown = await graphql(unset.url, `{ candles(symbol: "NOPE", interval: HOUR) { start } }`);
    expect(unknown.body.errors).toEqual([
      {
        message:
          'unknown symbol "NOPE": use the symbol of an asset this service knows (query assets), or track it first with trackAsset',
        locations: [{ line: 1, column: 3 }],
        path: ["candles"],
        extensions: { code: "BAD_USER_INPUT" },
      },
    ]);
  });

  it("masks an internal error when NODE_ENV is unset, and shows it with its stack in development", async () => {
    // A quote whose asset does not exist (written past the foreign key): the `asset` resolver's own
    // invariant breaks, which is the server's fault.
    const fromStart = Buffer.from("updates:0.0").toString("base64url");
    const query = `{ quoteUpdates(after: "${fromStart}") { quotes { price asset { symbol } } } }`;
    const answers = [];
    for (const api of [unset, development]) {
      await api.ds.transaction(async (tx) => {
        await tx.query(`SET LOCAL session_replication_role = replica`);
        await tx.query(
          `INSERT INTO price_quote (asset_id, convert, price, last_updated) VALUES (999, 'USD', 1, '2026-01-05T00:00:00Z')`,
        );
      });
      answers.push((await graphql(api.url, query)).body.errors?.[0]);
    }
    expect(answers[0]).toEqual({
      message: "internal server error",
      path: ["quoteUpdates", "quotes", 0, "asset"],
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(answers[1]).toMatchObject({
      message: "asset 999 of quote 1 is missing",
      path: ["quoteUpdates", "quotes", 0, "asset"],
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(answers[1].extensions.stacktrace[0]).toBe("Error: asset 999 of quote 1 is missing");
  });

  it("shows the stack trace of a client error in development", async () => {
    const { body } = await graphql(development.url, badLimit);
    expect(body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0].extensions.stacktrace?.[0]).toBe(
      "GraphQLError: limit must be a whole number from 1 to 1000; got 0",
    );
  });
});

describe("what a failed statement leaves in the log", () => {
  const recorder = logRecorder();
  const api = useApi({ seed: insertSampleAssets, logger: recorder.logger });

  it("logs no SQL and no client parameter above debug", async () => {
    // The feed's statement now fails inside PostgreSQL: a server fault, with the client's cursor as parameters.
    await api.ds.query(`ALTER FUNCTION quote_tx_frontier() RENAME TO quote_tx_frontier_gone`);
    try {
      const cursor = Buffer.from("updates:4242424242.31337").toString("base64url");
      const { body } = await graphql(api.url, `{ quoteUpdates(after: "${cursor}") { cursor } }`);
      expect(body.errors?.[0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
    } finally {
      await api.ds.query(`ALTER FUNCTION quote_tx_frontier_gone() RENAME TO quote_tx_frontier`);
    }
    const failed = recorder.lines.filter((l) => l.msg.startsWith("GraphQL request failed"));
    const above = failed.filter((l) => l.level > 20);
    expect(above).toHaveLength(1);
    expect(above[0].err.message).toBe("function quote_tx_frontier() does not exist");
    // Without the line's time, whose digits may hold 31337 by chance.
    expect(JSON.stringify(above.map(({ time: _time, ...line }) => line))).not.toMatch(
      /4242424242|31337|SELECT|price_quote/,
    );
    const debug = failed.filter((l) => l.level === 20);
    expect(JSON.stringify(debug)).toMatch(/4242424242/);
  });

  it("answers a subscription sent over HTTP with 400 and where to send it", async () => {
    const { status, body } = await graphql(api.url, `subscription { quoteAdded { price } }`);
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        message:
          "subscriptions are served over WebSocket (graphql-transport-ws) on this same /graphql path, not over HTTP",
        extensions: { code: "BAD_REQUEST" },
      },
    ]);
  });
});

describe("one request's share of the database", () => {
  const slow = useApi({ env: { DB_STATEMENT_TIMEOUT_MS: "300" }, seed: insertSampleAssets });
  const patient = useApi({ env: { DB_STATEMENT_TIMEOUT_MS: "0" }, seed: insertSampleAssets });

  /** Holds an exclusive lock on the asset table from a connection of its own, until release(). */
  async function lockAssets(url: string) {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query("BEGIN");
    await client.query("LOCK TABLE asset IN ACCESS EXCLUSIVE MODE");
    return {
      async release() {
        await client.query("ROLLBACK");
        await client.end();
      },
    };
  }

  it("bounds each statement by DB_STATEMENT_TIMEOUT_MS: QUERY_TIMEOUT, HTTP 503 with Retry-After", async () => {
    const lock = await lockAssets(slow.db.url);
    try {
      const response = await fetch(`${slow.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ assets { nodes { symbol } } }" }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toEqual({
        data: null,
        errors: [
          {
            message:
              "the query ran longer than this server allows (DB_STATEMENT_TIMEOUT_MS); ask for less, or retry later",
            path: ["assets"],
            extensions: { code: "QUERY_TIMEOUT" },
          },
        ],
      });
    } finally {
      await lock.release();
    }
    expect((await graphql(slow.url, "{ assets { nodes { symbol } } }")).status).toBe(200);
  });

  it(`runs at most ${REQUEST_STATEMENTS} statements of one request at once, however many root fields it has`, async () => {
    const waiting = async () => {
      const [{ n }] = await patient.ds.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'quotegraph' AND wait_event_type = 'Lock'`,
      );
      return n;
    };
    const lock = await lockAssets(patient.db.url);
    let answer: Promise<unknown> | undefined;
    try {
      const query = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: assets(symbols: ["S${i}"]) { nodes { id } }`).join(" ")} }`;
      answer = graphql(patient.url, query);
      await expect.poll(waiting).toBe(REQUEST_STATEMENTS);
      // A second look: the other eight statements are still queued in the service, not in PostgreSQL.
      expect(await waiting()).toBe(REQUEST_STATEMENTS);
    } finally {
      await lock.release();
    }
    expect(await answer).toMatchObject({ status: 200 });
  });
});

describe("a client's malformed request is a 400 with a code it can act on, never a 500", () => {
  const recorder = logRecorder();
  const api = useApi({ env: { NODE_ENV: "" }, seed: insertSampleAssets, logger: recorder.logger });

  it.each([
    [
      "a variable of the wrong type",
      { query: "query($n: Int) { assets(first: $n) { nodes { id } } }", variables: { n: "x" } },
      'Variable "$n" got invalid value "x"; Int cannot represent non-integer value: "x"',
      "BAD_USER_INPUT",
    ],
    [
      "a missing required variable",
      { query: "query($s: String!) { candles(symbol: $s, interval: HOUR) { start } }" },
      'Variable "$s" of required type "String!" was not provided.',
      "BAD_USER_INPUT",
    ],
    [
      "an unknown operationName for an anonymous operation",
      { query: "{ assets { nodes { id } } }", operationName: "B" },
      'Unknown operation named "B".',
      "OPERATION_RESOLUTION_FAILURE",
    ],
    [
      "an unknown operationName",
      { query: "query A { assets { nodes { id } } }", operationName: "B" },
      'Unknown operation named "B".',
      "OPERATION_RESOLUTION_FAILURE",
    ],
    [
      "a persisted-query hash that does not match its query",
      { query: "{ assets { nodes { id } } }", extensions: { persistedQuery: { version: 1, sha256Hash: "abc" } } },
      "provided sha does not match query",
      "BAD_REQUEST",
    ],
    [
      "a subscription with @include at its root (graphql-js's validation throws on it)",
      { query: "subscription($b: Boolean!) { quoteAdded @include(if: $b) { price } }", variables: { b: true } },
      'Argument "if" of required type "Boolean!" was provided the variable "$b" which was not provided a runtime value.',
      "GRAPHQL_VALIDATION_FAILED",
    ],
    [
      "an Int beyond 32 bits",
      { query: "{ assets(first: 99999999999) { nodes { id } } }" },
      "Int cannot represent non 32-bit signed integer value: 99999999999",
      "GRAPHQL_VALIDATION_FAILED",
    ],
  ])("%s", async (_case, body, message, code) => {
    recorder.lines.length = 0;
    const response = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    const { errors } = (await response.json()) as { errors: { message: string; extensions: unknown }[] };
    expect(errors[0].message).toBe(message);
    expect(errors[0].extensions).toEqual({ code });
    // Logged as one request line at info, with no error and no stack trace.
    expect(recorder.lines.filter((l) => l.level > 30)).toEqual([]);
    expect(JSON.stringify(recorder.lines)).not.toMatch(/stack| {4}at /);
  });

  it.each([
    ["not JSON", "{ query: 1", 400, /^Expected property name or '}' in JSON at position 2/],
    [
      "larger than 100 kB",
      JSON.stringify({ query: `{ ${"x".repeat(110_000)} }` }),
      413,
      /^request body larger than 100kb$/,
    ],
  ])("answers a body %s with its status and BAD_REQUEST", async (_case, body, status, message) => {
    recorder.lines.length = 0;
    const response = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(status);
    const { errors } = (await response.json()) as { errors: { message: string; extensions: unknown }[] };
    expect(errors).toEqual([{ message: expect.stringMatching(message), extensions: { code: "BAD_REQUEST" } }]);
    expect(recorder.lines.filter((l) => l.level > 30)).toEqual([]);
  });
});
