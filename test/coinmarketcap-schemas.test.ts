import { describe, expect, it } from "vitest";
import { CmcError } from "../src/coinmarketcap/errors";
import { readResponse } from "../src/coinmarketcap/response";
import { parseKeyInfo, parseMap, parseQuotesLatest } from "../src/coinmarketcap/schemas";
import {
  cmcBody,
  cmcCoin,
  cmcErrorBody,
  cmcQuote,
  cmcStatus,
  parsedQuote,
  quotesLatestBody,
} from "./support/cmc-fixtures";

const QUOTES = "/v2/cryptocurrency/quotes/latest";
/** For payloads kept as CMC's text. */
const OK_STATUS = JSON.stringify(cmcStatus());

// The reference's BTC reply, as `?id=1,30938` returns it: keyed by id, one object per coin.
const BTC_BY_ID = `{"status":${OK_STATUS},
 "data":{
  "1":{"id":1,"name":"Bitcoin","symbol":"BTC","slug":"bitcoin","num_market_pairs":12562,
   "date_added":"2010-07-13T00:00:00.000Z","tags":[{"slug":"pow","name":"PoW","category":"ALGORITHM"}],
   "max_supply":21000000,"circulating_supply":19991981,"total_supply":19991981,"is_active":1,
   "infinite_supply":false,"platform":null,"cmc_rank":1,"is_fiat":0,
   "self_reported_circulating_supply":null,"self_reported_market_cap":null,"tvl_ratio":null,
   "last_updated":"2026-02-19T19:59:00.000Z",
   "quote":{"USD":{"price":67021.28,"volume_24h":32201018126.47,"volume_change_24h":0.814,
    "percent_change_1h":0.147,"percent_change_24h":1.373,"percent_change_7d":1.948,"market_cap":1339888156069.08,"market_cap_dominance":58.3149,
    "fully_diluted_market_cap":1407446879698.95,"tvl":null,"last_updated":"2026-02-19T19:59:00.000Z"}}},
  "30938":{"id":30938,"name":"Satoshi Pumpomoto","symbol":"BTC","is_active":0,"cmc_rank":null,
   "platform":{"id":5426,"name":"Solana","symbol":"SOL","slug":"solana","token_address":"6AGN…"},
   "quote":{"USD":{"price":null,"market_cap":null,"volume_24h":0}}}}}`;

function quotes(text: string, ids: number[], converts = ["USD"]) {
  return parseQuotesLatest(readResponse(QUOTES, 200, text), ids, converts);
}

/** A reply with one coin, TINY (id 7). */
function tiny(quote: Record<string, unknown>, fields: Record<string, unknown> = {}) {
  return quotesLatestBody(cmcCoin({ id: 7, symbol: "TINY", ...fields, quote }));
}

function thrown(fn: () => unknown): CmcError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CmcError);
    return error as CmcError;
  }
  throw new Error("expected a CmcError");
}

