// type-graphql reads decorator metadata: the polyfill loads before any decorated class.
import "reflect-metadata";
import { type GraphQLSchema, lexicographicSortSchema, printSchema, specifiedDirectives } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { validateArgs } from "./args/validation";
import { authChecker } from "./auth";
import { cacheControlDirective } from "./cache-control";
import { AssetResolver } from "./resolvers/asset.resolver";
import { AssetSeriesResolver } from "./resolvers/asset-series.resolver";
import { HistoryResolver } from "./resolvers/history.resolver";
import { IngestionResolver } from "./resolvers/ingestion.resolver";
import { QuoteResolver } from "./resolvers/quote.resolver";
import { QuoteUpdatesResolver } from "./resolvers/quote-updates.resolver";

export const resolvers = [
  AssetResolver,
  QuoteResolver,
  IngestionResolver,
  QuoteUpdatesResolver,
  HistoryResolver,
  AssetSeriesResolver,
] as const;

/**
 * type-graphql insists on a PubSub once a subscription exists. Every subscription here streams
 * from PostgreSQL through its own `subscribe` (so it works across replicas); topics are refused.
 */
const noTopics: PubSub = {
  publish() {
    throw new Error("subscriptions read from PostgreSQL; there is no in-memory topic to publish to");
  },
  subscribe() {
    throw new Error("subscriptions read from PostgreSQL; there is no in-memory topic to subscribe to");
  },
};

export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    validateFn: validateArgs,
    authChecker,
    pubSub: noTopics,
    // Directives given replace GraphQL's own (@include, @skip, @deprecated, @specifiedBy): kept beside ours.
    directives: [...specifiedDirectives, cacheControlDirective],
  });
}

/** The SDL committed as schema.graphql, sorted so diffs show only real changes. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
