import type { GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import { buildSchema, GraphQLError, getOperationAST, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import {
  aliasesRule,
  complexityPlugin,
  depthRule,
  MAX_ALIASES,
  MAX_ROOT_FIELDS,
  type QueryLimits,
  rootFieldsRule,
  UNPAGED_LIST_ITEMS,
} from "../src/graphql/limits";
import { createSchema } from "../src/graphql/schema";

// A schema shaped like ours: paged lists with a default page size (`first` or `limit`), a list
// whose page argument has no default, a list of scalars, and a numeric argument that is no page size.
const schema = buildSchema(`
  type Query {
    assets(first: Int = 50, after: String): AssetConnection
    asset(symbol: String): Asset
    tags(first: Int = 5): [String]
    latest(symbols: [String!]): [Quote]
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
  await hooks?.didResolveOperation?.(resolved(query, request));
}

/** What Apollo hands the plugin once it has resolved the request's operation. */
function resolved(query: string, request: { variables?: Record<string, unknown>; operationName?: string } = {}) {
  const document = parse(query);
  return {
    request: { query, ...request },
    document,
    operation: getOperationAST(document, request.operationName),
  } as unknown as GraphQLRequestContextDidResolveOperation<never>;
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
    // A scalar costs nothing; an object 1 (a resolver call or a row) plus what it selects.
    ['{ asset(symbol: "BTC") { symbol price } }', 1],
    ['{ asset(symbol: "BTC") { history(limit: 2) { asset { symbol } } } }', 1 + (1 + 2 * (1 + 1))],
    // A page size multiplies what each item costs: a connection's items, a list's objects.
    ["{ assets(first: 7) { nodes { symbol price } } }", 1 + 7 * 1],
    ['{ asset(symbol: "BTC") { history(limit: 4) { price at } } }', 1 + (1 + 4 * 1)],
    ['{ asset(symbol: "BTC") { history(limit: 4, minutes: 9) { price } } }', 1 + (1 + 4 * 1)],
    ['{ asset(symbol: "BTC") { candles(first: 3) { price } } }', 1 + (1 + 3 * 1)],
    // Without one, the default page size does: 50 assets, 100 history rows…
    ["{ assets { nodes { symbol } } }", 1 + 50 * 1],
    ['{ asset(symbol: "BTC") { history { price at } } }', 1 + (1 + 100 * 1)],
    ["{ assets { nodes { history { price } } } }", 1 + 50 * (1 + (1 + 100 * 1))],
    // …and with an explicit null, which means the default too.
    ["{ assets(first: null) { nodes { symbol } } }", 1 + 50 * 1],
    ['{ asset(symbol: "BTC") { history(limit: null) { price at } } }', 1 + (1 + 100 * 1)],
    // A root field is a trip to the database: at least 1, even when it returns scalars.
    ["{ tags(first: null) }", 1],
    ["{ tags }", 1],
    ["{ tags(first: 2) }", 1],
    // A page argument without a default counts as one item, whatever other defaults say.
    ['{ asset(symbol: "BTC") { candles { price } } }', 1 + (1 + 0)],
    // A list named by symbols costs one item a symbol, UNPAGED_LIST_ITEMS without them.
    ['{ latest(symbols: ["BTC", "ETH"]) { price } }', 1 + 2 * 1],
    ["{ latest { price } }", 1 + UNPAGED_LIST_ITEMS * 1],
  ])("counts %s as %i points", async (query, points) => {
    expect(await cost(query)).toBe(points);
  });

  it("reads page sizes from variables", async () => {
    const query = "query Page($n: Int!) { assets(first: $n) { nodes { symbol } } }";
    expect(await cost(query, { variables: { n: 3 } })).toBe(1 + 3);
    expect(await cost(query, { variables: { n: 40 } })).toBe(1 + 40);
    const optional = "query Page($n: Int) { assets(first: $n) { nodes { symbol } } }";
    expect(await cost(optional, { variables: { n: 3 } })).toBe(1 + 3);
    expect(await cost(optional, { variables: { n: null } })).toBe(1 + 50);
    expect(await cost(optional, { variables: {} })).toBe(1 + 50);
  });

  it("counts the operation the request names", async () => {
    const query = "query Small { tags(first: 1) } query Big { assets { nodes { symbol } } }";
    expect(await cost(query, { operationName: "Small" })).toBe(1);
    expect(await cost(query, { operationName: "Big" })).toBe(51);
  });

  it("keeps each operation's points apart when the same parsed document comes again (Apollo reuses it), and applies the budget each time", async () => {
    const query = "query Small { tags(first: 1) } query Big { assets { nodes { symbol } } }";
    const document = parse(query);
    const run = async (operationName: string, maxComplexity: number) => {
      const hooks = await complexityPlugin(schema, { maxDepth: 10, maxComplexity }).requestDidStart?.({} as never);
      const context = {
        request: { query, operationName },
        document,
        operation: getOperationAST(document, operationName),
      };
      return hooks?.didResolveOperation?.(context as never).then(
        () => "let through",
        (error: GraphQLError) => error.extensions.complexity,
      );
    };
    expect(await run("Big", 0)).toBe(51);
    expect(await run("Small", 0)).toBe(1);
    expect(await run("Big", 51)).toBe("let through");
    expect(await run("Big", 50)).toBe(51);
    expect(await run("Small", 1)).toBe("let through");
  });

  it("lets a query of exactly the budget through and refuses one point more, saying how to shrink it", async () => {
    const query = "{ assets { nodes { symbol } } }";
    await expect(check(query, 51)).resolves.toBeUndefined();
    const refused = await check(query, 50).then(
      () => undefined,
      (error: GraphQLError) => error,
    );
    expect(refused).toBeInstanceOf(GraphQLError);
    expect(refused?.message).toBe(
      "query too complex: 51 points, at most 50; ask for smaller pages (first/limit) or fewer nested lists",
    );
    expect(refused?.extensions).toEqual({
      code: "GRAPHQL_VALIDATION_FAILED",
      complexity: 51,
      maxComplexity: 50,
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

describe("the service's own schema", () => {
  const QUOTE =
    "id convert price volume24h marketCap percentChange1h percentChange24h percentChange7d circulatingSupply lastUpdated ingestedAt";
  const ASSET = "id cmcId symbol name slug rank tracked";
  const queries: Record<string, string> = {
    latestQuotes: `{ latestQuotes { ${QUOTE} asset { ${ASSET} } } }`,
    "latestQuotes(10 symbols)": `{ latestQuotes(symbols: ["A","B","C","D","E","F","G","H","I","J"]) { ${QUOTE} asset { ${ASSET} } } }`,
    "priceHistory(first: 1000)": `{ priceHistory(symbol: "BTC", first: 1000) {
      edges { cursor node { ${QUOTE} asset { ${ASSET} } } } nodes { ${QUOTE} asset { ${ASSET} } } pageInfo { hasNextPage endCursor } } }`,
    "candles(limit: 1000)": `{ candles(symbol: "BTC", interval: HOUR, limit: 1000) { start open high low close samples } }`,
    "assets(first: 1000) with latestQuote": `{ assets(first: 1000) {
      edges { cursor node { ${ASSET} latestQuote { ${QUOTE} } } } nodes { ${ASSET} latestQuote { ${QUOTE} } } pageInfo { hasNextPage endCursor } } }`,
    "quoteUpdates(limit: 1000)": `{ quoteUpdates(limit: 1000) { cursor hasMore quotes { ${QUOTE} asset { ${ASSET} } } } }`,
    "ingestionRuns(first: 1000)": `{ ingestionRuns(first: 1000) { id trigger status startedAt finishedAt quotesFetched quotesInserted quotesSkipped creditsUsed error } }`,
    ingestion: `{ ingestion { enabled source schedule nextRunAt lastSuccessAt projectedMonthlyCredits monthlyCreditBudget lastRun { id status } } }`,
    "1000 assets × 1000 quotes": `{ assets(first: 1000) { nodes { history(first: 1000) { nodes { price } } } } }`,
  };

  async function costs(): Promise<Record<string, unknown>> {
    const schema = await createSchema();
    const plugin = complexityPlugin(schema, { maxDepth: 10, maxComplexity: 0 });
    const out: Record<string, unknown> = {};
    for (const [name, query] of Object.entries(queries)) {
      const hooks = await plugin.requestDidStart?.({} as never);
      try {
        await hooks?.didResolveOperation?.(resolved(query));
      } catch (error) {
        out[name] = (error as GraphQLError).extensions.complexity;
      }
    }
    return out;
  }

  it("fits every documented read at its largest page with every field in the default budget (20 000), with room to spare; not a list in a list at full pages", async () => {
    expect(await costs()).toMatchInlineSnapshot(`
      {
        "1000 assets × 1000 quotes": 1002001,
        "assets(first: 1000) with latestQuote": 6001,
        "candles(limit: 1000)": 1001,
        "ingestion": 2,
        "ingestionRuns(first: 1000)": 1001,
        "latestQuotes": 201,
        "latestQuotes(10 symbols)": 21,
        "priceHistory(first: 1000)": 6001,
        "quoteUpdates(limit: 1000)": 2001,
      }
    `);
  });

  it("checks page sizes against their declared bounds before counting: out of range is the client's BAD_USER_INPUT", async () => {
    const schema = await createSchema();
    for (const [query, message] of [
      ["{ assets(first: 100000) { nodes { id } } }", "first must be a whole number from 1 to 1000; got 100000"],
      [
        '{ candles(symbol: "BTC", interval: DAY, limit: 0) { start } }',
        "limit must be a whole number from 1 to 1000; got 0",
      ],
      ["{ quoteUpdates(waitSeconds: 31) { cursor } }", "waitSeconds must be a whole number from 0 to 30; got 31"],
    ]) {
      const hooks = await complexityPlugin(schema, { maxDepth: 10, maxComplexity: 1 }).requestDidStart?.({} as never);
      const refused = await hooks?.didResolveOperation?.(resolved(query)).then(
        () => undefined,
        (error: GraphQLError) => error,
      );
      expect(refused?.message).toBe(message);
      expect(refused?.extensions).toEqual({ code: "BAD_USER_INPUT", http: { status: 400 } });
    }
  });
});

describe("aliasesRule and rootFieldsRule", () => {
  const errorsOf = (query: string) =>
    validate(schema, parse(query), [aliasesRule(), rootFieldsRule()]).map((e) => e.message);
  const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: tags`).join(" ")} }`;

  it(`lets ${MAX_ALIASES} aliases through and refuses one more`, () => {
    expect(
      errorsOf(`{ asset { ${Array.from({ length: MAX_ALIASES }, (_, i) => `s${i}: symbol`).join(" ")} } }`),
    ).toEqual([]);
    expect(
      errorsOf(`{ asset { ${Array.from({ length: MAX_ALIASES + 1 }, (_, i) => `s${i}: symbol`).join(" ")} } }`),
    ).toEqual([`too many aliases: Aliases limit of ${MAX_ALIASES} exceeded, found ${MAX_ALIASES + 1}.`]);
  });

  it(`lets ${MAX_ROOT_FIELDS} root fields through and refuses more, fragments included`, () => {
    expect(errorsOf(aliased(MAX_ROOT_FIELDS))).toEqual([]);
    expect(errorsOf(`{ ...F tags } fragment F on Query { ${aliased(MAX_ROOT_FIELDS).slice(2, -2)} }`)).toEqual([
      `too many root fields: ${MAX_ROOT_FIELDS + 1}, at most ${MAX_ROOT_FIELDS} per operation; split the request`,
    ]);
  });
});
