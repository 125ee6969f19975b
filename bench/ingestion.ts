import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { dist, openServiceDatabase } from "./quotegraph.ts";
import { scratchAssets, scratchQuote } from "./scratch.ts";

const QUOTES = 5_000;
const ASSETS = 10;

export interface IngestionFigures {
  quotes: number;
  /** Milliseconds to store `quotes` quotes, by method, one entry per repetition. */
  storeMs: number[];
  copyMs: number[];
  /**
   * Milliseconds for `perQuoteOf` quotes, a connection each: all `quotes`, or as many as fitted in the
   * time budget (each commits on its own, and waits for its own WAL flush); the run's time is scaled from it.
   */
  perQuoteMs: number;
  perQuoteOf: number;
}

type Quote = ReturnType<typeof scratchQuote>;

/** 5,000 quotes (10 assets × 500 minutes) starting `minute`; each repetition writes minutes no other did. */
function batch(assetIds: number[], minute: number): Quote[] {
  const quotes: Quote[] = [];
  for (let m = 0; m < QUOTES / ASSETS; m++) for (const id of assetIds) quotes.push(scratchQuote(id, minute + m));
  return quotes;
}

const COLUMNS = [
  "asset_id",
  "convert",
  "price",
  "volume_24h",
  "market_cap",
  "percent_change_1h",
  "percent_change_24h",
  "percent_change_7d",
  "circulating_supply",
  "last_updated",
] as const;
const values = (q: Quote) => [
  q.assetId,
  q.convert,
  q.price,
  q.volume24h,
  q.marketCap,
  q.percentChange1h,
  q.percentChange24h,
  q.percentChange7d,
  q.circulatingSupply,
  q.lastUpdated.toISOString(),
];

/**
 * One run of 5,000 quotes three ways: the service's store (`insertQuotes` from its build, on its
 * writer pool: one transaction, one INSERT … SELECT unnest, its NOTIFY); a new connection and one
 * INSERT per quote (the lesson the service comes from); COPY on an open connection. The store and
 * COPY run `repetitions` times, the per-quote way once, until its 5,000 quotes are in or
 * `perQuoteBudgetMs` has passed (on a machine whose disk is busy, each commit's WAL flush takes
 * from milliseconds to a second).
 */
export async function ingestionFigures(
  databaseUrl: string,
  repetitions: number,
  perQuoteBudgetMs: number,
): Promise<IngestionFigures> {
  const scratch = await scratchAssets(databaseUrl, ASSETS);
  const ids = scratch.assets.map((a) => a.id);
  const { insertQuotes } = dist("src/db/store/quotes");
  const database = await openServiceDatabase(databaseUrl);
  const copyClient = new pg.Client({ connectionString: databaseUrl });
  await copyClient.connect();
  const figures: IngestionFigures = { quotes: QUOTES, storeMs: [], copyMs: [], perQuoteMs: 0, perQuoteOf: 0 };
  let minute = 1_000_000;
  const next = () => {
    minute += QUOTES;
    return batch(ids, minute);
  };
  try {
    for (let r = 0; r < repetitions; r++) {
      const forStore = next();
      let t = performance.now();
      const stored = await insertQuotes(database.writer, forStore);
      figures.storeMs.push(performance.now() - t);
      if (stored !== QUOTES) throw new Error(`the store inserted ${stored} of ${QUOTES} quotes`);

      const forCopy = next();
      t = performance.now();
      const stream = copyClient.query(copyFrom(`COPY price_quote (${COLUMNS.join(", ")}) FROM STDIN`));
      await pipeline(
        forCopy.map((q) => `${values(q).join("\t")}\n`),
        stream,
      );
      figures.copyMs.push(performance.now() - t);
      if (stream.rowCount !== QUOTES) throw new Error(`COPY stored ${stream.rowCount} of ${QUOTES} quotes`);
    }
    const forNaive = next();
    const t = performance.now();
    for (const q of forNaive) {
      if (performance.now() - t > perQuoteBudgetMs) break;
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(
        `INSERT INTO price_quote (${COLUMNS.join(", ")}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        values(q),
      );
      await client.end();
      figures.perQuoteOf++;
    }
    figures.perQuoteMs = performance.now() - t;
  } finally {
    await copyClient.end();
    await database.close();
    await scratch.drop();
  }
  return figures;
}