describe("parseQuotesLatest", () => {
  it("reads the reference BTC reply and skips the inactive namesake with a null price", () => {
    const result = quotes(BTC_BY_ID, [1, 30938]);
    expect(result.quotes).toEqual([
      {
        cmcId: 1,
        symbol: "BTC",
        convert: "USD",
        price: "67021.28",
        volume24h: "32201018126.47",
        marketCap: "1339888156069.08",
        percentChange1h: "0.147",
        percentChange24h: "1.373",
        percentChange7d: "1.948",
        circulatingSupply: "19991981",
        lastUpdated: new Date("2026-02-19T19:59:00.000Z"),
      },
    ]);
    expect(result.skipped).toEqual([{ cmcId: 30938, convert: "USD", reason: "no price (inactive coin)" }]);
  });

  it("keeps every digit of exponent prices and converts numeric strings", () => {
    const text = tiny(
      { USD: cmcQuote({ price: 2.9310480352575198e-8, market_cap: "126.4576", volume_24h: 1e21 }) },
      { circulating_supply: "4.3144446875194E9" },
    );
    const [quote] = quotes(text, [7]).quotes;
    expect(quote.price).toBe("0.000000029310480352575198");
    expect(quote.marketCap).toBe("126.4576");
    expect(quote.volume24h).toBe("1000000000000000000000");
    expect(quote.circulatingSupply).toBe("4314444687.5194");
  });

  it("skips a quote whose price is a non-numeric string, and says which field", () => {
    const text = tiny({ USD: cmcQuote({ price: "n/a" }) });
    const result = quotes(text, [7]);
    expect(result.quotes).toEqual([]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]).toMatchObject({ cmcId: 7, convert: "USD" });
    expect(result.skipped[0].reason).toMatch(/^invalid quote\.USD: price: not a number/);
  });

  it.each([
    [{ price: -162.7 }, "invalid quote.USD: price: must be above 0"],
    [{ price: 0 }, "invalid quote.USD: price: must be above 0"],
    [{ price: "-0.00000001" }, "invalid quote.USD: price: must be above 0"],
    [{ price: 2, market_cap: -12345.5 }, "invalid quote.USD: market_cap: must not be negative"],
    [{ price: 2, volume_24h: -1 }, "invalid quote.USD: volume_24h: must not be negative"],
    [{ price: 2, percent_change_1h: "Infinity" }, `invalid quote.USD: percent_change_1h: not a number: "Infinity"`],
    [{ price: 2, last_updated: "2008-12-31T23:59:00.000Z" }, "last_updated 2008-12-31T23:59:00.000Z is before 2009"],
    [
      { price: 2, last_updated: "2026-02-19T21:03:00.000Z" },
      "last_updated 2026-02-19T21:03:00.000Z is after the response's time 2026-02-19T20:02:03.489Z",
    ],
  ])("skips a quote no market can have (%o), saying why", (quote, reason) => {
    const result = quotes(tiny({ USD: cmcQuote(quote) }), [7]);
    expect(result).toEqual({ quotes: [], skipped: [{ cmcId: 7, convert: "USD", reason }] });
  });

  it("skips a quote dated more than an hour past this service's time, even when CMC's clock says the same", () => {
    const text = tiny({ USD: cmcQuote({ price: 2, last_updated: "2099-01-01T00:00:00.000Z" }) }).replace(
      "2026-02-19T20:02:03.489Z",
      "2099-01-01T00:00:30.000Z",
    );
    const now = new Date("2026-02-19T20:02:04.000Z");
    expect(parseQuotesLatest(readResponse(QUOTES, 200, text), [7], ["USD"], now)).toEqual({
      quotes: [],
      skipped: [
        {
          cmcId: 7,
          convert: "USD",
          reason: "last_updated 2099-01-01T00:00:00.000Z is after this service's time 2026-02-19T20:02:04.000Z",
        },
      ],
    });
    // An hour ahead of this service's clock is still a quote (clocks differ a little).
    const hourAhead = tiny({ USD: cmcQuote({ price: 2, last_updated: "2026-02-19T21:02:00.000Z" }) });
    expect(parseQuotesLatest(readResponse(QUOTES, 200, hourAhead), [7], ["USD"], now).quotes).toHaveLength(1);
  });

  it("keeps zero volume and market cap, negative changes, and a time up to an hour past the response's", () => {
    const quote = {
      price: "0.00000001",
      volume_24h: 0,
      market_cap: 0,
      percent_change_24h: -99.5,
      last_updated: "2026-02-19T21:02:00.000Z",
    };
    expect(quotes(tiny({ USD: cmcQuote(quote) }), [7]).quotes).toEqual([
      parsedQuote({
        cmcId: 7,
        symbol: "TINY",
        price: "0.00000001",
        volume24h: "0",
        marketCap: "0",
        percentChange24h: "-99.5",
        lastUpdated: new Date("2026-02-19T21:02:00.000Z"),
      }),
    ]);
  });

  it("skips a coin whose circulating supply is negative, in every currency", () => {
    const result = quotes(tiny({ USD: cmcQuote({ price: 2 }) }, { circulating_supply: -5 }), [7]);
    expect(result).toEqual({
      quotes: [],
      skipped: [{ cmcId: 7, reason: "invalid coin entry: circulating_supply: must not be negative" }],
    });
  });

  it("accepts tags as strings, booleans for the 0/1 flags and missing optional fields", () => {
    const text = tiny(
      { USD: cmcQuote({ price: 1.5 }) },
      { tags: ["mineable", "pow"], is_active: true, is_fiat: false, platform: null },
    );
    expect(quotes(text, [7]).quotes).toEqual([
      parsedQuote({ cmcId: 7, symbol: "TINY", price: "1.5", lastUpdated: new Date("2026-02-19T19:59:00.000Z") }),
    ]);
  });

  it("takes the coin's last_updated when the quote has none, and skips a quote without either", () => {
    const withCoinTime = tiny({ USD: { price: 2 } }, { last_updated: "2026-02-19T19:58:00.000Z" });
    expect(quotes(withCoinTime, [7]).quotes[0].lastUpdated).toEqual(new Date("2026-02-19T19:58:00.000Z"));
    expect(quotes(tiny({ USD: { price: 2 } }), [7]).skipped).toEqual([
      { cmcId: 7, convert: "USD", reason: "no last_updated" },
    ]);
  });

  it("skips an invalid coin entry and keeps the others", () => {
    const text = cmcBody({
      "2": { id: "two", symbol: "LTC", quote: {} },
      "3": [{ id: 3, symbol: "X", quote: {} }],
      "1": cmcCoin({ id: 1, symbol: "BTC", quote: { USD: cmcQuote({ price: 67021.28 }) } }),
    });
    const result = quotes(text, [1, 2, 3]);
    expect(result.quotes.map((q) => q.cmcId)).toEqual([1]);
    expect(result.skipped).toHaveLength(2);
    expect(result.skipped[0].cmcId).toBe(2);
    expect(result.skipped[0].reason).toMatch(/^invalid coin entry: id:/);
    expect(result.skipped[1].cmcId).toBe(3);
    expect(result.skipped[1].reason).toMatch(/^invalid coin entry:/);
  });

  it("skips one invalid currency entry and keeps the coin's other currencies", () => {
    const text = tiny({ USD: cmcQuote({ price: 1 }), EUR: cmcQuote({ price: 0.9, last_updated: "yesterday" }) });
    const result = quotes(text, [7], ["USD", "EUR"]);
    expect(result.quotes.map((q) => q.convert)).toEqual(["USD"]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]).toMatchObject({ cmcId: 7, convert: "EUR" });
    expect(result.skipped[0].reason).toMatch(/^invalid quote\.EUR: last_updated:/);
  });

  it("reports requested currencies and ids that the response left out", () => {
    const text = tiny({ USD: cmcQuote({ price: 1 }) });
    const result = quotes(text, [7, 999999], ["USD", "EUR"]);
    expect(result.quotes).toHaveLength(1);
    expect(result.skipped).toEqual([
      { cmcId: 7, convert: "EUR", reason: "no EUR quote in the response" },
      { cmcId: 999999, reason: "not in the response (unknown or invalid id)" },
    ]);
  });

  it("fails the whole response as malformed when `data` is missing or not a map", () => {
    for (const data of [undefined, null, [1, 2]]) {
      const error = thrown(() => quotes(cmcBody(data), [1]));
      expect(error.kind).toBe("malformed");
      expect(error.retryable).toBe(true);
      expect(error.endpoint).toBe(QUOTES);
      expect(error.message).toMatch(/^unexpected response shape: data:/);
    }
  });
});

