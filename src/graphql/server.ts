import type { Server } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { GraphQLSchema } from "graphql";
import type { GraphQLContext } from "./context";

export interface GraphQLServerOptions {
  schema: GraphQLSchema;
  httpServer: Server;
  production: boolean;
  introspection: boolean;
}

export async function startGraphQLServer(options: GraphQLServerOptions): Promise<ApolloServer<GraphQLContext>> {
  const server = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    // The service owns its shutdown order (HTTP, then ingestion, then the database).
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !options.production,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }),
      options.introspection && !options.production
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await server.start();
  return server;
}
