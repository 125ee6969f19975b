import { ASSET_CHANNEL } from "./channels";
import { rowsOf, type Sql } from "./sql";

/** Appended to a RETURNING list: the row's change is announced at commit. */
const ANNOUNCED = `pg_notify('${ASSET_CHANNEL}', a.cmc_id::text) AS announced`;

/** A coin as stored: the CMC id is its identity, the symbol only a label. */
export interface AssetRow {
  /** The row id (what quotes refer to). */
  id: number;
  cmcId: number;
  symbol: string;
  name: string;
  slug: string;
  rank: number | null;
  tracked: boolean;
}

/** What CMC's `/map` says about a coin: enough to store it. */
export interface AssetListing {
  cmcId: number;
  symbol: string;
  name: string;
  slug: string;
  rank: number | null;
}

interface RawAsset {
  id: number;
  cmc_id: number;
  symbol: string;
  name: string;
  slug: string;
  rank: number | null;
  tracked: boolean;
}

const COLUMNS = "a.id, a.cmc_id, a.symbol, a.name, a.slug, a.rank, a.tracked";

function toAsset(r: RawAsset): AssetRow {
  return { id: r.id, cmcId: r.cmc_id, symbol: r.symbol, name: r.name, slug: r.slug, rank: r.rank, tracked: r.tracked };
}

/** Symbols are case-insensitive: stored as CMC spells them, compared upper-case. */
export const symbolKey = (symbol: string): string => symbol.trim().toUpperCase();

/**
 * The asset each symbol names: a tracked asset first, else the best-ranked one, since several coins
 * share a symbol. $1 upper-case symbols.
 */
export const ASSETS_BY_SYMBOL_SQL = `
SELECT DISTINCT ON (upper(a.symbol)) ${COLUMNS}
FROM asset a
WHERE upper(a.symbol) = ANY($1::text[])
ORDER BY upper(a.symbol), a.tracked DESC, a.rank ASC NULLS LAST, a.cmc_id ASC`;

/** Keyed by `symbolKey`; symbols nothing matches are absent. */
export async function assetsBySymbols(db: Sql, symbols: readonly string[]): Promise<Map<string, AssetRow>> {
  const wanted = [...new Set(symbols.map(symbolKey))];
  if (wanted.length === 0) return new Map();
  const rows: RawAsset[] = await rowsOf(db, ASSETS_BY_SYMBOL_SQL, [wanted]);
  return new Map(rows.map((r) => [symbolKey(r.symbol), toAsset(r)]));
}

export async function assetByCmcId(db: Sql, cmcId: number): Promise<AssetRow | null> {
  const [row]: RawAsset[] = await rowsOf(db, `SELECT ${COLUMNS} FROM asset a WHERE a.cmc_id = $1`, [cmcId]);
  return row ? toAsset(row) : null;
}

/** In no particular order; ids that name no asset are absent. */
export async function assetsByIds(db: Sql, ids: readonly number[]): Promise<AssetRow[]> {
  const rows: RawAsset[] = await rowsOf(db, `SELECT ${COLUMNS} FROM asset a WHERE a.id = ANY($1::int[])`, [ids]);
  return rows.map(toAsset);
}

/** Every tracked asset, by row id. */
export async function trackedAssets(db: Sql): Promise<AssetRow[]> {
  const rows: RawAsset[] = await rowsOf(db, `SELECT ${COLUMNS} FROM asset a WHERE a.tracked ORDER BY a.id`);
  return rows.map(toAsset);
}

export async function trackedAssetCount(db: Sql): Promise<number> {
  const [{ count }] = await rowsOf<{ count: number }>(db, `SELECT count(*)::int AS count FROM asset WHERE tracked`);
  return count;
}

export interface AssetPageQuery {
  /** Null: tracked or not. */
  tracked: boolean | null;
  /** Null: any symbol. */
  symbols: readonly string[] | null;
  /** Row id of the last asset of the previous page; null for the first page. */
  afterId: number | null;
  limit: number;
}

/** A page of assets in row id order (a keyset on the primary key). */
export async function assetPage(db: Sql, q: AssetPageQuery): Promise<AssetRow[]> {
  const rows: RawAsset[] = await rowsOf(
    db,
    `SELECT ${COLUMNS} FROM asset a
     WHERE ($1::boolean IS NULL OR a.tracked = $1)
       AND ($2::text[] IS NULL OR upper(a.symbol) = ANY($2::text[]))
       AND a.id > coalesce($3::int, 0)
     ORDER BY a.id
     LIMIT $4`,
    [q.tracked, q.symbols?.map(symbolKey) ?? null, q.afterId, q.limit],
  );
  return rows.map(toAsset);
}

/** Tracking a coin whose symbol another tracked coin already has (tracked symbols are unique). */
export class TrackedSymbolTaken extends Error {
  override name = "TrackedSymbolTaken";
  constructor(
    readonly symbol: string,
    /** CMC id of the coin tracked under that symbol; null if it was untracked meanwhile. */
    readonly trackedCmcId: number | null,
  ) {
    super(`symbol ${symbol} is already tracked as CMC id ${trackedCmcId}`);
  }
}

/** Stores the coin (or refreshes what CMC says of it) and tracks it. */
export async function trackAsset(db: Sql, listing: AssetListing): Promise<AssetRow> {
  try {
    const [row]: RawAsset[] = await rowsOf(
      db,
      `INSERT INTO asset AS a (cmc_id, symbol, name, slug, rank, tracked) VALUES ($1, $2, $3, $4, $5, true)
       ON CONFLICT (cmc_id) DO UPDATE SET symbol = EXCLUDED.symbol, name = EXCLUDED.name, slug = EXCLUDED.slug,
         rank = EXCLUDED.rank, tracked = true, updated_at = now()
       RETURNING ${COLUMNS}, ${ANNOUNCED}`,
      [listing.cmcId, listing.symbol, listing.name, listing.slug, listing.rank],
    );
    return toAsset(row);
  } catch (error) {
    if ((error as { constraint?: string }).constraint !== "asset_tracked_symbol_key") throw error;
    const [holder]: { cmc_id: number }[] = await rowsOf(
      db,
      `SELECT cmc_id FROM asset WHERE tracked AND upper(symbol) = $1`,
      [symbolKey(listing.symbol)],
    );
    throw new TrackedSymbolTaken(listing.symbol, holder?.cmc_id ?? null);
  }
}

/**
 * Stops tracking the asset with this CMC id (tracked or not), or the tracked asset with this
 * symbol; null when there is none. Its quotes stay.
 */
export async function untrackAsset(
  db: Sql,
  selector: { cmcId: number } | { symbol: string },
): Promise<AssetRow | null> {
  const [row]: RawAsset[] =
    "cmcId" in selector
      ? await rowsOf(
          db,
          `UPDATE asset a SET tracked = false, updated_at = now() WHERE a.cmc_id = $1 RETURNING ${COLUMNS}, ${ANNOUNCED}`,
          [selector.cmcId],
        )
      : await rowsOf(
          db,
          `UPDATE asset a SET tracked = false, updated_at = now() WHERE a.tracked AND upper(a.symbol) = $1 RETURNING ${COLUMNS}, ${ANNOUNCED}`,
          [symbolKey(selector.symbol)],
        );
  return row ? toAsset(row) : null;
}
