/**
 * The simulator's fixed coin catalogue. Supplies, pair counts and start prices are rounded from
 * CMC figures of early 2026; the namesakes exist to reproduce the duplicate-symbol traps of the
 * reference (§6.1): clients must pick coins by id, or by "active and best ranked".
 */

export interface Tag {
  slug: string;
  name: string;
  category: string;
}

export interface Platform {
  id: number;
  name: string;
  symbol: string;
  slug: string;
  token_address: string;
}

interface CoinBase {
  id: number;
  name: string;
  symbol: string;
  slug: string;
  /** CMC has sent `date_added: null`, so one coin keeps it null. */
  dateAdded: string | null;
  tags: Tag[];
  maxSupply: number | null;
  infiniteSupply: boolean;
  circulatingSupply: number;
  totalSupply: number;
  platform: Platform | null;
  /** `null` is what CMC sends for new or untracked coins. */
  marketPairs: number | null;
}

export interface ActiveCoin extends CoinBase {
  active: true;
  /** USD price at the simulated start. */
  price: number;
  volume24h: number;
  /** Standard deviation of the log price per simulated minute. */
  volatility: number;
  /** Stablecoins revert to 1 USD instead of drifting away. */
  pegged?: boolean;
}

/** A delisted coin: CMC still answers for it, with null price and rank and a frozen last_updated. */
export interface InactiveCoin extends CoinBase {
  active: false;
  lastUpdated: string;
  /** The rank `/v1/cryptocurrency/map` still reports for it. */
  lastRank: number;
}

export type Coin = ActiveCoin | InactiveCoin;

const tag = (slug: string, name: string, category: string): Tag => ({ slug, name, category });
const POW = tag("pow", "PoW", "ALGORITHM");
const POS = tag("pos", "PoS", "ALGORITHM");
const SHA256 = tag("sha-256", "SHA-256", "ALGORITHM");
const STORE_OF_VALUE = tag("store-of-value", "Store Of Value", "CATEGORY");
const LAYER_1 = tag("layer-1", "Layer 1", "CATEGORY");
const SMART_CONTRACTS = tag("smart-contracts", "Smart Contracts", "CATEGORY");
const STABLECOIN = tag("stablecoin", "Stablecoin", "CATEGORY");
const MEMES = tag("memes", "Memes", "CATEGORY");
const PAYMENTS = tag("payments", "Payments", "CATEGORY");

export const ethereumToken = (tokenAddress: string): Platform => ({
  id: 1027,
  name: "Ethereum",
  symbol: "ETH",
  slug: "ethereum",
  token_address: tokenAddress,
});

const solanaToken = (tokenAddress: string): Platform => ({
  id: 5426,
  name: "Solana",
  symbol: "SOL",
  slug: "solana",
  token_address: tokenAddress,
});

/**
 * Array order is the order of namesakes in a v2 `symbol=` answer: Bitcoin comes first as in the
 * 2026 capture, while ETC's inactive namesake comes first as in the 2023 capture, so a client that
 * takes `data.ETC[0]` gets a coin without a price.
 */
