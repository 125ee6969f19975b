import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { GraphQLSchema } from "graphql";
import type { Logger } from "../logger";
import { cacheControlFromRootFields } from "./cache-control";
import type { GraphQLContext } from "./context";
import { errorFormatter } from "./error-format";
import { compilingGateway } from "./executor";
import { subscriptionsOverHttpRefused } from "./http-operations";
import { complexityPlugin, operationRules, type QueryLimits } from "./limits";
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

export async function startGraphQLServer(options: GraphQLServerOptions): Promise<ApolloServer<GraphQLContext>> {
  const { logger, production, development } = options;
  const outage = new OutageAnswers(logger);
  const server = new ApolloServer<GraphQLContext>({
    // Hot query documents run compiled (src/graphql/executor.ts).
    gateway: compilingGateway(options.schema),
    // Introspection is refused by operationRules when it is off, the same rule over WebSocket.
    introspection: true,
    includeStacktraceInErrorResponses: development,
    // The service owns its shutdown order (HTTP, then ingestion, then the database); src/http drains HTTP.
    stopOnTerminationSignals: false,
    validationRules: operationRules(options.limits, options.introspection),
    formatError: errorFormatter({ logger, development, hideSchemaDetails: !options.introspection, outage }),
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
