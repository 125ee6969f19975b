import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CmcClient, MAX_BODY_BYTES } from "../src/coinmarketcap/client";
import { CmcError } from "../src/coinmarketcap/errors";
import { Secret } from "../src/config";
import { type CmcSimulator, faults, startCmcSimulator } from "../tools/cmc-simulator/server";
import { quietLogger } from "./support/database";
import { afterFirstQuotesAnswer } from "./support/ingestion";

// 150 synthetic coins: quotes/latest takes them in two requests, 100 ids then 50.
const IDS = Array.from({ length: 150 }, (_, index) => 100_000 + index);

describe("CmcClient.quotesLatest against the CMC simulator", () => {
  let sim: CmcSimulator;
  beforeAll(async () => {
    sim = await startCmcSimulator({ manualClock: true, rateLimitPerMinute: 0, syntheticCoins: 150 });
  });
  afterAll(async () => {
    await sim.close();
  });

  const client = (fetch?: typeof globalThis.fetch) =>
    new CmcClient({
      baseUrl: sim.url,
      apiKey: new Secret("sim-key"),
      logger: quietLogger,
      ...(fetch ? { fetch } : {}),
    });
  const requested = (from: number) => sim.calls.slice(from).map((c) => c.query.id.split(",").map(Number));

  it("asks for 100 ids a request and adds the answers up", async () => {
    const from = sim.calls.length;
    const { result, error } = await client().quotesLatest(IDS, ["USD"]);
    expect(error).toBeNull();
    expect(requested(from)).toEqual([IDS.slice(0, 100), IDS.slice(100)]);
    expect(result.quotes.map((q) => q.cmcId)).toEqual(IDS);
    expect({ skipped: result.skipped, creditCount: result.creditCount }).toEqual({ skipped: [], creditCount: 2 });
  });

  it("returns exactly the batches before a failing one, beside that failure as a CmcError", async () => {
    const alone = await client().quotesLatest(IDS.slice(0, 100), ["USD"]);
    const from = sim.calls.length;
    const { result, error } = await client(
      afterFirstQuotesAnswer(() => sim.failNext(faults.dailyLimit, 1)),
    ).quotesLatest(IDS, ["USD"]);
    expect(requested(from)).toEqual([IDS.slice(0, 100), IDS.slice(100)]);
    // The first request's quotes and credit, as it answers on its own in the same simulated minute.
    expect(result).toEqual(alone.result);
    expect(result.quotes.map((q) => q.cmcId)).toEqual(IDS.slice(0, 100));
    expect(result.creditCount).toBe(1);
    expect(error).toBeInstanceOf(CmcError);
    expect(error).toMatchObject({
      kind: "quota-daily",
      endpoint: "/v2/cryptocurrency/quotes/latest",
      httpStatus: 429,
      errorCode: 1009,
      retryable: false,
      message: "You've exceeded your API Key's daily rate limit.",
    });
  });

  it("stops at the failing batch: a failure in the first returns nothing else and asks no further", async () => {
    const from = sim.calls.length;
    sim.failNext(faults.serverError, 1);
    const { result, error } = await client().quotesLatest(IDS, ["USD"]);
    expect(requested(from)).toEqual([IDS.slice(0, 100)]);
    expect(result).toEqual({ quotes: [], skipped: [], creditCount: 0, notice: null });
    expect(error).toMatchObject({ kind: "server", httpStatus: 500, errorCode: 500 });
  });

  it("counts the credits of a successful answer whose data it cannot use: CMC charged it all the same", async () => {
    const from = sim.calls.length;
    sim.failNext(faults.missingData, 1);
    const { result, error } = await client().quotesLatest(IDS, ["USD", "EUR"]);
    expect(sim.calls.slice(from).map((c) => ({ status: c.status, credits: c.creditCount }))).toEqual([
      { status: 200, credits: 2 },
    ]);
    expect(result).toEqual({ quotes: [], skipped: [], creditCount: 2, notice: null });
    expect(error).toMatchObject({
      kind: "malformed",
      httpStatus: 200,
      errorCode: null,
      message: "unexpected response shape: data: Invalid input: expected record, received undefined",
    });
  });

  describe("bodies past maxBodyBytes (decompressed)", () => {
    const LIMIT = 4096;
    const limited = () =>
      new CmcClient({ baseUrl: sim.url, apiKey: new Secret("sim-key"), logger: quietLogger, maxBodyBytes: LIMIT });
    /** A CMC answer without data for the ids asked, padded with spaces to `bytes`. */
    const padded = (bytes: number) => {
      const body = JSON.stringify({ status: { error_code: 0, error_message: null, credit_count: 1 }, data: {} });
      return body + " ".repeat(bytes - body.length);
    };

    it("reads a body of exactly maxBodyBytes", async () => {
      sim.failNext({ kind: "raw-body", body: padded(LIMIT) });
      const { result, error } = await limited().quotesLatest([1], ["USD"]);
      expect(error).toBeNull();
      expect(result).toMatchObject({ quotes: [], creditCount: 1 });
    });

    it.each([
      ["one byte more", { kind: "raw-body", body: padded(LIMIT + 1) }],
      ["a body that never ends, gzipped (a gzip bomb)", { kind: "flood" }],
    ] as const)("refuses %s as malformed, without reading further", async (_name, fault) => {
      sim.failNext(fault);
      const { result, error } = await limited().quotesLatest([1], ["USD"]);
      expect(result).toEqual({ quotes: [], skipped: [], creditCount: 0, notice: null });
      expect(error).toMatchObject({
        kind: "malformed",
        httpStatus: 200,
        errorCode: null,
        message: `response body larger than ${LIMIT} bytes: not read further`,
      });
    });

    it("refuses an endless body at the default limit, 16 MiB", async () => {
      sim.failNext({ kind: "flood" });
      const { error } = await client().quotesLatest([1], ["USD"]);
      expect(MAX_BODY_BYTES).toBe(16_777_216);
      expect(error?.message).toBe("response body larger than 16777216 bytes: not read further");
    });
  });
});
