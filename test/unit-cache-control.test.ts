import { type OperationDefinitionNode, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { quoteDataCacheControl, readsQuoteDataOnly, rootFieldNames } from "../src/graphql/cache-control";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe("quoteDataCacheControl", () => {
  it.each([
    // ms until the next tick, max-age in whole seconds
    [12_345, 12],
    [12_999, 12],
    [1_000, 1],
    [59_000, 59],
    [299_999, 299],
    [300_000, 300],
  ])("lets a response be cached for the whole seconds left until the next tick: %i ms → max-age %i", (ms, maxAge) => {
    expect(quoteDataCacheControl(later(ms), NOW)).toBe(`max-age=${maxAge}, public`);
  });

  it.each([300_001, 301_000, 3_600_000, 86_400_000])("never promises more than 300 s: %i ms → max-age 300", (ms) => {
    expect(quoteDataCacheControl(later(ms), NOW)).toBe("max-age=300, public");
  });

  it.each([
    ["no tick scheduled (paused off, disabled)", null],
    ["less than a second is left", later(999)],
    ["the tick is due now", NOW],
    ["the tick is overdue", later(-90_000)],
  ])("makes the answer uncacheable when %s", (_name, nextRunAt) => {
    expect(quoteDataCacheControl(nextRunAt, NOW)).toBe("no-store");
  });
});

/** The document and its operation (the named one, or the only one). */
function operationOf(source: string, name?: string) {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === "OperationDefinition" && (name === undefined || d.name?.value === name),
  );
  return { document, operation };
}

describe("readsQuoteDataOnly", () => {
  it.each([
    "{ latestQuotes { price } }",
    '{ candles(symbol: "BTC", interval: HOUR) { close } priceHistory(symbol: "BTC") { nodes { price } } }',
    '{ assets { nodes { symbol latestQuote { price } } } asset(symbol: "BTC") { name } __typename }',
    '{ a: latestQuotes { price } b: latestQuotes(convert: "EUR") { price } }',
    "query Q { ...F } fragment F on Query { latestQuotes { price } ... on Query { asset(cmcId: 1) { name } } }",
  ])("holds for a query of quote data only: %s", (source) => {
    const { document, operation } = operationOf(source);
    expect(readsQuoteDataOnly(document, operation)).toBe(true);
  });

  it.each([
    "{ quoteUpdates { cursor } }",
    "{ ingestion { enabled } }",
    "{ ingestionRuns { id } }",
    "{ __schema { queryType { name } } }",
    "{ latestQuotes { price } ingestion { enabled } }",
    "{ latestQuotes { price } ...F } fragment F on Query { quoteUpdates { cursor } }",
    "{ latestQuotes { price } ... @skip(if: true) { ingestionRuns { id } } }",
    'mutation { trackAsset(symbol: "BTC") { id } }',
    "subscription { quoteAdded { price } }",
  ])("fails for anything that reads more, or is not a query: %s", (source) => {
    const { document, operation } = operationOf(source);
    expect(readsQuoteDataOnly(document, operation)).toBe(false);
  });

  it("judges the operation that runs, not the others of its document", () => {
    const source = "query A { latestQuotes { price } } query B { ingestion { enabled } }";
    expect(readsQuoteDataOnly(parse(source), operationOf(source, "A").operation)).toBe(true);
    expect(readsQuoteDataOnly(parse(source), operationOf(source, "B").operation)).toBe(false);
    expect(readsQuoteDataOnly(undefined, undefined)).toBe(false);
  });

  it("lists root fields through fragments once, without looping on a fragment met twice", () => {
    const { document, operation } = operationOf(
      "{ ...F ...F ... on Query { asset(cmcId: 1) { id } } } fragment F on Query { assets { nodes { id } } }",
    );
    expect([...rootFieldNames(document, operation as OperationDefinitionNode)]).toEqual(["assets", "asset"]);
  });
});
