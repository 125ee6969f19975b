import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";

/**
 * Subscriptions stream over WebSocket (graphql-transport-ws on the same path); over HTTP there is
 * nothing to stream them with, so one sent there is the client's mistake, said before execution.
 */
export const subscriptionsOverHttpRefused: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation !== "subscription") return;
        throw new GraphQLError(
          "subscriptions are served over WebSocket (graphql-transport-ws) on this same /graphql path, not over HTTP",
          { extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
        );
      },
    };
  },
};