describe("readResponse", () => {
  it("accepts error_code null and an empty error_message as success", () => {
    const text = '{"status":{"error_code":null,"error_message":"","credit_count":2,"notice":""},"data":{}}';
    expect(readResponse(QUOTES, 200, text).status).toEqual({
      timestamp: null,
      errorCode: null,
      errorMessage: null,
      creditCount: 2,
      notice: null,
    });
  });

  it("keeps CMC's notice and tolerates a missing credit_count", () => {
    const text = '{"status":{"error_code":0,"notice":"You have used 95% of your monthly credits."},"data":{}}';
    const { status } = readResponse(QUOTES, 200, text);
    expect(status.notice).toBe("You have used 95% of your monthly credits.");
    expect(status.creditCount).toBeNull();
  });

  it("treats an error_code on HTTP 200 as an error", () => {
    const text = cmcErrorBody(
      1008,
      "You've exceeded your API Key's HTTP request rate limit. Rate limits reset every minute.",
    );
    const error = thrown(() => readResponse(QUOTES, 200, text));
    expect(error).toMatchObject({ kind: "rate-limit-minute", httpStatus: 200, errorCode: 1008, retryable: true });
    expect(error.message).toBe(
      "You've exceeded your API Key's HTTP request rate limit. Rate limits reset every minute.",
    );
  });

  it.each([
    [401, 1001, "This API Key is invalid.", "auth", false],
    [401, 1002, "API key missing.", "auth", false],
    [402, 1003, "Your API Key must be activated. Please go to pro.coinmarketcap.com/account/plan.", "payment", false],
    [403, 1006, "Your API Key subscription plan doesn't support this endpoint.", "forbidden", false],
    [429, 1009, "You've exceeded your API Key's daily rate limit.", "quota-daily", false],
    [429, 1010, "You've exceeded your API Key's monthly rate limit.", "quota-monthly", false],
    [429, 1011, "You've hit an IP rate limit.", "rate-limit-minute", true],
    [400, 400, '"symbol" is not allowed to be empty', "bad-request", false],
    [500, 500, "An internal server error occurred", "server", true],
  ])("reads the HTTP %i error body with code %i", (httpStatus, code, message, kind, retryable) => {
    const text = cmcErrorBody(code, message);
    const error = thrown(() => readResponse(QUOTES, httpStatus, text));
    expect(error).toMatchObject({ kind, httpStatus, errorCode: code, retryable, message });
  });

  it("classifies a non-JSON error page by its HTTP status", () => {
    const error = thrown(() => readResponse(QUOTES, 502, "<html><body>Bad Gateway</body></html>"));
    expect(error).toMatchObject({ kind: "server", httpStatus: 502, errorCode: null, retryable: true });
    expect(error.message).toBe("HTTP 502 without a CoinMarketCap error message");
  });

  it("reports truncated JSON and HTML on HTTP 200 as malformed", () => {
    const truncated = BTC_BY_ID.slice(0, 200);
    for (const text of [truncated, "<!DOCTYPE html><html></html>", ""]) {
      const error = thrown(() => readResponse(QUOTES, 200, text));
      expect(error).toMatchObject({ kind: "malformed", httpStatus: 200, errorCode: null, retryable: true });
      expect(error.message).toMatch(/^response body is not JSON: /);
      expect(error.message.length).toBeLessThanOrEqual(301);
    }
  });

  it("reports a 200 without a valid status object as malformed", () => {
    for (const text of ['{"data":{}}', '{"status":{"error_code":"none"},"data":{}}', "[]", "null"]) {
      expect(thrown(() => readResponse(QUOTES, 200, text)).kind).toBe("malformed");
    }
  });
});

