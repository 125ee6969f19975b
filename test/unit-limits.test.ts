import type { GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import { buildSchema, GraphQLError, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { complexityPlugin, depthRule, type QueryLimits } from "../src/graphql/limits";

// A schema shaped like ours: paged lists with a default page size (`first` or `limit`), a list
// whose page argument has no default, a list of scalars, and a numeric argument that is no page size.
const schema = buildSchema(`
  type Query {
    assets(first: Int = 50, after: String): AssetConnection
    asset(symbol: String): Asset
    tags(first: Int = 5): [String]
  }
  type AssetConnection { nodes: [Asset] }
  type Asset {
    symbol: String
    price: Float
    history(minutes: Int = 3, limit: Int = 100): [Quote]
    candles(first: Int, width: Int = 60): [Quote]
  }
  type Quote { price: Float, at: String, asset: Asset }
`);

async function check(
  query: string,
  maxComplexity: number,
  request: { variables?: Record<string, unknown>; operationName?: string } = {},
): Promise<void> {
  const hooks = await complexityPlugin(schema, { maxDepth: 10, maxComplexity }).requestDidStart?.({} as never);
  await hooks?.didResolveOperation?.({
    request: { query, ...request },
    document: parse(query),
  } as unknown as GraphQLRequestContextDidResolveOperation<never>);
}

/** The points the plugin counts for a query: it reports them when refusing it for a budget of 0. */
async function cost(query: string, request: Parameters<typeof check>[2] = {}): Promise<unknown> {
  try {
    await check(query, 0, request);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return (error as GraphQLError).extensions.complexity;
  }
  throw new Error("expected the query to be refused for a budget of 0");
}

describe("complexityPlugin", () => {
  it.each([
    // A field without a page size costs 1 plus what it selects.
    ['{ asset(symbol: "BTC") { symbol price } }', 3],
    // An explicit page size multiplies what each item selects.
    ["{ assets(first: 7) { nodes { symbol price } } }", 1 + 7 * (1 + 2)],
    ['{ asset(symbol: "BTC") { history(limit: 4) { price at } } }', 1 + (1 + 4 * 2)],
    ['{ asset(symbol: "BTC") { history(limit: 4, minutes: 9) { price } } }', 1 + (1 + 4 * 1)],
    ['{ asset(symbol: "BTC") { candles(first: 3) { price } } }', 1 + (1 + 3 * 1)],
    // Without one, the default page size does: 50 assets, 100 history rows, 5 tags…
    ["{ assets { nodes { symbol } } }", 1 + 50 * (1 + 1)],
    ['{ asset(symbol: "BTC") { history { price at } } }', 1 + (1 + 100 * 2)],
    ["{ assets { nodes { history { price } } } }", 1 + 50 * (1 + (1 + 100 * 1))],
    // …and with an explicit null, which means the default too.
    ["{ assets(first: null) { nodes { symbol } } }", 1 + 50 * (1 + 1)],
    ['{ asset(symbol: "BTC") { history(limit: null) { price at } } }', 1 + (1 + 100 * 2)],
    ["{ tags(first: null) }", 1 + 5 * 1],
    // A list of scalars costs at least its page size.
    ["{ tags }", 1 + 5 * 1],
    ["{ tags(first: 2) }", 1 + 2 * 1],
    // A page argument without a default counts as a plain field, whatever other defaults say.
    ['{ asset(symbol: "BTC") { candles { price } } }', 1 + (1 + 1)],
  ])("counts %s as %i points", async (query, points) => {
    expect(await cost(query)).toBe(points);
  });

  it("reads page sizes from variables", async () => {
    const query = "query Page($n: Int!) { assets(first: $n) { nodes { symbol } } }";
    expect(await cost(query, { variables: { n: 3 } })).toBe(1 + 3 * 2);
    expect(await cost(query, { variables: { n: 40 } })).toBe(1 + 40 * 2);
    const optional = "query Page($n: Int) { assets(first: $n) { nodes { symbol } } }";
    expect(await cost(optional, { variables: { n: 3 } })).toBe(1 + 3 * 2);
    expect(await cost(optional, { variables: { n: null } })).toBe(1 + 50 * 2);
    expect(await cost(optional, { variables: {} })).toBe(1 + 50 * 2);
  });

  it("counts the operation the request names", async () => {
    const query = "query Small { tags(first: 1) } query Big { assets { nodes { symbol } } }";
    expect(await cost(query, { operationName: "Small" })).toBe(2);
    expect(await cost(query, { operationName: "Big" })).toBe(101);
  });

  it("lets a query of exactly the budget through and refuses one point more, saying how to shrink it", async () => {
    const query = "{ assets { nodes { symbol } } }";
    await expect(check(query, 101)).resolves.toBeUndefined();
    const refused = await check(query, 100).then(
      () => undefined,
      (error: GraphQLError) => error,
    );
    expect(refused).toBeInstanceOf(GraphQLError);
    expect(refused?.message).toBe(
      "query too complex: 101 points, at most 100; ask for smaller pages (first/limit) or fewer nested lists",
    );
    expect(refused?.extensions).toEqual({
      code: "GRAPHQL_VALIDATION_FAILED",
      complexity: 101,
      maxComplexity: 100,
      http: { status: 400 },
    });
  });

  it("answers a bad variable as the client's error (BAD_USER_INPUT), as execution would", async () => {
    const query = "query Page($n: Int!) { assets(first: $n) { nodes { symbol } } }";
    for (const variables of [{ n: "three" }, {}]) {
      const refused = await check(query, 1_000_000, { variables }).then(
        () => undefined,
        (error: GraphQLError) => error,
      );
      expect(refused).toBeInstanceOf(GraphQLError);
      expect(refused?.extensions).toEqual({ code: "BAD_USER_INPUT", http: { status: 400 } });
      expect(refused?.message).toBe(
        "n" in variables
          ? 'Variable "$n" got invalid value "three"; Int cannot represent non-integer value: "three"'
          : 'Variable "$n" of required type "Int!" was not provided.',
      );
    }
  });
});

describe("depthRule", () => {
  const limits: QueryLimits = { maxDepth: 4, maxComplexity: 1_000_000 };
  const errorsOf = (query: string) => validate(schema, parse(query), [depthRule(limits)]).map((e) => e.message);

  it("lets a query of the maximum depth through", () => {
    expect(errorsOf("{ assets { nodes { history { price } } } }")).toEqual([]);
  });

  it("refuses a deeper one with one validation error naming the limit (not a thrown error, which would be a 500)", () => {
    expect(errorsOf("{ tags assets { nodes { history { asset { symbol } } } } }")).toEqual([
      "query too deep: Query depth limit of 4 exceeded, found 5. Select fewer nested levels.",
    ]);
  });

  it("counts fragments as the fields they select, not as a level of their own", () => {
    expect(errorsOf("{ assets { nodes { ...quotes } } } fragment quotes on Asset { history { price } }")).toEqual([]);
    expect(errorsOf("{ assets { nodes { ... on Asset { history { price } } } } }")).toEqual([]);
    expect(
      errorsOf("{ assets { nodes { ...deep } } } fragment deep on Asset { history { asset { symbol } } }"),
    ).toEqual(["query too deep: Query depth limit of 4 exceeded, found 5. Select fewer nested levels."]);
  });

  it("exempts introspection, however deep", () => {
    expect(errorsOf("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }")).toEqual([]);
  });
});
