import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { authChecker } from "./auth";
import { AssetResolver } from "./resolvers/asset.resolver";
import { IngestionResolver } from "./resolvers/ingestion.resolver";
import { QuoteResolver } from "./resolvers/quote.resolver";

export const resolvers = [AssetResolver, QuoteResolver, IngestionResolver] as const;

export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers, validate: false, authChecker });
}

/** The SDL committed as schema.graphql, sorted so diffs show only real changes. */
export function printSortedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
