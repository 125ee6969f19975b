import { type ActiveCoin, type Coin, FIATS } from "./coins";
import { type Market, type PercentWindow, type UsdFigures, WINDOWS } from "./market";
import { auxFields, boolean, invalidValues, list, pickAux, type Query, rejectUnknown } from "./params";
import { BadRequest, type Outcome } from "./responses";

const ID_PATTERN = /^\d+(,\d+)*$/;
const SLUG_PATTERN = /^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$/;
const SYMBOL_PATTERN = /^[A-Za-z0-9$@-]+(,[A-Za-z0-9$@-]+)*$/;
const MAX_CONVERTS = 120;
const COINS_PER_CREDIT = 100;

const DEFAULT_AUX = [
  "num_market_pairs",
  "cmc_rank",
  "date_added",
  "tags",
  "platform",
  "max_supply",
  "circulating_supply",
  "total_supply",
  "is_active",
  "is_fiat",
];
const EXTRA_AUX = [
  "market_cap_by_total_supply",
  "volume_24h_reported",
  "volume_7d",
  "volume_7d_reported",
  "volume_30d",
  "volume_30d_reported",
  "is_market_cap_included_in_calc",
];

/** One `quote.<KEY>` member: how many USD one unit is worth, and its own moves for crypto units. */
interface Target {
  key: string;
  usdPerUnit: number;
  percentChange?: Record<PercentWindow, number>;
}

export interface QuoteRequest {
  version: 1 | 2;
  /** Coins that answer like inactive ones (the null-price fault). */
  nullPriceIds: ReadonlySet<number>;
}

interface RenderContext extends QuoteRequest {
  market: Market;
  targets: Target[];
  aux: Set<string>;
}

/** `/v1|v2/cryptocurrency/quotes/latest`. */
export function quotesLatest(query: Query, market: Market, request: QuoteRequest): Outcome {
  rejectUnknown(query, ["id", "slug", "symbol", "convert", "convert_id", "aux", "skip_invalid"]);
  const ids = list(query, "id", ID_PATTERN);
  const slugs = list(query, "slug", SLUG_PATTERN)?.map((slug) => slug.toLowerCase());
  const symbols = list(query, "symbol", SYMBOL_PATTERN)?.map((symbol) => symbol.toUpperCase());
  const given = [ids, slugs, symbols].filter((identifiers) => identifiers !== undefined).length;
  if (given === 0) throw new BadRequest(`"value" must contain at least one of [id, slug, symbol]`);
  if (given > 1) throw new BadRequest(`"value" contains a conflict between exclusive peers [id, slug, symbol]`);
  const context: RenderContext = {
    ...request,
    market,
    targets: convertTargets(query, market),
    aux: auxFields(query, DEFAULT_AUX, EXTRA_AUX),
  };
  // The OpenAPI default is lenient; v1 answers were strict unless told otherwise (reference §2).
  const skipInvalid = boolean(query, "skip_invalid", request.version === 2);

  const data: Record<string, unknown> = {};
  const invalid: string[] = [];
  let returned = 0;
  const add = (key: string, coins: readonly Coin[]) => {
    returned += coins.length;
    const records = coins.map((coin) => renderCoin(coin, context));
    data[key] = request.version === 2 && symbols ? records : records[0];
  };
  for (const id of ids ?? []) {
    const coin = market.byId(Number(id));
    if (coin) add(String(coin.id), [coin]);
    else invalid.push(id);
  }
  for (const slug of slugs ?? []) {
    const coin = market.bySlug(slug);
    // CMC keys slug answers by id, not by the slug that was sent.
    if (coin) add(String(coin.id), [coin]);
    else invalid.push(slug);
  }
  for (const symbol of new Set(symbols)) {
    const namesakes = market.bySymbol(symbol);
    if (namesakes.length === 0) {
      invalid.push(symbol);
      if (request.version === 2) data[symbol] = [];
    } else {
      add(symbol, request.version === 2 ? namesakes : [market.leadingCoin(symbol) ?? namesakes[0]]);
    }
  }
  if (invalid.length > 0 && !skipInvalid) throw invalidValues(ids ? "id" : slugs ? "slug" : "symbol", invalid);

  const credits = Math.max(1, Math.ceil(returned / COINS_PER_CREDIT)) + context.targets.length - 1;
  return { data, credits };
}

