import type { ApolloServerOptionsWithGateway } from "@apollo/server";
import { execute, GraphQLError, type GraphQLSchema, printSchema, type SourceLocation } from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import { LRUCache } from "lru-cache";
import type { GraphQLContext } from "./context";

type Gateway = ApolloServerOptionsWithGateway<GraphQLContext>["gateway"];
type Executor = NonNullable<Awaited<ReturnType<Gateway["load"]>>["executor"]>;

/** A query document is compiled once it has been executed this often: a one-off costs no compilation. */
export const HOT_AFTER = 2;
/** Documents remembered, with their run counts and compiled code (a few kB each); least recently used out first. */
export const MAX_DOCUMENTS = 500;

/** How often a document ran; its compiled form once hot (null: graphql-jit cannot compile it). */
type Entry = { runs: number; run?: CompiledQuery["query"] | null };

/**
 * Apollo Server's gateway interface (kept in Apollo Server 5 for custom executors), serving the
 * schema as is and executing hot query documents as compiled code (graphql-jit): no per-field
 * dispatch, no resolver calls for plain properties. Everything before execution (parsing,
 * validation, limits, plugins) and after it (error formatting and masking) is still Apollo's;
 * mutations, introspection and one-off documents run on graphql-js. Subscriptions never come
 * here (graphql-ws executes them).
 */
export function compilingGateway(schema: GraphQLSchema): Gateway {
  const documents = new LRUCache<string, Entry>({ max: MAX_DOCUMENTS });
  const executor: Executor = async (request) => {
    const { operation, document, context } = request;
    // The client's operationName, as Apollo hands graphql-js.
    const { variables, operationName } = request.request;
    const plain = () => execute({ schema, document, contextValue: context, variableValues: variables, operationName });
    // No operation (an unknown operationName): graphql-js's error, which Apollo answers with a 400.
    if (operation?.operation !== "query" || INTROSPECTION.test(request.source)) return plain();
    const key = `${request.queryHash}:${operationName ?? ""}`;
    const entry = documents.get(key) ?? { runs: 0 };
    if (entry.runs === 0) documents.set(key, entry);
    entry.runs += 1;
    if (entry.run === undefined && entry.runs >= HOT_AFTER) {
      const compiled = compileQuery(schema, document, operationName);
      entry.run = isCompiledQuery(compiled) ? compiled.query : null;
    }
    if (!entry.run) return plain();
    const result = await entry.run(undefined, context, variables);
    // Variables graphql-js would refuse: its own answer, word for word (Apollo's limits refuse them first).
    if (result.errors?.length && result.data === undefined) return plain();
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
  let loaded: Parameters<Gateway["onSchemaLoadOrUpdate"]>[0] | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      loaded = callback;
      return () => {
        loaded = undefined;
      };
    },
    async load() {
      loaded?.({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return { executor };
    },
    async stop() {
      documents.clear();
    },
  };
}

/** Introspection runs on graphql-js (`__typename` does not match). */
const INTROSPECTION = /__(schema|type)\b/;

/**
 * graphql-jit's errors carry locations but no AST nodes or extensions of their own: as graphql-js
 * would build them, so Apollo's formatting (codes, masking, outage answers) sees the same errors.
 * Errors of execution itself (a null where none may be) wrap an Error with their message, as there.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const originalError = error.originalError ?? new Error(error.message);
  const rebuilt = new GraphQLError(error.message, { path: error.path, originalError });
  (rebuilt as { locations?: readonly SourceLocation[] }).locations = error.locations;
  return rebuilt;
}
