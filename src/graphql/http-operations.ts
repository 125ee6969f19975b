import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestHandler } from "express";
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  parse,
  SingleFieldSubscriptionsRule,
  validate,
} from "graphql";

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

/**
 * graphql-js 16's validation throws, instead of reporting, on @skip/@include at a subscription's
 * root (with a variable, or without `if`; the spec forbids them there), and Apollo answers a throw
 * with 500. Such a document is refused here first, with the error WebSocket clients get for it.
 */
export function subscriptionRootDirectivesRefused(schema: GraphQLSchema): RequestHandler {
  return (req, res, next) => {
    const query = req.method === "GET" ? req.query?.query : (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== "string" || !query.includes("subscription") || !/@(skip|include)\b/.test(query)) {
      return next();
    }
    const thrown = validationThrow(schema, query);
    if (!thrown) return next();
    const { message, locations } = thrown;
    res.status(400).json({ errors: [{ message, locations, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }] });
  };
}

/** The error graphql-js's validation of `query` throws, if it does. */
export function validationThrow(schema: GraphQLSchema, query: string): GraphQLError | undefined {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    // Apollo answers a document that does not parse (GRAPHQL_PARSE_FAILED).
    return undefined;
  }
  try {
    validate(schema, document, [SingleFieldSubscriptionsRule]);
    return undefined;
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}
