import type { Coin } from "./coins";
import type { Market } from "./market";
import { auxFields, integer, invalidValues, list, oneOf, pickAux, type Query, rejectUnknown } from "./params";
import type { Outcome } from "./responses";

const LISTING_STATUSES = ["active", "inactive", "untracked"];
const DEFAULT_AUX = ["platform", "first_historical_data", "last_historical_data", "is_active"];
/** CMC's history begins here; stands in for coins whose date_added is unknown. */
const FIRST_CMC_HISTORY = "2013-04-28T18:47:21.000Z";
const HISTORY_STEP_MS = 5 * 60_000;

/** `/v1/cryptocurrency/map`: one credit whatever the size. */
export function cryptocurrencyMap(query: Query, market: Market): Outcome {
  rejectUnknown(query, ["listing_status", "start", "limit", "sort", "symbol", "aux"]);
  const aux = auxFields(query, DEFAULT_AUX, ["status"]);
  const symbols = list(query, "symbol", /^[A-Za-z0-9$@-]+(,[A-Za-z0-9$@-]+)*$/);
  const statuses = list(query, "listing_status", /^[a-z]+(,[a-z]+)*$/) ?? ["active"];
  const unknownStatuses = statuses.filter((status) => !LISTING_STATUSES.includes(status));
  if (unknownStatuses.length > 0) throw invalidValues("listing_status", unknownStatuses);
  const start = integer(query, "start", 1, Number.MAX_SAFE_INTEGER) ?? 1;
  const limit = integer(query, "limit", 1, 5000);
  const sort = oneOf(query, "sort", ["id", "cmc_rank"], "id");

  const rank = (coin: Coin) => (coin.active ? market.rank(coin) : coin.lastRank);
  let coins: readonly Coin[];
  if (symbols) {
    // CMC ignores every other option when `symbol` is given, so namesakes of any status come back.
    coins = [...new Set(symbols.map((symbol) => symbol.toUpperCase()))].flatMap((symbol) => market.bySymbol(symbol));
  } else {
    const wanted = market.coins.filter((coin) => statuses.includes(coin.active ? "active" : "inactive"));
    wanted.sort(sort === "id" ? (a, b) => a.id - b.id : (a, b) => rank(a) - rank(b));
    coins = wanted.slice(start - 1, limit === undefined ? undefined : start - 1 + limit);
  }

  const lastHistory = new Date(Math.floor(market.now().getTime() / HISTORY_STEP_MS) * HISTORY_STEP_MS).toISOString();
  const data = coins.map((coin) =>
    pickAux(
      {
        id: coin.id,
        rank: rank(coin),
        name: coin.name,
        symbol: coin.symbol,
        slug: coin.slug,
        is_active: coin.active ? 1 : 0,
        status: coin.active ? "active" : "inactive",
        first_historical_data: coin.dateAdded ?? FIRST_CMC_HISTORY,
        last_historical_data: coin.active ? lastHistory : coin.lastUpdated,
        platform: coin.platform,
      },
      [...DEFAULT_AUX, "status"],
      aux,
    ),
  );
  return { data, credits: 1 };
}
