import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServer } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { GraphQLFormattedError, GraphQLSchema } from "graphql";
import { isDatabaseUnavailable, isStatementTimeout } from "../db/availability";
import type { Logger } from "../logger";
import { cacheControlFromRootFields } from "./cache-control";
import type { GraphQLContext } from "./context";
import { subscriptionsOverHttpRefused } from "./http-operations";
import { aliasesRule, complexityPlugin, depthRule, type QueryLimits, rootFieldsRule } from "./limits";
import { OutageAnswers } from "./outage";
import { STARTER_DOCUMENT } from "./starter-document";

export interface GraphQLServerOptions {
  schema: GraphQLSchema;
  production: boolean;
  /** Stack traces and internal messages reach clients only in development (`npm run dev`). */
  development: boolean;
  introspection: boolean;
  limits: QueryLimits;
  logger: Logger;
  /** Cross-cutting plugins from outside GraphQL (metrics). */
  plugins: ApolloServerPlugin<GraphQLContext>[];
}

/** Codes whose messages are written for clients; anything else is internal in production. */
const CLIENT_CODES = new Set([
  "BAD_USER_INPUT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "TOO_MANY_WAITERS",
  "TOO_MANY_SUBSCRIPTIONS",
]);

export async function startGraphQLServer(options: GraphQLServerOptions): Promise<ApolloServer<GraphQLContext>> {
  const { logger, production, development } = options;
  const outage = new OutageAnswers(logger);
  const server = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: development,
    // The service owns its shutdown order (HTTP, then ingestion, then the database); src/http drains HTTP.
    stopOnTerminationSignals: false,
    validationRules: [depthRule(options.limits), aliasesRule(), rootFieldsRule()],
    // Without introspection, a client learns no field names from "Did you mean …" either.
    hideSchemaDetailsFromClientErrors: !options.introspection,
    formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
      const code = formatted.extensions?.code;
      if (typeof code === "string" && CLIENT_CODES.has(code)) return formatted;
      // Apollo's own refusals of a malformed request carry a 4xx status but no code.
      const status = (error as { extensions?: { http?: { status?: number } } })?.extensions?.http?.status;
      if (status !== undefined && status >= 400 && status < 500) {
        return { message: formatted.message, extensions: { code: "BAD_REQUEST" } };
      }
      const original = unwrapResolverError(error);
      if (isDatabaseUnavailable(original)) return outage.answer("unavailable", original, formatted.path);
      if (isStatementTimeout(original)) return outage.answer("timeout", original, formatted.path);
      // A failed statement's error carries its SQL and the client's parameters: those only at debug.
      logger.error({ err: withoutStatement(original), path: formatted.path }, "GraphQL request failed");
      logger.debug({ err: original, path: formatted.path }, "GraphQL request failed, with its statement");
      return development
        ? formatted
        : { message: "internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
    },
    plugins: [
      // Its per-field hooks cost on every resolved field; the root fields tell as much (cache-control.ts).
      ApolloServerPluginCacheControlDisabled(),
      cacheControlFromRootFields,
      subscriptionsOverHttpRefused,
      complexityPlugin(options.schema, options.limits),
      outage.plugin(),
      ...options.plugins,
      options.introspection && !production
        ? ApolloServerPluginLandingPageLocalDefault({ embed: { runTelemetry: false }, document: STARTER_DOCUMENT })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await server.start();
  return server;
}

/** The error as logged above debug: TypeORM's `query` and `parameters` (and the driver's copy) left out. */
function withoutStatement(error: unknown): unknown {
  if (!(error instanceof Error) || !("query" in error || "parameters" in error)) return error;
  const {
    query: _query,
    parameters: _parameters,
    driverError: _driverError,
    ...rest
  } = error as unknown as Record<string, unknown>;
  return { type: error.name, message: error.message, stack: error.stack, ...rest };
}
