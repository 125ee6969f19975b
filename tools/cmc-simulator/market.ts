import { type ActiveCoin, type Coin, ethereumToken, NAMED_COINS } from "./coins";

const MINUTE_MS = 60_000;

/** CMC's percent-change windows, in simulated minutes. */
export const PERCENT_WINDOWS = {
  "1h": 60,
  "24h": 1_440,
  "7d": 10_080,
  "30d": 43_200,
  "60d": 86_400,
  "90d": 129_600,
} as const;
export type PercentWindow = keyof typeof PERCENT_WINDOWS;
export const WINDOWS = Object.keys(PERCENT_WINDOWS) as PercentWindow[];

/** One active coin's figures for the current simulated minute, in USD. */
export interface UsdFigures {
  price: number;
  volume24h: number;
  volumeChange24h: number;
  percentChange: Record<PercentWindow, number>;
  marketCap: number;
  marketCapDominance: number;
  fullyDilutedMarketCap: number;
}

/** mulberry32: small, fast and good enough to make reproducible prices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One generator per coin, so a coin's path does not depend on which other coins exist. */
function coinRandom(seed: number, coinId: number): () => number {
  return seededRandom(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(coinId, 0xc2b2ae35));
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export const SYNTHETIC_FIRST_ID = 100_000;

/** Active coins with made-up names, so tests can track hundreds or thousands of ids. */
export function syntheticCoins(count: number, seed: number): ActiveCoin[] {
  return Array.from({ length: count }, (_, index) => {
    const id = SYNTHETIC_FIRST_ID + index;
    const random = coinRandom(seed, id);
    const price = 10 ** (random() * 8 - 6);
    const circulatingSupply = Math.round(10 ** (5 + random() * 4) / price);
    const capped = random() < 0.5;
    return {
      active: true,
      id,
      name: `Synthetic ${index}`,
      symbol: `SYN${index}`,
      slug: `synthetic-${index}`,
      dateAdded: "2024-06-01T00:00:00.000Z",
      tags: [],
      maxSupply: capped ? circulatingSupply * 2 : null,
      infiniteSupply: !capped,
      circulatingSupply,
      totalSupply: circulatingSupply,
      platform: index % 3 === 0 ? ethereumToken(`0x${id.toString(16).padStart(40, "0")}`) : null,
      marketPairs: 1 + Math.floor(random() * 80),
      price,
      volume24h: price * circulatingSupply * (0.01 + random() * 0.2),
      volatility: 0.002,
    };
  });
}

interface Walk {
  coin: ActiveCoin;
  random: () => number;
  price: number;
  volume24h: number;
  /**
   * Moving averages of the price, one per window, standing in for "the price W minutes ago":
   * keeping real history for thousands of coins over 90 days would cost gigabytes.
   */
  anchors: Record<PercentWindow, number>;
  volumeAnchor: number;
  rank: number;
}

/** The simulated clock and every coin's random walk; one step per simulated minute (or `stepMs`). */
export class Market {
  readonly coins: readonly Coin[];
  readonly #start: number;
  readonly #walks = new Map<number, Walk>();
  readonly #bySymbol = new Map<string, Coin[]>();
  readonly #bySlug = new Map<string, Coin>();
  readonly #byId = new Map<number, Coin>();
  readonly #stepMs: number;
  #minute = 0;
  #totalMarketCap = 0;

  /** `stepMs`: simulated time per step of the walks (CMC refreshes once a minute; a demo, faster). */
  constructor(start: Date, seed: number, syntheticCount: number, stepMs = MINUTE_MS) {
    this.#stepMs = stepMs;
    this.#start = Math.floor(start.getTime() / stepMs) * stepMs;
    this.coins = [...NAMED_COINS, ...syntheticCoins(syntheticCount, seed)];
    for (const coin of this.coins) {
      this.#byId.set(coin.id, coin);
      this.#bySlug.set(coin.slug, coin);
      const namesakes = this.#bySymbol.get(coin.symbol) ?? [];
      namesakes.push(coin);
      this.#bySymbol.set(coin.symbol, namesakes);
      if (coin.active) this.#walks.set(coin.id, startWalk(coin, coinRandom(seed, coin.id)));
    }
    // Ranks stay fixed: reordering by live market cap would make tests that assert ranks flaky.
    const byCap = [...this.#walks.values()].sort(
      (a, b) => b.price * b.coin.circulatingSupply - a.price * a.coin.circulatingSupply,
    );
    byCap.forEach((walk, index) => {
      walk.rank = index + 1;
    });
    this.#sumMarketCap();
  }

  /** Start of the current simulated minute: the `last_updated` of every active quote. */
  now(): Date {
    return new Date(this.#start + this.#minute * this.#stepMs);
  }

  advance(minutes: number): void {
    for (let step = 0; step < minutes; step++) {
      for (const walk of this.#walks.values()) stepWalk(walk);
    }
    this.#minute += minutes;
    this.#sumMarketCap();
  }

  byId(id: number): Coin | undefined {
    return this.#byId.get(id);
  }

  bySlug(slug: string): Coin | undefined {
    return this.#bySlug.get(slug);
  }

  /** Every coin with that symbol (upper case), in catalogue order. */
  bySymbol(symbol: string): readonly Coin[] {
    return this.#bySymbol.get(symbol) ?? [];
  }

  /** The coin CMC means by a shared symbol: the best-ranked active one. */
  leadingCoin(symbol: string): ActiveCoin | undefined {
    const active = this.bySymbol(symbol).filter((coin) => coin.active);
    return active.sort((a, b) => this.rank(a) - this.rank(b))[0];
  }

  rank(coin: ActiveCoin): number {
    return this.#walk(coin).rank;
  }

  usd(coin: ActiveCoin): UsdFigures {
    const walk = this.#walk(coin);
    const marketCap = walk.price * coin.circulatingSupply;
    const percentChange = {} as Record<PercentWindow, number>;
    for (const window of WINDOWS) percentChange[window] = (walk.price / walk.anchors[window] - 1) * 100;
    return {
      price: walk.price,
      volume24h: walk.volume24h,
      volumeChange24h: (walk.volume24h / walk.volumeAnchor - 1) * 100,
      percentChange,
      marketCap,
      marketCapDominance: (marketCap / this.#totalMarketCap) * 100,
      fullyDilutedMarketCap: walk.price * (coin.maxSupply ?? coin.totalSupply),
    };
  }

  #walk(coin: ActiveCoin): Walk {
    const walk = this.#walks.get(coin.id);
    if (!walk) throw new Error(`coin ${coin.id} is not in this market`);
    return walk;
  }

  #sumMarketCap(): void {
    this.#totalMarketCap = 0;
    for (const walk of this.#walks.values()) this.#totalMarketCap += walk.price * walk.coin.circulatingSupply;
  }
}

function startWalk(coin: ActiveCoin, random: () => number): Walk {
  const anchors = {} as Record<PercentWindow, number>;
  for (const window of WINDOWS) {
    // The spread a random walk reaches over the window, so the initial changes look like real ones.
    const change = coin.volatility * Math.sqrt(PERCENT_WINDOWS[window]) * gaussian(random);
    anchors[window] = coin.price / Math.exp(change);
  }
  return {
    coin,
    random,
    price: coin.price,
    volume24h: coin.volume24h,
    anchors,
    volumeAnchor: coin.volume24h * Math.exp(0.2 * gaussian(random)),
    rank: 0,
  };
}

function stepWalk(walk: Walk): void {
  const { coin, random } = walk;
  const shock = coin.volatility * gaussian(random);
  // Multiplying by exp() keeps prices positive however long the walk runs.
  walk.price = coin.pegged ? 1 + (walk.price - 1) * 0.95 + shock : walk.price * Math.exp(shock);
  // Volume wanders around its base instead of drifting off to zero or infinity.
  const volumeDeviation = Math.log(walk.volume24h / coin.volume24h);
  walk.volume24h = coin.volume24h * Math.exp(0.995 * volumeDeviation + 0.01 * gaussian(random));
  for (const window of WINDOWS) {
    walk.anchors[window] += (walk.price - walk.anchors[window]) / PERCENT_WINDOWS[window];
  }
  walk.volumeAnchor += (walk.volume24h - walk.volumeAnchor) / PERCENT_WINDOWS["24h"];
}
