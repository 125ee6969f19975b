import { createClient, type Client as WsClient } from "graphql-ws";
import { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Database, openDatabase } from "../src/db/data-source";
import { insertQuotes } from "../src/db/store/quotes";
import { useApi } from "./support/api";
import { quietLogger, testConfig } from "./support/database";
import { newQuote } from "./support/store-fixtures";

interface Added {
  price: number;
  convert: string;
  asset: { symbol: string };
}

/** Collects a subscription's events; resolves `until` once `count` arrived. */
function subscribe(client: WsClient, query: string, variables: Record<string, unknown> = {}) {
  const events: Added[] = [];
  let wanted = 0;
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const dispose = client.subscribe<{ quoteAdded: Added }>(
    { query, variables },
    {
      next: ({ data, errors }) => {
        if (errors) reject(new Error(JSON.stringify(errors)));
        if (data) events.push(data.quoteAdded);
        if (events.length >= wanted) resolve();
      },
      error: (error) => reject(error),
      complete: () => resolve(),
    },
  );
  return {
    events,
    dispose,
    until(count: number) {
      wanted = count;
      return new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
        if (events.length >= count) res();
      });
    },
  };
}

describe("quoteAdded over WebSocket (graphql-transport-ws)", () => {
  const api = useApi({ env: { CONVERT: "USD,EUR" } });
  let writer: DataSource;
  let opened: Database | undefined;
  let client: WsClient;
  let minute = 0;
  let ids: Map<string, number>;

  /** Stores quotes the way ingestion does (one transaction + NOTIFY), from a connection the service does not own. */
  async function store(...quotes: [symbol: string, convert: string, price: number][]) {
    await insertQuotes(
      writer,
      quotes.map(([symbol, convert, price]) =>
        newQuote({
          assetId: ids.get(symbol) as number,
          convert,
          price: String(price),
          lastUpdated: new Date(Date.UTC(2026, 0, 1, 0, ++minute)),
        }),
      ),
    );
  }

  beforeAll(async () => {
    opened = await openDatabase(testConfig(api.db), quietLogger);
    writer = opened.writer;
    const rows: { id: number; symbol: string }[] = await writer.query(`
      INSERT INTO asset (cmc_id, symbol, name, slug, rank, tracked) VALUES
        (1, 'BTC', 'Bitcoin', 'bitcoin', 1, true), (1027, 'ETH', 'Ethereum', 'ethereum', 2, true) RETURNING id, symbol`);
    ids = new Map(rows.map((r) => [r.symbol, r.id]));
    client = createClient({
      url: `${api.url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
    });
  });
  afterAll(async () => {
    await client?.dispose();
    await opened?.close();
  });

  it("pushes every stored quote once, in commit order, honouring symbol and convert filters", async () => {
    const all = subscribe(client, `subscription { quoteAdded { price convert asset { symbol } } }`);
    const btcEur = subscribe(
      client,
      `subscription($s: [String!], $c: String) { quoteAdded(symbols: $s, convert: $c) { price convert asset { symbol } } }`,
      { s: ["btc"], c: "eur" },
    );
    // The subscriptions start at the current frontier; wait until both are listening.
    await expect.poll(() => api.service.hub.waiters).toBe(2);
    await store(["BTC", "USD", 1], ["ETH", "USD", 2]);
    await store(["BTC", "EUR", 3]);
    await store(["ETH", "EUR", 4], ["BTC", "EUR", 5]);
    await all.until(5);
    await btcEur.until(2);
    expect(all.events.map((e) => e.price)).toEqual([1, 2, 3, 4, 5]);
    expect(btcEur.events).toEqual([
      { price: 3, convert: "EUR", asset: { symbol: "BTC" } },
      { price: 5, convert: "EUR", asset: { symbol: "BTC" } },
    ]);
    all.dispose();
    btcEur.dispose();
    await expect.poll(() => api.service.hub.waiters).toBe(0);
  });

  it.each([
    [
      "an unknown symbol",
      "NOPE",
      'unknown symbol "NOPE": use the symbol of an asset this service knows (query assets), or track it first with trackAsset',
    ],
    // Found by the hostile GraphQL run (seed 8266607): an internal error, its SQL in the log.
    [
      "a symbol with a NUL character, before it reaches PostgreSQL",
      "BTC\\u0000",
      'text arguments cannot contain the NUL character (U+0000); got "BTC\\u0000"',
    ],
  ])("refuses %s with BAD_USER_INPUT", async (_what, symbol, message) => {
    const bad = subscribe(client, `subscription { quoteAdded(symbols: ["${symbol}"]) { price } }`);
    // The subscription's first result carries the errors; subscribe() turns them into a rejection.
    const refused = await bad.until(1).then(
      () => "no error",
      (error: Error) => JSON.parse(error.message),
    );
    expect(refused).toEqual([
      {
        message,
        locations: [{ line: 1, column: 16 }],
        path: ["quoteAdded"],
        extensions: { code: "BAD_USER_INPUT" },
      },
    ]);
    expect(bad.events).toEqual([]);
  });
});
