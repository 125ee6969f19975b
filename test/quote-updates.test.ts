import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Service, startService } from "../src/service";
import { useApi } from "./support/api";
import { quietLogger, testConfig } from "./support/database";
import { graphql } from "./support/graphql";

const UPDATES = `query($after: String, $symbols: [String!], $convert: String, $limit: Int, $wait: Int) {
  quoteUpdates(after: $after, symbols: $symbols, convert: $convert, limit: $limit, waitSeconds: $wait) {
    cursor hasMore quotes { id convert price lastUpdated asset { symbol } } } }`;

interface Page {
  cursor: string;
  hasMore: boolean;
  quotes: { id: string; convert: string; price: number; lastUpdated: string; asset: { symbol: string } }[];
}

describe("quoteUpdates: the exactly-once polling feed", () => {
  const api = useApi({
    env: { CONVERT: "USD,EUR" },
    seed: (ds) =>
      ds.query(`
        INSERT INTO asset (cmc_id, symbol, name, slug, rank, tracked) VALUES
          (1, 'BTC', 'Bitcoin', 'bitcoin', 1, true), (1027, 'ETH', 'Ethereum', 'ethereum', 2, true),
          (5426, 'SOL', 'Solana', 'solana', 5, false)`),
  });
  let replica: Service;
  let minute = 0;

  async function poll(variables: Record<string, unknown>, on: Service = api.service): Promise<Page> {
    const { body } = await graphql(on.url, UPDATES, variables);
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data.quoteUpdates;
  }

  /** Inserts quotes in its own transaction on its own connection, as another writer would. */
  async function connect(): Promise<Client> {
    const client = new Client({ connectionString: api.db.url });
    await client.connect();
    return client;
  }
  const insert = (client: Client, cmcId: number, convert = "USD") =>
    client.query(
      `INSERT INTO price_quote (asset_id, convert, price, last_updated)
       SELECT id, $2, 100 + $3, timestamptz '2026-01-01' + $3 * interval '1 minute' FROM asset WHERE cmc_id = $1
       RETURNING id::text`,
      [cmcId, convert, ++minute],
    );

  beforeAll(async () => {
    replica = await startService(testConfig(api.db, { CONVERT: "USD,EUR" }), quietLogger, { schedule: false });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("starts from the latest quote of each tracked asset in every configured currency, then brings only what follows", async () => {
    const writer = await connect();
    await insert(writer, 1);
    await insert(writer, 1);
    await insert(writer, 1027);
    await insert(writer, 1, "EUR");
    await insert(writer, 5426);
    const start = await poll({});
    expect(start.quotes.map((q) => `${q.asset.symbol}/${q.convert}/${q.price}`).sort()).toEqual(
      ["BTC/EUR/104", "BTC/USD/102", "ETH/USD/103"].sort(),
    );
    expect(start.hasMore).toBe(false);
    expect((await poll({ after: start.cursor })).quotes).toEqual([]);

    const [{ id }] = (await insert(writer, 1027)).rows;
    const next = await poll({ after: start.cursor });
    expect(next.quotes.map((q) => q.id)).toEqual([id]);
    expect((await poll({ after: next.cursor })).quotes).toEqual([]);
    await writer.end();
  });

  it("never skips a quote whose transaction took its id earlier but committed later", async () => {
    const slow = await connect();
    const fast = await connect();
    const start = await poll({});
    await slow.query("BEGIN");
    const [{ id: early }] = (await insert(slow, 1)).rows;
    const [{ id: late }] = (await insert(fast, 1027)).rows;
    expect(BigInt(early)).toBeLessThan(BigInt(late));
    // The slow transaction is still open: the committed later id must wait, or the earlier one would be skipped.
    const whileOpen = await poll({ after: start.cursor });
    expect(whileOpen.quotes).toEqual([]);
    await slow.query("COMMIT");
    const after = await poll({ after: whileOpen.cursor });
    expect(after.quotes.map((q) => q.id)).toEqual([early, late]);
    await slow.end();
    await fast.end();
  });

  it("delivers every quote exactly once to a poller following the cursor while two writers commit concurrently, on two replicas", async () => {
    const writers = [await connect(), await connect()];
    let cursor = (await poll({})).cursor;
    const written: string[] = [];
    const seen: string[] = [];
    let writing = true;
    const write = async (client: Client, n: number) => {
      for (let i = 0; i < n; i++) {
        await client.query("BEGIN");
        for (let k = 0; k < 1 + (i % 3); k++) written.push((await insert(client, i % 2 ? 1 : 1027)).rows[0].id);
        // Some transactions stay open across the other writer's commits, so ids commit out of order.
        if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
        await client.query("COMMIT");
      }
    };
    const writes = Promise.all([write(writers[0], 60), write(writers[1], 60)]).then(() => {
      writing = false;
    });
    for (let turn = 0; writing || turn < 2; turn++) {
      const page = await poll({ after: cursor, limit: 7 }, turn % 2 ? replica : api.service);
      seen.push(...page.quotes.map((q) => q.id));
      cursor = page.cursor;
      if (!writing && !page.hasMore && page.quotes.length === 0) break;
    }
    await writes;
    for (;;) {
      const page = await poll({ after: cursor, limit: 1000 });
      seen.push(...page.quotes.map((q) => q.id));
      cursor = page.cursor;
      if (page.quotes.length === 0) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...written].sort());
    expect(written.length).toBeGreaterThan(200);
    await Promise.all(writers.map((w) => w.end()));
  });

  it("filters by symbols and convert, pages with hasMore, and keeps the cursor moving", async () => {
    const writer = await connect();
    let cursor = (await poll({})).cursor;
    for (let i = 0; i < 5; i++) await insert(writer, 1, "EUR");
    await insert(writer, 1027, "EUR");
    await insert(writer, 1, "USD");
    const first = await poll({ after: cursor, symbols: ["btc"], convert: "eur", limit: 3 });
    expect(first.quotes).toHaveLength(3);
    expect(first.hasMore).toBe(true);
    const second = await poll({ after: first.cursor, symbols: ["BTC"], convert: "EUR", limit: 3 });
    expect(second.quotes).toHaveLength(2);
    expect(second.hasMore).toBe(false);
    expect([...first.quotes, ...second.quotes].every((q) => q.asset.symbol === "BTC" && q.convert === "EUR")).toBe(
      true,
    );
    cursor = second.cursor;
    expect((await poll({ after: cursor, symbols: ["BTC"], convert: "EUR" })).quotes).toEqual([]);
    await writer.end();
  });

  it("long-polls: answers as soon as a quote is stored through another replica, and empty after its timeout", async () => {
    const { cursor } = await poll({});
    const empty = await poll({ after: cursor, wait: 1 });
    expect(empty.quotes).toEqual([]);

    const started = Date.now();
    const waiting = poll({ after: empty.cursor, wait: 25 });
    const writer = await connect();
    // NOTIFY as ingestion sends it, from a connection of neither replica.
    await writer.query("BEGIN");
    const [{ id }] = (await insert(writer, 1)).rows;
    await writer.query(`SELECT pg_notify('quotegraph_quote_added', '{"count":1}')`);
    await writer.query("COMMIT");
    const woke = await waiting;
    expect(woke.quotes.map((q) => q.id)).toEqual([id]);
    expect(Date.now() - started).toBeLessThan(25_000);
    await writer.end();
  });

  it("releases the waiter of a client that hangs up", async () => {
    const { cursor } = await poll({});
    const hangUp = new AbortController();
    const request = fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: UPDATES, variables: { after: cursor, wait: 30 } }),
      signal: hangUp.signal,
    }).catch((error: Error) => error.name);
    await expect.poll(waiters).toBe(1);
    hangUp.abort();
    expect(await request).toBe("AbortError");
    await expect.poll(waiters).toBe(0);
  });

  it.each([
    [{ limit: 0 }, "limit must be a whole number from 1 to 1000; got 0"],
    [{ limit: 1001 }, "limit must be a whole number from 1 to 1000; got 1001"],
    [{ wait: 31 }, "waitSeconds must be a whole number from 0 to 30; got 31"],
    [{ wait: -1 }, "waitSeconds must be a whole number from 0 to 30; got -1"],
    [{ after: "bm90LWEtY3Vyc29y" }, "is not a cursor of this list"],
    [{ convert: "JPY" }, 'convert "JPY" is not collected by this service'],
    [{ symbols: ["NOPE"] }, 'unknown symbol "NOPE"'],
  ])("refuses %o with BAD_USER_INPUT", async (variables, message) => {
    const { body } = await graphql(api.url, UPDATES, variables);
    expect(body.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0].message).toContain(message);
  });

  function waiters(): number {
    return api.service.hub.waiters;
  }
});