export const NAMED_COINS: readonly Coin[] = [
  {
    active: true,
    id: 1,
    name: "Bitcoin",
    symbol: "BTC",
    slug: "bitcoin",
    dateAdded: "2010-07-13T00:00:00.000Z",
    tags: [POW, SHA256, STORE_OF_VALUE],
    maxSupply: 21_000_000,
    infiniteSupply: false,
    circulatingSupply: 19_991_981,
    totalSupply: 19_991_981,
    platform: null,
    marketPairs: 12_562,
    price: 67_021.28,
    volume24h: 32_201_018_126.47,
    volatility: 0.0008,
  },
  {
    active: true,
    id: 31469,
    name: "Batcat",
    symbol: "BTC",
    slug: "batcat",
    dateAdded: "2024-05-02T09:21:00.000Z",
    tags: [MEMES],
    maxSupply: 1_000_000_000,
    infiniteSupply: false,
    circulatingSupply: 998_700_000,
    totalSupply: 1_000_000_000,
    platform: solanaToken("EtBc6gkCvsB9c6f5wSbwG8wPjRqXMB5euptK6bqG1R4X"),
    marketPairs: 7,
    price: 0.000_412_7,
    volume24h: 18_204.6,
    volatility: 0.004,
  },
  {
    active: false,
    id: 30938,
    name: "Satoshi Pumpomoto",
    symbol: "BTC",
    slug: "satoshi-pumpomoto",
    dateAdded: "2024-04-17T14:05:00.000Z",
    tags: [MEMES],
    maxSupply: null,
    infiniteSupply: false,
    circulatingSupply: 0,
    totalSupply: 1_000_000_000,
    platform: solanaToken("6AGNtEcN3Bpv5S8mFPCdDRkPdJRqH5aqfP2mjgF9D5fJ"),
    marketPairs: 0,
    lastUpdated: "2024-06-30T11:27:00.000Z",
    lastRank: 8413,
  },
  {
    active: true,
    id: 1027,
    name: "Ethereum",
    symbol: "ETH",
    slug: "ethereum",
    dateAdded: "2015-08-07T00:00:00.000Z",
    tags: [POS, SMART_CONTRACTS, LAYER_1],
    maxSupply: null,
    infiniteSupply: true,
    circulatingSupply: 120_694_312.53,
    totalSupply: 120_694_312.53,
    platform: null,
    marketPairs: 10_521,
    price: 1_950.41,
    volume24h: 15_118_402_552.9,
    volatility: 0.0011,
  },
  {
    active: true,
    id: 825,
    name: "Tether USDt",
    symbol: "USDT",
    slug: "tether",
    dateAdded: "2015-02-25T00:00:00.000Z",
    tags: [STABLECOIN, PAYMENTS],
    maxSupply: null,
    infiniteSupply: true,
    circulatingSupply: 183_512_406_720.51,
    totalSupply: 187_049_118_204.33,
    platform: ethereumToken("0xdac17f958d2ee523a2206206994597c13d831ec7"),
    marketPairs: 121_345,
    price: 1.0001,
    volume24h: 60_412_881_930.12,
    volatility: 0.0001,
    pegged: true,
  },
  {
    active: true,
    id: 52,
    name: "XRP",
    symbol: "XRP",
    slug: "xrp",
    dateAdded: "2013-08-04T00:00:00.000Z",
    tags: [PAYMENTS, LAYER_1],
    maxSupply: 100_000_000_000,
    infiniteSupply: false,
    circulatingSupply: 60_830_241_914,
    totalSupply: 99_985_880_386,
    platform: null,
    marketPairs: 1_604,
    price: 1.4512,
    volume24h: 2_503_118_220.4,
    volatility: 0.0012,
  },
  {
    active: true,
    id: 1839,
    name: "BNB",
    symbol: "BNB",
    slug: "bnb",
    dateAdded: "2017-07-25T00:00:00.000Z",
    tags: [SMART_CONTRACTS, LAYER_1],
    // No cap and not declared infinite either: a combination CMC sends.
    maxSupply: null,
    infiniteSupply: false,
    circulatingSupply: 136_360_000.82,
    totalSupply: 136_360_000.82,
    platform: null,
    marketPairs: 2_311,
    price: 620.47,
    volume24h: 1_512_004_118.3,
    volatility: 0.0009,
  },
  {
    active: true,
    id: 5426,
    name: "Solana",
    symbol: "SOL",
    slug: "solana",
    dateAdded: "2020-04-10T00:00:00.000Z",
    tags: [POS, SMART_CONTRACTS, LAYER_1],
    maxSupply: null,
    infiniteSupply: true,
    circulatingSupply: 565_118_209.17,
    totalSupply: 619_870_441.02,
    platform: null,
    marketPairs: 1_107,
    price: 84.73,
    volume24h: 3_804_551_902.77,
    volatility: 0.0014,
  },
  {
    active: true,
    id: 74,
    name: "Dogecoin",
    symbol: "DOGE",
    slug: "dogecoin",
    dateAdded: "2013-12-15T00:00:00.000Z",
    tags: [MEMES, POW],
    maxSupply: null,
    infiniteSupply: true,
    circulatingSupply: 168_204_336_384,
    totalSupply: 168_204_336_384,
    platform: null,
    marketPairs: 1_052,
    price: 0.101_23,
    volume24h: 1_104_882_310.5,
    volatility: 0.0016,
  },
  {
    active: true,
    id: 2010,
    name: "Cardano",
    symbol: "ADA",
    slug: "cardano",
    dateAdded: "2017-10-01T00:00:00.000Z",
    tags: [POS, SMART_CONTRACTS, LAYER_1],
    maxSupply: 45_000_000_000,
    infiniteSupply: false,
    circulatingSupply: 36_051_294_331,
    totalSupply: 44_993_519_020,
    platform: null,
    marketPairs: 1_498,
    price: 0.2841,
    volume24h: 604_118_002.1,
    volatility: 0.0014,
  },
  {
    active: false,
    id: 646,
    name: "EtherClassic Token",
    symbol: "ETC",
    slug: "etherclassic-token",
    dateAdded: null,
    tags: [],
    maxSupply: null,
    infiniteSupply: false,
    circulatingSupply: 0,
    totalSupply: 12_000_000,
    platform: null,
    marketPairs: 0,
    lastUpdated: "2018-11-09T16:44:00.000Z",
    lastRank: 5120,
  },
  {
    active: true,
    id: 1321,
    name: "Ethereum Classic",
    symbol: "ETC",
    slug: "ethereum-classic",
    dateAdded: "2016-07-24T00:00:00.000Z",
    tags: [POW, SMART_CONTRACTS],
    maxSupply: 210_700_000,
    infiniteSupply: false,
    circulatingSupply: 153_104_228.4,
    totalSupply: 153_104_228.4,
    platform: null,
    marketPairs: 362,
    price: 8.52,
    volume24h: 91_233_480.22,
    volatility: 0.0013,
  },
  {
    active: true,
    id: 5994,
    name: "Shiba Inu",
    symbol: "SHIB",
    slug: "shiba-inu",
    dateAdded: "2020-08-01T00:00:00.000Z",
    tags: [MEMES],
    maxSupply: null,
    infiniteSupply: false,
    circulatingSupply: 589_248_031_916_001,
    totalSupply: 589_498_151_453_211,
    platform: ethereumToken("0x95ad61b0a150d79219dcf64e1e6cc01f0b64c4ce"),
    marketPairs: 1_103,
    price: 0.000_006_134,
    volume24h: 121_004_918.3,
    volatility: 0.0018,
  },
  {
    // Invented meme coin: its price is small enough that JSON.stringify writes an exponent, as CMC does.
    active: true,
    id: 36521,
    name: "Pumpomoto Inu",
    symbol: "PUMPINU",
    slug: "pumpomoto-inu",
    dateAdded: "2026-01-02T18:30:00.000Z",
    tags: [MEMES],
    maxSupply: 420_690_000_000_000,
    infiniteSupply: false,
    circulatingSupply: 420_690_000_000_000,
    totalSupply: 420_690_000_000_000,
    platform: solanaToken("PuMpiNu7s1mDx9vV3kQwZr8tYhE2cJfL6aBnG4oTqRd"),
    marketPairs: null,
    price: 2.931_048_035_257_519_8e-8,
    volume24h: 42_118.9,
    volatility: 0.004,
  },
];

export interface Fiat {
  /** CMC's id for `convert_id`. */
  id: number;
  code: string;
  usdPerUnit: number;
}

/** Fixed exchange rates: enough for plausible cross quotes, and fiat quotes stay exactly proportional. */
export const FIATS: readonly Fiat[] = [
  { id: 2781, code: "USD", usdPerUnit: 1 },
  { id: 2790, code: "EUR", usdPerUnit: 1.0842 },
  { id: 2791, code: "GBP", usdPerUnit: 1.2695 },
  { id: 2797, code: "JPY", usdPerUnit: 0.006_693 },
  { id: 2784, code: "CAD", usdPerUnit: 0.7381 },
  { id: 2782, code: "AUD", usdPerUnit: 0.6612 },
  { id: 2785, code: "CHF", usdPerUnit: 1.1342 },
  { id: 2787, code: "CNY", usdPerUnit: 0.1379 },
];