describe("parseMap", () => {
  const MAP = "/v1/cryptocurrency/map";

  it("reads entries with 0/1 flags and null ranks, and skips invalid ones", () => {
    const text = `{"status":${OK_STATUS},"data":[
      {"id":1,"rank":1,"name":"Bitcoin","symbol":"BTC","slug":"bitcoin","is_active":1,
       "first_historical_data":"2010-07-13T00:05:00.000Z","last_historical_data":"2026-02-19T19:59:00.000Z","platform":null},
      {"id":30938,"rank":null,"name":"Satoshi Pumpomoto","symbol":"BTC","slug":"satoshi-pumpomoto","is_active":0,
       "platform":{"id":5426,"name":"Solana","symbol":"SOL","slug":"solana","token_address":"6AGN"}},
      {"id":"x","name":"Broken","symbol":"BTC","slug":"broken"}]}`;
    const { entries, skipped } = parseMap(readResponse(MAP, 200, text));
    expect(entries).toEqual([
      { cmcId: 1, symbol: "BTC", name: "Bitcoin", slug: "bitcoin", rank: 1, isActive: true },
      {
        cmcId: 30938,
        symbol: "BTC",
        name: "Satoshi Pumpomoto",
        slug: "satoshi-pumpomoto",
        rank: null,
        isActive: false,
      },
    ]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].cmcId).toBeNull();
    expect(skipped[0].reason).toMatch(/^invalid map entry: id:/);
  });

  it("fails as malformed when `data` is not an array", () => {
    const error = thrown(() => parseMap(readResponse(MAP, 200, cmcBody({}))));
    expect(error.kind).toBe("malformed");
  });
});

