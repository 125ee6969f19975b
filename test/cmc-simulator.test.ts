import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { type CmcSimulator, faults, type SimulatorOptions, startCmcSimulator } from "../tools/cmc-simulator/server";

type Quote = Record<string, number | string | null>;
interface CoinRecord {
  id: number;
  symbol: string;
  is_active: number;
  cmc_rank: number | null;
  last_updated: string;
  tags: unknown[];
  quote: Record<string, Quote>;
  [field: string]: unknown;
}
interface Status {
  timestamp: string;
  error_code: number | null;
  error_message: string | null;
  elapsed: number;
  credit_count: number;
  notice?: string | null;
}
interface Body<T> {
  status: Status;
  data: T;
}
interface MapEntry {
  id: number;
  rank: number;
  symbol: string;
  is_active: number;
  [field: string]: unknown;
}
interface KeyInfo {
  plan: Record<string, number | string | null>;
  usage: Record<string, Record<string, number | null>>;
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const START = "2026-01-05T00:00:00.000Z";
const QUOTES = "/v2/cryptocurrency/quotes/latest";

let sim: CmcSimulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<CmcSimulator> {
  sim = await startCmcSimulator({ manualClock: true, ...options });
  return sim;
}

async function get<T = Record<string, CoinRecord>>(path: string, key: string | null = "sim-key") {
  if (!sim) throw new Error("start the simulator first");
  const headers: Record<string, string> = key === null ? {} : { "X-CMC_PRO_API_KEY": key };
  const res = await fetch(`${sim.url}${path}`, { headers });
  const text = await res.text();
  return { res, text, body: JSON.parse(text) as Body<T> };
}

const syntheticIds = (count: number) => Array.from({ length: count }, (_, index) => 100_000 + index).join(",");

describe("API key", () => {
  it("accepts the key in the X-CMC_PRO_API_KEY header and records it", async () => {
    await start();
    const { res, text, body } = await get(`${QUOTES}?id=1`);
    expect(res.status).toBe(200);
    expect(body.status.error_code).toBe(0);
    expect(sim?.calls).toEqual([
      {
        path: QUOTES,
        query: { id: "1" },
        apiKey: "sim-key",
        status: 200,
        errorCode: 0,
        creditCount: 1,
        bodyBytes: Buffer.byteLength(text),
        at: expect.any(Date),
      },
    ]);
  });

  it("accepts the key in the CMC_PRO_API_KEY query parameter", async () => {
    await start({ apiKeys: ["k1", "k2"] });
    const { res } = await get(`${QUOTES}?id=1&CMC_PRO_API_KEY=k2`, null);
    expect(res.status).toBe(200);
    expect(sim?.calls[0].apiKey).toBe("k2");
  });

  it("answers 401 with error_code 1002 when the key is missing", async () => {
    await start();
    const { res, body } = await get(`${QUOTES}?id=1`, null);
    expect(res.status).toBe(401);
    expect(body).toEqual({
      status: {
        timestamp: expect.stringMatching(ISO_MS),
        error_code: 1002,
        error_message: "API key missing.",
        elapsed: 0,
        credit_count: 0,
      },
    });
  });

  it("answers 401 with error_code 1001 for an unknown key", async () => {
    await start();
    const { res, body } = await get(`${QUOTES}?id=1`, "stolen");
    expect(res.status).toBe(401);
    expect(body.status).toMatchObject({ error_code: 1001, error_message: "This API Key is invalid.", credit_count: 0 });
  });
});

describe("quotes/latest by id", () => {
  it("returns an object per id with CMC's coin shape", async () => {
    await start();
    const { body, text } = await get(`${QUOTES}?id=1`);
    expect(body.status).toEqual({
      timestamp: expect.stringMatching(ISO_MS),
      error_code: 0,
      error_message: null,
      elapsed: expect.any(Number),
      credit_count: 1,
      notice: null,
    });
    const bitcoin = body.data["1"];
    expect(Object.keys(bitcoin)).toEqual([
      "id",
      "name",
      "symbol",
      "slug",
      "num_market_pairs",
      "date_added",
      "tags",
      "max_supply",
      "circulating_supply",
      "total_supply",
      "is_active",
      "infinite_supply",
      "platform",
      "cmc_rank",
      "is_fiat",
      "self_reported_circulating_supply",
      "self_reported_market_cap",
      "tvl_ratio",
      "last_updated",
      "quote",
    ]);
    expect(bitcoin).toMatchObject({
      id: 1,
      name: "Bitcoin",
      symbol: "BTC",
      slug: "bitcoin",
      num_market_pairs: 12_562,
      date_added: "2010-07-13T00:00:00.000Z",
      max_supply: 21_000_000,
      circulating_supply: 19_991_981,
      is_active: 1,
      infinite_supply: false,
      platform: null,
      cmc_rank: 1,
      is_fiat: 0,
      tvl_ratio: null,
      last_updated: START,
    });
    expect(bitcoin.tags).toContainEqual({ slug: "pow", name: "PoW", category: "ALGORITHM" });
    const usd = bitcoin.quote.USD;
    expect(Object.keys(usd)).toEqual([
      "price",
      "volume_24h",
      "volume_change_24h",
      "percent_change_1h",
      "percent_change_24h",
      "percent_change_7d",
      "percent_change_30d",
      "percent_change_60d",
      "percent_change_90d",
      "market_cap",
      "market_cap_dominance",
      "fully_diluted_market_cap",
      "tvl",
      "last_updated",
    ]);
    expect(usd.price).toBe(67_021.28);
    expect(usd.market_cap).toBeCloseTo(67_021.28 * 19_991_981, 0);
    expect(usd.fully_diluted_market_cap).toBeCloseTo(67_021.28 * 21_000_000, 0);
    expect(usd.market_cap_dominance).toBeGreaterThan(40);
    expect(usd.market_cap_dominance).toBeLessThan(70);
    expect(usd).toMatchObject({ tvl: null, last_updated: START });
    expect(text).not.toContain('"1":[');
  });

  it("sends uncapped supply as null, tokens with their platform, tiny prices with an exponent", async () => {
    await start();
    const { body, text } = await get(`${QUOTES}?id=1027,825,36521`);
    expect(body.data["1027"]).toMatchObject({ max_supply: null, infinite_supply: true, platform: null });
    expect(body.data["825"].platform).toEqual({
      id: 1027,
      name: "Ethereum",
      symbol: "ETH",
      slug: "ethereum",
      token_address: "0xdac17f958d2ee523a2206206994597c13d831ec7",
    });
    expect(text).toContain('"price":2.9310480352575198e-8');
    expect(body.data["36521"].num_market_pairs).toBeNull();
  });

  it("leaves unknown ids out when skip_invalid is true (the v2 default)", async () => {
    await start();
    const { res, body } = await get(`${QUOTES}?id=1,999999`);
    expect(res.status).toBe(200);
    expect(Object.keys(body.data)).toEqual(["1"]);
  });

  it("keeps only the optional fields that aux names", async () => {
    await start();
    const { body } = await get(`${QUOTES}?id=1&aux=cmc_rank,is_active`);
    expect(Object.keys(body.data["1"])).toEqual([
      "id",
      "name",
      "symbol",
      "slug",
      "is_active",
      "infinite_supply",
      "cmc_rank",
      "self_reported_circulating_supply",
      "self_reported_market_cap",
      "tvl_ratio",
      "last_updated",
      "quote",
    ]);
  });

  it("keys a slug request by id", async () => {
    await start();
    const { body } = await get(`${QUOTES}?slug=bitcoin,ethereum`);
    expect(Object.keys(body.data)).toEqual(["1", "1027"]);
  });
});

describe("quotes/latest by symbol", () => {
  it("returns every namesake in an upper-cased key, the inactive one without price or rank", async () => {
    await start();
    const { body } = await get(`${QUOTES}?symbol=btc`);
    expect(Object.keys(body.data)).toEqual(["BTC"]);
    const coins = body.data.BTC as unknown as CoinRecord[];
    expect(coins.map((coin) => coin.id)).toEqual([1, 31469, 30938]);
    expect(coins[1]).toMatchObject({ name: "Batcat", is_active: 1, last_updated: START });
    expect(coins[2]).toMatchObject({
      name: "Satoshi Pumpomoto",
      is_active: 0,
      cmc_rank: null,
      num_market_pairs: 0,
      last_updated: "2024-06-30T11:27:00.000Z",
    });
    expect(coins[2].quote.USD).toMatchObject({ price: null, market_cap: null, volume_24h: 0, percent_change_24h: 0 });
    expect(body.status.credit_count).toBe(1);
  });

  it("puts ETC's inactive namesake first, as CMC did", async () => {
    await start();
    const { body } = await get(`${QUOTES}?symbol=ETC`);
    const coins = body.data.ETC as unknown as CoinRecord[];
    expect(coins.map((coin) => [coin.id, coin.is_active])).toEqual([
      [646, 0],
      [1321, 1],
    ]);
    expect(coins[0].date_added).toBeNull();
  });

  it("answers an unknown symbol with an empty array and one credit", async () => {
    await start();
    const { res, body } = await get(`${QUOTES}?symbol=XYZ`);
    expect(res.status).toBe(200);
    expect(body.data).toEqual({ XYZ: [] });
    expect(body.status.credit_count).toBe(1);
  });

  it("gives v1 a single object, the best-ranked active namesake, with tags as strings", async () => {
    await start();
    const { body } = await get("/v1/cryptocurrency/quotes/latest?symbol=ETC,BTC");
    expect(body.data.ETC).toMatchObject({ id: 1321, is_active: 1 });
    expect(body.data.BTC).toMatchObject({ id: 1, tags: ["pow", "sha-256", "store-of-value"] });
  });
});

describe("quotes/latest validation", () => {
  it.each([
    [`${QUOTES}?id=999999&skip_invalid=false`, `Invalid value for "id": "999999"`],
    [`${QUOTES}?symbol=AAA,BBB&skip_invalid=false`, `Invalid values for "symbol": "AAA,BBB"`],
    [`${QUOTES}?slug=bitcoin,nope&skip_invalid=false`, `Invalid value for "slug": "nope"`],
    ["/v1/cryptocurrency/quotes/latest?symbol=BTC,XYZ", `Invalid value for "symbol": "XYZ"`],
    [`${QUOTES}?symbol=`, `"symbol" is not allowed to be empty`],
    [`${QUOTES}?id=1&foo=bar`, `"foo" is not allowed`],
    [`${QUOTES}?id=1,,2`, `"id" with value "1,,2" fails to match the required pattern: /^\\d+(,\\d+)*$/`],
    [`${QUOTES}?id=1&skip_invalid=yes`, `"skip_invalid" must be a boolean`],
    [`${QUOTES}?id=1&convert=USD,XXX`, `Invalid value for "convert": "XXX"`],
    [QUOTES, `"value" must contain at least one of [id, slug, symbol]`],
  ])("%s → 400 %s", async (path, message) => {
    await start();
    const { res, body } = await get(path);
    expect(res.status).toBe(400);
    expect(body).toEqual({
      status: {
        timestamp: expect.stringMatching(ISO_MS),
        error_code: 400,
        error_message: message,
        elapsed: 0,
        credit_count: 0,
      },
    });
    expect(sim?.creditsUsed()).toBe(0);
  });
});

describe("credits", () => {
  it.each([
    ["1 id", `id=1`, 1],
    ["100 ids", `id=${syntheticIds(100)}`, 1],
    ["150 ids", `id=${syntheticIds(150)}`, 2],
    ["250 ids", `id=${syntheticIds(250)}`, 3],
    ["1 id in 3 currencies", `id=1&convert=USD,EUR,BTC`, 3],
    ["150 ids in 3 currencies", `id=${syntheticIds(150)}&convert=USD,EUR,BTC`, 4],
    ["3 symbols, 4 coins and an unknown one", `symbol=BTC,ETH,XYZ`, 1],
  ])("%s cost %i", async (_, query, credits) => {
    await start();
    const { body } = await get(`${QUOTES}?${query}`);
    expect(body.status.credit_count).toBe(credits);
    expect(sim?.creditsUsed()).toBe(credits);
    expect(sim?.calls[0].creditCount).toBe(credits);
  });

  it("charges map one credit and key/info none", async () => {
    await start();
    await get("/v1/cryptocurrency/map");
    await get("/v1/key/info");
    expect(sim?.calls.map((call) => call.creditCount)).toEqual([1, 0]);
    expect(sim?.creditsUsed()).toBe(1);
  });
});

describe("convert", () => {
  it("quotes fiat at fixed cross rates and crypto against the live price", async () => {
    await start();
    const { body } = await get(`${QUOTES}?id=1,1027&convert=usd,EUR,JPY,BTC,ETH`);
    const { quote } = body.data["1027"];
    expect(Object.keys(quote)).toEqual(["USD", "EUR", "JPY", "BTC", "ETH"]);
    const usd = quote.USD.price as number;
    expect(quote.EUR.price as number).toBeCloseTo(usd / 1.0842, 8);
    expect(quote.JPY.price as number).toBeCloseTo(usd / 0.006693, 6);
    expect(quote.BTC.price as number).toBeCloseTo(usd / (body.data["1"].quote.USD.price as number), 12);
    expect(quote.ETH.price).toBe(1);
    expect(quote.ETH.percent_change_24h).toBeCloseTo(0, 10);
    expect(quote.EUR.percent_change_24h).toBe(quote.USD.percent_change_24h);
  });

  it("keys convert_id quotes by id", async () => {
    await start();
    const { body } = await get(`${QUOTES}?id=1&convert_id=2781,2790`);
    expect(Object.keys(body.data["1"].quote)).toEqual(["2781", "2790"]);
  });
});

describe("/v1/cryptocurrency/map", () => {
  it("lists active coins by default, in CMC's shape", async () => {
    await start({ syntheticCoins: 20 });
    const { body } = await get<MapEntry[]>("/v1/cryptocurrency/map");
    expect(body.status.credit_count).toBe(1);
    expect(body.data.every((entry) => entry.is_active === 1)).toBe(true);
    expect(body.data.map((entry) => entry.id)).not.toContain(30938);
    expect(body.data).toHaveLength(12 + 20);
    expect(body.data[0]).toEqual({
      id: 1,
      rank: 1,
      name: "Bitcoin",
      symbol: "BTC",
      slug: "bitcoin",
      is_active: 1,
      first_historical_data: "2010-07-13T00:00:00.000Z",
      last_historical_data: START,
      platform: null,
    });
  });

  it("adds inactive namesakes when listing_status asks for them", async () => {
    await start({ syntheticCoins: 0 });
    const { body } = await get<MapEntry[]>("/v1/cryptocurrency/map?listing_status=active,inactive");
    expect(body.data.filter((entry) => entry.is_active === 0).map((entry) => entry.id)).toEqual([646, 30938]);
  });

  it("returns every namesake for symbol, whatever the listing status", async () => {
    await start();
    const { body } = await get<MapEntry[]>("/v1/cryptocurrency/map?symbol=BTC");
    expect(body.data.map((entry) => [entry.id, entry.is_active, entry.rank])).toEqual([
      [1, 1, 1],
      [31469, 1, expect.any(Number)],
      [30938, 0, 8413],
    ]);
  });

  it("pages with start and limit and sorts by id or cmc_rank", async () => {
    await start();
    const byRank = await get<MapEntry[]>("/v1/cryptocurrency/map?sort=cmc_rank&limit=3");
    expect(byRank.body.data.map((entry) => [entry.symbol, entry.rank])).toEqual([
      ["BTC", 1],
      ["ETH", 2],
      ["USDT", 3],
    ]);
    const byId = await get<MapEntry[]>("/v1/cryptocurrency/map?start=2&limit=2");
    expect(byId.body.data.map((entry) => entry.id)).toEqual([52, 74]);
    const tooMany = await get("/v1/cryptocurrency/map?limit=5001");
    expect(tooMany.body.status.error_message).toBe(`"limit" must be less than or equal to 5000`);
  });
});

describe("/v1/key/info", () => {
  it("reports the plan and counts requests and credits", async () => {
    await start();
    await get(`${QUOTES}?id=1&convert=USD,EUR,GBP`);
    const { body } = await get<KeyInfo>("/v1/key/info");
    expect(body.status.credit_count).toBe(0);
    expect(body.data).toEqual({
      plan: {
        credit_limit_monthly: 10_000,
        // Counted from status.timestamp, a little past the whole minute.
        credit_limit_monthly_reset: expect.stringMatching(/^In (27 days, 0 hours, 0|26 days, 23 hours, 59) minutes$/),
        credit_limit_monthly_reset_timestamp: "2026-02-01T00:00:00.000Z",
        rate_limit_minute: 30,
      },
      usage: {
        current_minute: { requests_made: 2, requests_left: 28 },
        current_day: { credits_used: 3 },
        current_month: { credits_used: 3, credits_left: 9_997 },
      },
    });
  });

  it("answers 429 1008 past the minute's requests, key/info included, until the minute turns", async () => {
    await start({ rateLimitPerMinute: 3 });
    await get(`${QUOTES}?id=1`);
    await get("/v1/key/info");
    await get("/v1/cryptocurrency/map?symbol=BTC");
    const { res, body } = await get(`${QUOTES}?id=1`);
    expect(res.status).toBe(429);
    expect(body.status).toMatchObject({
      error_code: 1008,
      error_message: "You've exceeded your API Key's HTTP request rate limit. Rate limits reset every minute.",
      credit_count: 0,
    });
    expect(res.headers.get("retry-after")).toBeNull();
    sim?.advanceMinute();
    expect((await get(`${QUOTES}?id=1`)).res.status).toBe(200);
  });

  it("enforces no minute limit when it is 0", async () => {
    await start({ rateLimitPerMinute: 0 });
    for (let i = 0; i < 40; i++) expect((await get(`${QUOTES}?id=1`)).res.status).toBe(200);
    const { body } = await get<KeyInfo>("/v1/key/info");
    expect(body.data.plan.rate_limit_minute).toBeNull();
    expect(body.data.usage.current_minute).toEqual({ requests_made: 41, requests_left: null });
  });

  it("refuses data calls with 429 1010 once the monthly credits are spent, warning before", async () => {
    await start({ monthlyCredits: 2 });
    expect((await get(`${QUOTES}?id=1`)).body.status.notice).toBeNull();
    expect((await get(`${QUOTES}?id=1`)).body.status.notice).toMatch(/95%/);
    const { res, body } = await get(`${QUOTES}?id=1`);
    expect(res.status).toBe(429);
    expect(body.status.error_message).toBe("You've exceeded your API Key's monthly rate limit.");
    expect((await get("/v1/key/info")).res.status).toBe(200);
  });

  it("exhausts and resets daily and monthly credits on demand", async () => {
    await start();
    sim?.exhaustCredits("daily");
    expect((await get(`${QUOTES}?id=1`)).body.status.error_code).toBe(1009);
    expect((await get("/v1/cryptocurrency/map")).body.status.error_code).toBe(1009);
    sim?.resetCredits();
    sim?.exhaustCredits("monthly");
    expect((await get(`${QUOTES}?id=1`)).body.status).toMatchObject({ error_code: 1010, credit_count: 0 });
    const info = await get<KeyInfo>("/v1/key/info");
    expect(info.body.data.usage.current_month.credits_left).toBe(0);
    sim?.resetCredits();
    expect((await get(`${QUOTES}?id=1`)).res.status).toBe(200);
  });
});

describe("faults", () => {
  it.each([
    ["invalidKey", faults.invalidKey, 401, 1001, "This API Key is invalid."],
    [
      "paymentRequired",
      faults.paymentRequired,
      402,
      1003,
      "Your API Key must be activated. Please go to pro.coinmarketcap.com/account/plan.",
    ],
    ["paymentExpired", faults.paymentExpired, 402, 1004, "Your API Key's subscription plan has expired."],
    [
      "planNotAuthorized",
      faults.planNotAuthorized,
      403,
      1006,
      "Your API Key subscription plan doesn't support this endpoint.",
    ],
    ["keyDisabled", faults.keyDisabled, 403, 1007, "This API Key has been disabled. Please contact support."],
    ["minuteRateLimit", faults.minuteRateLimit, 429, 1008, expect.stringContaining("Rate limits reset every minute.")],
    ["dailyLimit", faults.dailyLimit, 429, 1009, "You've exceeded your API Key's daily rate limit."],
    ["monthlyLimit", faults.monthlyLimit, 429, 1010, "You've exceeded your API Key's monthly rate limit."],
    ["ipRateLimit", faults.ipRateLimit, 429, 1011, "You've hit an IP rate limit."],
    ["serverError", faults.serverError, 500, 500, "An internal server error occurred"],
  ] as const)("%s answers once with CMC's body, free of charge", async (_, fault, httpStatus, code, message) => {
    await start();
    sim?.failNext(fault);
    const failed = await get(`${QUOTES}?id=1`);
    expect(failed.res.status).toBe(httpStatus);
    expect(failed.body).toEqual({
      status: { timestamp: expect.any(String), error_code: code, error_message: message, elapsed: 0, credit_count: 0 },
    });
    expect((await get(`${QUOTES}?id=1`)).res.status).toBe(200);
    expect(sim?.creditsUsed()).toBe(1);
  });

  it("fails the next N data requests, sparing key/info unless told", async () => {
    await start();
    sim?.failNext(faults.serverError, 2);
    expect((await get("/v1/key/info")).res.status).toBe(200);
    expect((await get(`${QUOTES}?id=1`)).res.status).toBe(500);
    expect((await get("/v1/cryptocurrency/map")).res.status).toBe(500);
    expect((await get(`${QUOTES}?id=1`)).res.status).toBe(200);
    sim?.failNext({ ...faults.keyDisabled, includeKeyInfo: true });
    expect((await get("/v1/key/info")).res.status).toBe(403);
  });

  it("keeps a persistent fault until it is cleared", async () => {
    await start();
    sim?.setFault({ kind: "http-error", httpStatus: 503, errorCode: null });
    for (let i = 0; i < 3; i++) {
      const { res, body } = await get(`${QUOTES}?id=1`);
      expect(res.status).toBe(503);
      expect(body.status).toMatchObject({ error_code: null, error_message: "Service Unavailable" });
    }
    sim?.setFault(undefined);
    expect((await get(`${QUOTES}?id=1`)).res.status).toBe(200);
  });

  it("malformed-json: a 200 whose JSON is cut off, still charged", async () => {
    await start();
    sim?.failNext(faults.malformedJson);
    const res = await fetch(`${sim?.url}${QUOTES}?id=1`, { headers: { "X-CMC_PRO_API_KEY": "sim-key" } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.startsWith('{"status":{')).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(sim?.calls[0]).toMatchObject({ status: 200, errorCode: null, creditCount: 1 });
  });

  it("non-json: a 200 HTML page", async () => {
    await start();
    sim?.failNext(faults.nonJson);
    const res = await fetch(`${sim?.url}${QUOTES}?id=1`, { headers: { "X-CMC_PRO_API_KEY": "sim-key" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toContain("<html>");
  });

  it("hang: never answers, so the client times out, and close() still returns", async () => {
    await start();
    sim?.failNext(faults.hang);
    const pending = fetch(`${sim?.url}${QUOTES}?id=1`, {
      headers: { "X-CMC_PRO_API_KEY": "sim-key" },
      signal: AbortSignal.timeout(200),
    });
    await expect(pending).rejects.toThrow(/aborted|timeout/i);
    expect(sim?.calls[0]).toMatchObject({ status: 0, errorCode: null, creditCount: 0 });
    sim?.failNext(faults.hang);
    const hanging = fetch(`${sim?.url}${QUOTES}?id=1`, { headers: { "X-CMC_PRO_API_KEY": "sim-key" } });
    // The simulator records a call when the request arrives: close() once it is hanging there.
    await expect.poll(() => sim?.calls.length).toBe(2);
    await sim?.close();
    await expect(hanging).rejects.toThrow();
  });

  it("missing-data: status ok and no data member", async () => {
    await start();
    sim?.failNext(faults.missingData);
    const { res, body } = await get(`${QUOTES}?id=1`);
    expect(res.status).toBe(200);
    expect(body.status.error_code).toBe(0);
    expect(body).not.toHaveProperty("data");
  });

  it("error-code-on-200: HTTP 200 carrying an error status", async () => {
    await start();
    sim?.failNext({ kind: "error-code-on-200", errorCode: 1011, message: "You've hit an IP rate limit." });
    const { res, body } = await get(`${QUOTES}?id=1`);
    expect(res.status).toBe(200);
    expect(body).toEqual({
      status: {
        timestamp: expect.any(String),
        error_code: 1011,
        error_message: "You've hit an IP rate limit.",
        elapsed: 0,
        credit_count: 0,
      },
    });
  });

  it("string-numbers: quote numbers as strings, nulls and dates untouched", async () => {
    await start();
    const normal = await get(`${QUOTES}?symbol=BTC`);
    sim?.failNext(faults.stringNumbers);
    const spoiled = await get(`${QUOTES}?symbol=BTC`);
    const [bitcoin, , inactive] = spoiled.body.data.BTC as unknown as CoinRecord[];
    const expected = (normal.body.data.BTC as unknown as CoinRecord[])[0].quote.USD;
    expect(bitcoin.quote.USD.price).toBe(String(expected.price));
    expect(bitcoin.quote.USD.market_cap).toBe(String(expected.market_cap));
    expect(bitcoin.quote.USD).toMatchObject({ tvl: null, last_updated: START });
    expect(bitcoin.circulating_supply).toBe(19_991_981);
    expect(inactive.quote.USD.price).toBeNull();
  });

  it("null-price: that coin answers like an inactive one, the others do not", async () => {
    await start();
    sim?.failNext(faults.nullPrice(1027));
    const { body } = await get(`${QUOTES}?id=1,1027`);
    expect(body.data["1027"]).toMatchObject({ is_active: 0, cmc_rank: null });
    expect(body.data["1027"].quote.USD).toMatchObject({ price: null, market_cap: null });
    expect(body.data["1"].quote.USD.price).toBe(67_021.28);
    expect((await get(`${QUOTES}?id=1027`)).body.data["1027"].quote.USD.price).toBe(1_950.41);
  });

  it("raw-body: that body and status instead of CMC's, free of charge", async () => {
    await start();
    sim?.failNext({ kind: "raw-body", body: '{"status":7}', httpStatus: 418, contentType: "text/plain" });
    const res = await fetch(`${sim?.url}${QUOTES}?id=1`, { headers: { "X-CMC_PRO_API_KEY": "sim-key" } });
    expect({ status: res.status, type: res.headers.get("content-type"), body: await res.text() }).toEqual({
      status: 418,
      type: "text/plain",
      body: '{"status":7}',
    });
    expect(sim?.calls[0]).toMatchObject({ status: 418, errorCode: null, creditCount: 0 });
  });

  it("patch: CMC's answer with members replaced or removed, charged", async () => {
    await start();
    const normal = await get(`${QUOTES}?id=1`);
    sim?.failNext({
      kind: "patch",
      patches: [
        { path: ["data", "1", "quote", "USD", "price"], value: "free" },
        { path: ["data", "1", "symbol"], value: undefined },
        { path: ["data", "1", "__proto__"], value: { polluted: true } },
        { path: ["status", "error_code"], value: 1001 },
      ],
    });
    const { res, text, body } = await get(`${QUOTES}?id=1`);
    expect(res.status).toBe(200);
    const { symbol, ...rest } = normal.body.data["1"];
    expect(symbol).toBe("BTC");
    expect(body.status).toEqual({ ...normal.body.status, error_code: 1001, timestamp: expect.any(String) });
    // An own member, as JSON.parse makes it, not the object's prototype.
    expect(Object.getOwnPropertyDescriptor(body.data["1"], "__proto__")?.value).toEqual({ polluted: true });
    expect(text).toContain('"__proto__":{"polluted":true}');
    Reflect.deleteProperty(body.data["1"], "__proto__");
    expect(body.data["1"]).toEqual({ ...rest, quote: { USD: { ...rest.quote.USD, price: "free" } } });
    expect(sim?.calls[1]).toMatchObject({ status: 200, errorCode: 1001, creditCount: 1 });
  });

  it("drip: CMC's answer a few bytes at a time, whole in the end, charged", async () => {
    await start();
    const normal = await get(`${QUOTES}?id=1`);
    sim?.failNext({ kind: "drip", chunkBytes: 16, totalMs: 300 });
    const res = await fetch(`${sim?.url}${QUOTES}?id=1`, { headers: { "X-CMC_PRO_API_KEY": "sim-key" } });
    const reader = res.body?.getReader();
    const chunks: Uint8Array[] = [];
    for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) chunks.push(read.value);
    const text = Buffer.concat(chunks).toString("utf8");
    // The same answer, but for the request's time within the minute.
    expect(JSON.parse(text).data).toEqual(normal.body.data);
    // Spread over 300 ms, the 16-byte pieces reach the client as separate reads, not as one body.
    expect(chunks.length).toBeGreaterThan(text.length / 16 / 4);
    expect(sim?.calls[1]).toMatchObject({ status: 200, errorCode: 0, creditCount: 1, bodyBytes: text.length });
  });

  it("flood: a 200 whose body never ends, until the client hangs up; free of charge", async () => {
    await start();
    sim?.failNext({ kind: "flood" });
    const res = await fetch(`${sim?.url}${QUOTES}?id=1`, { headers: { "X-CMC_PRO_API_KEY": "sim-key" } });
    const reader = res.body?.getReader();
    let received = 0;
    while (received <= 1_000_000) received += (await reader?.read())?.value?.byteLength ?? 0;
    await reader?.cancel();
    expect(res.headers.get("content-length")).toBeNull();
    expect(sim?.calls[0]).toMatchObject({ status: 200, errorCode: null, creditCount: 0 });
    // Answers again at once.
    expect((await get(`${QUOTES}?id=1`)).res.status).toBe(200);
  });

  it("setDelay slows every answer", async () => {
    await start();
    sim?.setDelay(150);
    const began = performance.now();
    await get(`${QUOTES}?id=1`);
    expect(performance.now() - began).toBeGreaterThanOrEqual(140);
  });
});

describe("simulated clock", () => {
  it("advanceMinute moves prices and last_updated by exactly one minute", async () => {
    await start();
    const before = await get(`${QUOTES}?id=1,1027`);
    sim?.advanceMinute();
    const after = await get(`${QUOTES}?id=1,1027`);
    for (const id of ["1", "1027"]) {
      const was = before.body.data[id];
      const now = after.body.data[id];
      expect(Date.parse(now.last_updated) - Date.parse(was.last_updated)).toBe(60_000);
      expect(now.quote.USD.last_updated).toBe("2026-01-05T00:01:00.000Z");
      expect(now.quote.USD.price).not.toBe(was.quote.USD.price);
    }
    expect(sim?.now().toISOString()).toBe("2026-01-05T00:01:00.000Z");
    const timestamp = Date.parse(after.body.status.timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(Date.parse("2026-01-05T00:01:00.000Z"));
    expect(timestamp).toBeLessThan(Date.parse("2026-01-05T00:02:00.000Z"));
  });

  it("with stepMs, moves prices and last_updated by that step (the demo's real-time clock)", async () => {
    await start({ stepMs: 5000, startTime: new Date("2026-12-03T10:00:07.300Z") });
    expect(sim?.now().toISOString()).toBe("2026-12-03T10:00:05.000Z");
    const before = await get(`${QUOTES}?id=1`);
    sim?.advanceMinute();
    const after = await get(`${QUOTES}?id=1`);
    expect(after.body.data["1"].last_updated).toBe("2026-12-03T10:00:10.000Z");
    expect(after.body.data["1"].quote.USD.price).not.toBe(before.body.data["1"].quote.USD.price);
    const timestamp = Date.parse(after.body.status.timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(Date.parse("2026-12-03T10:00:10.000Z"));
    expect(timestamp).toBeLessThan(Date.parse("2026-12-03T10:00:15.000Z"));
    await expect(startCmcSimulator({ stepMs: 7000 })).rejects.toThrow(
      "stepMs must divide a minute into whole steps of at least 1000 ms, got 7000",
    );
  });

  it("walks deterministically from the seed and never below zero", async () => {
    const prices = async (seed: number) => {
      const simulator = await startCmcSimulator({ manualClock: true, seed, syntheticCoins: 0 });
      try {
        simulator.advanceMinute(20_000);
        const res = await fetch(`${simulator.url}${QUOTES}?id=1,825,5994,36521`, {
          headers: { "X-CMC_PRO_API_KEY": "sim-key" },
        });
        const body = (await res.json()) as Body<Record<string, CoinRecord>>;
        return Object.values(body.data).map((coin) => coin.quote.USD.price as number);
      } finally {
        await simulator.close();
      }
    };
    const first = await prices(7);
    expect(await prices(7)).toEqual(first);
    expect(await prices(8)).not.toEqual(first);
    for (const price of first) expect(price).toBeGreaterThan(0);
    expect(first[1]).toBeCloseTo(1, 1);
  });

  it("floors startTime to a whole minute", async () => {
    await start({ startTime: new Date("2026-03-10T12:34:56.789Z") });
    expect(sim?.now().toISOString()).toBe("2026-03-10T12:34:00.000Z");
  });

  it("ticks on its own when minuteMs is set", async () => {
    await start({ manualClock: false, minuteMs: 20 });
    await expect.poll(() => sim?.now().getTime(), { timeout: 2_000 }).toBeGreaterThan(Date.parse(START));
  });
});

describe("HTTP", () => {
  function rawGet(path: string, headers: Record<string, string>) {
    return new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = request(`${sim?.url}${path}`, { headers: { "X-CMC_PRO_API_KEY": "sim-key", ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("sends CMC's headers and gzips when asked", async () => {
    await start();
    const zipped = await rawGet(`${QUOTES}?id=1`, { "Accept-Encoding": "deflate, gzip" });
    expect(zipped.headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-cache",
      "content-encoding": "gzip",
    });
    expect(JSON.parse(gunzipSync(zipped.body).toString()).data["1"].id).toBe(1);
    const plain = await rawGet(`${QUOTES}?id=1`, {});
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(plain.body.toString()).data["1"].id).toBe(1);
    for (const header of Object.keys(plain.headers)) expect(header).not.toMatch(/retry-after|ratelimit/);
  });

  it("refuses URLs longer than 32 KB like Cloudflare, so 5000 ids need two requests", async () => {
    await start();
    const { res, body } = await get(`${QUOTES}?id=${syntheticIds(1_000)}`);
    expect(res.status).toBe(200);
    expect(Object.keys(body.data)).toHaveLength(1_000);
    const tooLong = await fetch(`${sim?.url}${QUOTES}?id=${syntheticIds(5_000)}`, {
      headers: { "X-CMC_PRO_API_KEY": "sim-key" },
    });
    expect(tooLong.status).toBe(414);
  });
});
