/*
 * The baseline: node:http and a pg Pool, running the service's own store functions (so the same
 * SQL, imported from its build) and answering with JSON.stringify of their rows. No GraphQL, no
 * validation: the floor the service's per-request cost is measured against.
 * Usage: node servers/bare.ts (PORT, DATABASE_URL from the environment).
 */
import { createServer } from "node:http";
import pg from "pg";
import { dist, type Sql } from "../quotegraph.ts";

const assets = dist("src/db/store/assets");
const quotes = dist("src/db/store/quotes");
const candles = dist("src/db/store/candles");

// As many connections as the service's API pool (DB_POOL_MAX's default).
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const db: Sql = { query: async (sql, parameters) => (await pool.query(sql, parameters as unknown[])).rows };

const date = (value: string | null) => (value ? new Date(value) : null);

async function assetOf(symbol: string) {
  const found = await assets.assetsBySymbols(db, [symbol]);
  const asset = found.get(assets.symbolKey(symbol));
  if (!asset) throw new Error(`unknown symbol ${symbol}`);
  return asset;
}

type Handler = (params: URLSearchParams) => Promise<unknown>;

const routes: Record<string, Handler> = {
  async "/latestQuotes"(p) {
    const tracked = await assets.trackedAssets(db);
    return quotes.latestQuotes(
      db,
      tracked.map((a: { id: number }) => ({ assetId: a.id, convert: p.get("convert") })),
    );
  },
  async "/priceHistory"(p) {
    const asset = await assetOf(p.get("symbol") as string);
    const first = Number(p.get("first"));
    const entries = await quotes.historyPage(db, {
      assetId: asset.id,
      convert: p.get("convert"),
      from: date(p.get("from")),
      to: date(p.get("to")),
      afterPosition: null,
      order: "DESC",
      limit: first + 1,
    });
    return entries.slice(0, first).map((e: { quote: unknown }) => e.quote);
  },
  async "/candles"(p) {
    const asset = await assetOf(p.get("symbol") as string);
    return candles.candles(db, {
      assetId: asset.id,
      convert: p.get("convert"),
      width: p.get("width"),
      from: date(p.get("from")),
      to: date(p.get("to")),
      limit: Number(p.get("limit")),
    });
  },
  async "/assets"(p) {
    const page = await assets.assetPage(db, {
      tracked: null,
      symbols: null,
      afterId: null,
      limit: Number(p.get("first")),
    });
    const latest = await quotes.latestQuotes(
      db,
      page.map((a: { id: number }) => ({ assetId: a.id, convert: p.get("convert") })),
    );
    const byAsset = new Map(latest.map((q: { assetId: number }) => [q.assetId, q]));
    return page.map((a: { id: number }) => ({ ...a, latestQuote: byAsset.get(a.id) ?? null }));
  },
  async "/readyz"() {
    await db.query("SELECT 1");
    return { ready: true };
  },
};

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://bare");
  const route = routes[url.pathname];
  if (!route) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = JSON.stringify(await route(url.searchParams));
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" }).end((error as Error).message);
  }
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT), "127.0.0.1");

process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pool.end();
});