describe("parseKeyInfo", () => {
  const KEY_INFO = "/v1/key/info";

  it("reads a Basic plan without daily limits", () => {
    const text = `{"status":{"timestamp":"2026-02-19T20:02:03.489Z","error_code":0,"error_message":null,"elapsed":3,"credit_count":0,"notice":null},
      "data":{"plan":{"credit_limit_monthly":10000,"credit_limit_monthly_reset":"In 8 days, 3 hours, 57 minutes",
        "credit_limit_monthly_reset_timestamp":"2026-03-01T00:00:00.000Z","rate_limit_minute":30},
      "usage":{"current_minute":{"requests_made":2,"requests_left":28},"current_day":{"credits_used":41},
        "current_month":{"credits_used":1873,"credits_left":8127}}}}`;
    expect(parseKeyInfo(readResponse(KEY_INFO, 200, text))).toEqual({
      creditLimitMonthly: 10000,
      monthlyResetAt: new Date("2026-03-01T00:00:00.000Z"),
      creditLimitDaily: null,
      dailyResetAt: null,
      rateLimitMinute: 30,
      creditsUsedMonth: 1873,
      creditsLeftMonth: 8127,
      creditsUsedDay: 41,
    });
  });

  it("reads a daily limit, with its reset timestamp or else the next 00:00 UTC", () => {
    const withReset = `{"status":{"timestamp":"2021-09-17T08:09:59.204Z","error_code":0,"error_message":"","credit_count":1},
      "data":{"plan":{"credit_limit_daily":4000,"credit_limit_daily_reset_timestamp":"2021-09-18T00:00:00.000Z",
        "credit_limit_monthly":120000,"credit_limit_monthly_reset_timestamp":"2021-10-01T00:00:00.000Z","rate_limit_minute":60},
      "usage":{"current_day":{"credits_used":2346,"credits_left":1654},"current_month":{"credits_used":75832,"credits_left":44168}}}}`;
    expect(parseKeyInfo(readResponse(KEY_INFO, 200, withReset))).toMatchObject({
      creditLimitDaily: 4000,
      dailyResetAt: new Date("2021-09-18T00:00:00.000Z"),
      creditsUsedDay: 2346,
    });
    const withoutReset = `{"status":{"timestamp":"2021-09-17T23:59:59.999Z","error_code":0},
      "data":{"plan":{"credit_limit_daily":333,"credit_limit_monthly":10000},"usage":{}}}`;
    expect(parseKeyInfo(readResponse(KEY_INFO, 200, withoutReset))).toMatchObject({
      creditLimitDaily: 333,
      dailyResetAt: new Date("2021-09-18T00:00:00.000Z"),
      monthlyResetAt: null,
      creditsUsedDay: null,
    });
  });

  it("fails as malformed when `data` is missing", () => {
    expect(thrown(() => parseKeyInfo(readResponse(KEY_INFO, 200, cmcBody(undefined)))).kind).toBe("malformed");
  });
});