function convertTargets(query: Query, market: Market): Target[] {
  const codes = list(query, "convert", SYMBOL_PATTERN);
  const ids = list(query, "convert_id", ID_PATTERN);
  if (codes && ids) throw new BadRequest(`"value" contains a conflict between exclusive peers [convert, convert_id]`);
  const name = ids ? "convert_id" : "convert";
  const requested = [...new Set(ids ?? codes?.map((code) => code.toUpperCase()) ?? ["USD"])];
  if (requested.length > MAX_CONVERTS) throw new BadRequest(`"${name}" must contain less than or equal to 120 items`);
  const targets: Target[] = [];
  const invalid: string[] = [];
  for (const value of requested) {
    const target = ids ? targetById(Number(value), market) : targetByCode(value, market);
    if (target) targets.push(target);
    else invalid.push(value);
  }
  // Unlike unknown coins, unknown currencies fail whatever skip_invalid says.
  if (invalid.length > 0) throw invalidValues(name, invalid);
  return targets;
}

function targetByCode(code: string, market: Market): Target | undefined {
  // A code that is both a fiat and a crypto symbol means the fiat.
  const fiat = FIATS.find((candidate) => candidate.code === code);
  if (fiat) return { key: code, usdPerUnit: fiat.usdPerUnit };
  const coin = market.leadingCoin(code);
  return coin && cryptoTarget(code, coin, market);
}

function targetById(id: number, market: Market): Target | undefined {
  const fiat = FIATS.find((candidate) => candidate.id === id);
  if (fiat) return { key: String(id), usdPerUnit: fiat.usdPerUnit };
  const coin = market.byId(id);
  return coin?.active ? cryptoTarget(String(id), coin, market) : undefined;
}

function cryptoTarget(key: string, coin: ActiveCoin, market: Market): Target {
  const usd = market.usd(coin);
  return { key, usdPerUnit: usd.price, percentChange: usd.percentChange };
}

function renderCoin(coin: Coin, context: RenderContext): Record<string, unknown> {
  const live = coin.active && !context.nullPriceIds.has(coin.id) ? coin : undefined;
  const lastUpdated = coin.active ? context.market.now().toISOString() : coin.lastUpdated;
  const usd = live && context.market.usd(live);
  const record = {
    id: coin.id,
    name: coin.name,
    symbol: coin.symbol,
    slug: coin.slug,
    num_market_pairs: live ? coin.marketPairs : 0,
    date_added: coin.dateAdded,
    // v1 sent tag slugs, v2 sends objects.
    tags: context.version === 1 ? coin.tags.map((tag) => tag.slug) : coin.tags,
    max_supply: coin.maxSupply,
    circulating_supply: coin.circulatingSupply,
    total_supply: coin.totalSupply,
    is_active: live ? 1 : 0,
    infinite_supply: coin.infiniteSupply,
    platform: coin.platform,
    cmc_rank: live ? context.market.rank(live) : null,
    is_fiat: 0,
    self_reported_circulating_supply: null,
    self_reported_market_cap: null,
    tvl_ratio: null,
    last_updated: lastUpdated,
    quote: Object.fromEntries(context.targets.map((target) => [target.key, renderQuote(usd, target, lastUpdated)])),
  };
  return pickAux(record, DEFAULT_AUX, context.aux);
}

function renderQuote(usd: UsdFigures | undefined, target: Target, lastUpdated: string) {
  const percentChanges = Object.fromEntries(
    WINDOWS.map((window) => [`percent_change_${window}`, usd ? percentChange(usd, target, window) : 0]),
  );
  if (!usd) {
    // How CMC answers for a coin without a price: nulls for values, zeros for changes.
    return {
      price: null,
      volume_24h: 0,
      volume_change_24h: 0,
      ...percentChanges,
      market_cap: null,
      market_cap_dominance: 0,
      fully_diluted_market_cap: null,
      tvl: null,
      last_updated: lastUpdated,
    };
  }
  const unit = target.usdPerUnit;
  return {
    price: usd.price / unit,
    volume_24h: usd.volume24h / unit,
    volume_change_24h: usd.volumeChange24h,
    ...percentChanges,
    market_cap: usd.marketCap / unit,
    market_cap_dominance: usd.marketCapDominance,
    fully_diluted_market_cap: usd.fullyDilutedMarketCap / unit,
    tvl: null,
    last_updated: lastUpdated,
  };
}

/** A change measured in a crypto unit combines both coins' moves; fiat rates are fixed. */
function percentChange(usd: UsdFigures, target: Target, window: PercentWindow): number {
  const own = usd.percentChange[window];
  const unit = target.percentChange?.[window];
  return unit === undefined ? own : ((1 + own / 100) / (1 + unit / 100) - 1) * 100;
}
