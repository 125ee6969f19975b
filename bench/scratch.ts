import pg from "pg";
import { DATA_START } from "./generate.ts";

/** CMC ids of the assets the ingestion and fan-out figures write to; never part of the reads' data. */
const SCRATCH_CMC_ID = 900_000;

export interface ScratchAsset {
  id: number;
  symbol: string;
}

/**
 * `count` tracked assets of their own, made anew (with whatever an earlier, interrupted run left
 * removed first); `drop` removes them with their quotes.
 */
export async function scratchAssets(
  databaseUrl: string,
  count: number,
): Promise<{ assets: ScratchAsset[]; drop(): Promise<void> }> {
  const drop = async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`DELETE FROM asset WHERE cmc_id > $1`, [SCRATCH_CMC_ID]);
    } finally {
      await client.end();
    }
  };
  await drop();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<ScratchAsset>(
      `INSERT INTO asset (cmc_id, symbol, name, slug, tracked)
       SELECT $1::int + g, 'S' || lpad(g::text, 2, '0'), 'Scratch ' || g, 'scratch-' || g, true FROM generate_series(1, $2::int) g
       RETURNING id, symbol`,
      [SCRATCH_CMC_ID, count],
    );
    return { assets: rows.sort((a, b) => a.id - b.id), drop };
  } finally {
    await client.end();
  }
}

/** A quote as the service's store takes it (`NewQuote`), at `minute` minutes after the data's start. */
export function scratchQuote(assetId: number, minute: number) {
  const price = (100 + Math.sin(minute / 60) * 10).toFixed(8);
  return {
    assetId,
    convert: "USD",
    price,
    volume24h: "1000000.00",
    marketCap: "19000000.00",
    percentChange1h: "0.1",
    percentChange24h: "0.2",
    percentChange7d: "0.3",
    circulatingSupply: "19000000",
    lastUpdated: new Date(DATA_START.getTime() + minute * 60_000),
  };
}
