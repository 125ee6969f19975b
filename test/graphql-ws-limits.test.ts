import { createClient, type Client as WsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { useApi } from "./support/api";
import { insertSampleAssets } from "./support/database";
import { graphql } from "./support/graphql";
import { logRecorder } from "./support/log-recorder";

type WsAnswer = { errors: unknown[] } | { results: unknown[] } | { closed: string };

/** Runs one operation over the socket: its `error` message, its `next` results, or how the socket closed. */
function overWs(
  client: WsClient,
  query: string,
  variables?: Record<string, unknown>,
  operationName?: string,
): Promise<WsAnswer> {
  return new Promise((resolve) => {
    const results: unknown[] = [];
    client.subscribe(
      { query, variables, operationName },
      {
        next: (result) => results.push(result),
        error: (error) => {
          const { code, reason } = error as { code?: number; reason?: string };
          resolve(Array.isArray(error) ? { errors: error } : { closed: `${code} ${reason}` });
        },
        complete: () => resolve({ results }),
      },
    );
  });
}

const alias = (n: number) => `{${Array.from({ length: n }, (_, i) => `q${i}: latestQuotes { id }`).join(" ")}}`;

// Each refused before execution over HTTP (400); over WebSocket the same errors are the `error` message.
const REFUSED: [string, string, Record<string, unknown>?, string?][] = [
  ["too deep", `{ latestQuotes { ${"asset { latestQuote { ".repeat(5)}price${" } }".repeat(5)} } }`],
  ["too many aliases", alias(31)],
  ["too many root fields", `{ ${Array.from({ length: 21 }, (_, i) => `r${i}: ingestion { enabled }`).join(" ")} }`],
  ["too complex", "{ assets(first: 1000) { nodes { history(first: 100) { nodes { price } } } } }"],
  [
    "out of range before too complex",
    "{ assets(first: 100000) { nodes { history(first: 1000) { nodes { price } } } } }",
  ],
  ["an out-of-range variable", "query($n: Int) { assets(first: $n) { nodes { id } } }", { n: 0 }],
  ["a variable of the wrong type", "query($n: Int) { assets(first: $n) { nodes { id } } }", { n: "x" }],
  ["a missing required variable", "query($s: String!) { candles(symbol: $s, interval: HOUR) { start } }"],
  ["an unknown operation name", "query A { ingestion { enabled } }", undefined, "B"],
  ["a syntax error", "{ latestQuotes { id }"],
  ["an unknown field, without suggestions", "{ assetz { id } }"],
  ["introspection, which is off", "{ __schema { queryType { name } } }"],
  [
    "an unknown enum value, without suggestions",
    'query($i: CandleInterval!) { candles(symbol: "BTC", interval: $i) { start } }',
    { i: "HOURR" },
  ],
];

describe("GraphQL over WebSocket: the limits, codes and error format of HTTP", () => {
  const recorder = logRecorder();
  const api = useApi({
    env: { NODE_ENV: "", GRAPHQL_INTROSPECTION: "false" },
    seed: insertSampleAssets,
    logger: recorder.logger,
  });
  let client: WsClient;
  const closes: string[] = [];

  beforeAll(() => {
    client = createClient({
      url: `${api.url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      // One socket for the whole file: an operation that closed it would show in `closes`.
      lazy: false,
      on: { closed: (event) => closes.push(String((event as { code?: number }).code)) },
    });
  });
  afterAll(async () => {
    await client?.dispose();
  });

  it.each(REFUSED)(
    "refuses %s with the same errors as HTTP, on a socket that stays open",
    async (_case, query, variables, operationName) => {
      const http = await graphql(api.url, query, variables, { operationName });
      expect(http.status).toBe(400);
      const ws = await overWs(client, query, variables, operationName);
      expect(ws).toEqual({ errors: http.body.errors });
      expect(JSON.stringify(ws)).not.toMatch(/Did you mean|stacktrace/);
      expect(closes).toEqual([]);
    },
  );

  it("refuses @include at a subscription's root as the client's mistake (graphql-js's validation throws on it)", async () => {
    const query = "subscription($b: Boolean!) { quoteAdded @include(if: $b) { price } }";
    expect(await overWs(client, query, { b: true })).toEqual({
      errors: [
        {
          message:
            'Argument "if" of required type "Boolean!" was provided the variable "$b" which was not provided a runtime value.',
          locations: [{ line: 1, column: 54 }],
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        },
      ],
    });
    expect(closes).toEqual([]);
  });

  it("answers the reads HTTP answers, @include and @skip among them", async () => {
    const query = `query($all: Boolean!) { latestQuotes { id } assets(first: 2) { nodes { symbol slug @include(if: $all) name @skip(if: $all) } } }`;
    const http = await graphql(api.url, query, { all: true });
    expect(http.body).toEqual({
      data: {
        latestQuotes: [],
        assets: {
          nodes: [
            { symbol: "BTC", slug: "bitcoin" },
            { symbol: "ETH", slug: "ethereum" },
          ],
        },
      },
    });
    expect(await overWs(client, query, { all: true })).toEqual({ results: [http.body] });
  });

  it("masks an internal error as HTTP does, and logs it once without a stack trace in the answer", async () => {
    // A quote whose asset does not exist (written past the foreign key): the server's fault.
    await api.ds.transaction(async (tx) => {
      await tx.query(`SET LOCAL session_replication_role = replica`);
      await tx.query(
        `INSERT INTO price_quote (asset_id, convert, price, last_updated) VALUES (999, 'USD', 1, '2026-01-05T00:00:00Z')`,
      );
    });
    const fromStart = Buffer.from("updates:0.0").toString("base64url");
    const query = `{ quoteUpdates(after: "${fromStart}") { quotes { price asset { symbol } } } }`;
    recorder.lines.length = 0;
    const http = await graphql(api.url, query);
    const ws = await overWs(client, query);
    expect(ws).toEqual({ results: [http.body] });
    expect(http.body.errors).toEqual([
      {
        message: "internal server error",
        path: ["quoteUpdates", "quotes", 0, "asset"],
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      },
    ]);
    const failed = recorder.lines.filter((l) => l.msg === "GraphQL request failed");
    expect(failed.map((l) => [l.level, l.err.message])).toEqual([
      [50, "asset 999 of quote 1 is missing"],
      [50, "asset 999 of quote 1 is missing"],
    ]);
  });

  it("closes a socket whose message is over 100 KiB with 1009, logging one line at info and printing no stack", async () => {
    const printed = vi.spyOn(console, "error");
    recorder.lines.length = 0;
    const socket = new WebSocket(`${api.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init" }));
    socket.send("x".repeat(101 * 1024));
    expect(await closed).toBe(1009);
    await expect
      .poll(() => recorder.lines.filter((l) => l.msg.startsWith("WebSocket closed")))
      .toEqual([
        expect.objectContaining({
          level: 30,
          msg: "WebSocket closed: the client broke the protocol",
          code: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH",
        }),
      ]);
    expect(printed).not.toHaveBeenCalled();
    printed.mockRestore();
  });

  it("keeps one close listener per socket however many operations it runs", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      for (let i = 0; i < 30; i++) {
        expect(await overWs(client, "{ ingestion { enabled } }")).toMatchObject({ results: [{ data: {} }] });
      }
    } finally {
      process.off("warning", onWarning);
    }
    // Node warns at the 11th listener of one event on one emitter.
    expect(warnings).toEqual([]);
  });
});
