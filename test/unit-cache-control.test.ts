import type { CacheHint, GraphQLResolveInfoWithCacheControl } from "@apollo/cache-control-types";
import { GraphQLObjectType, type GraphQLResolveInfo, GraphQLSchema, GraphQLString, printSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { cacheControlDirective, cacheUntilNextTick } from "../src/graphql/cache-control";
import type { GraphQLContext } from "../src/graphql/context";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const later = (ms: number) => new Date(NOW.getTime() + ms);

/** The cache hint a resolver sets when the next tick is at `nextRunAt`, seen at NOW. */
function hintFor(nextRunAt: Date | null): CacheHint[] {
  const hints: CacheHint[] = [];
  const ctx = { ingestion: { state: () => ({ nextRunAt }) } } as unknown as GraphQLContext;
  // What Apollo Server's cache-control plugin puts on `info` (see @apollo/cache-control-types).
  const cacheControl: GraphQLResolveInfoWithCacheControl["cacheControl"] = {
    cacheHint: {
      replace: () => undefined,
      restrict: () => undefined,
      policyIfCacheable: () => null,
    },
    setCacheHint: (hint) => {
      hints.push(hint);
    },
    cacheHintFromType: () => undefined,
  };
  cacheUntilNextTick(ctx, { cacheControl } as unknown as GraphQLResolveInfo, NOW);
  return hints;
}

describe("cacheUntilNextTick", () => {
  it.each([
    // ms until the next tick, max-age in whole seconds
    [12_345, 12],
    [12_999, 12],
    [1_000, 1],
    [999, 0],
    [59_000, 59],
    [299_999, 299],
    [300_000, 300],
  ])("lets a response be cached for the whole seconds left until the next tick: %i ms → max-age %i", (ms, maxAge) => {
    expect(hintFor(later(ms))).toEqual([{ maxAge, scope: "PUBLIC" }]);
  });

  it.each([300_001, 301_000, 3_600_000, 86_400_000])("never promises more than 300 s: %i ms → max-age 300", (ms) => {
    expect(hintFor(later(ms))).toEqual([{ maxAge: 300, scope: "PUBLIC" }]);
  });

  it.each([
    ["no tick scheduled (paused off, disabled)", null],
    ["the tick is due now", NOW],
    ["the tick is overdue", later(-90_000)],
  ])("makes the answer uncacheable when %s", (_name, nextRunAt) => {
    expect(hintFor(nextRunAt)).toEqual([{ maxAge: 0, scope: "PUBLIC" }]);
  });
});

describe("cacheControlDirective", () => {
  it("declares Apollo's @cacheControl directive and its scope enum", () => {
    const query = new GraphQLObjectType({ name: "Query", fields: { ping: { type: GraphQLString } } });
    const schema = new GraphQLSchema({ query, directives: [cacheControlDirective] });
    expect(printSchema(schema)).toBe(
      [
        "directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION",
        "",
        "type Query {\n  ping: String\n}",
        "",
        "enum CacheControlScope {\n  PUBLIC\n  PRIVATE\n}",
      ].join("\n"),
    );
  });
});
