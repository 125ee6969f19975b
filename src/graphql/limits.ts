import type { ApolloServerPlugin } from "@apollo/server";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { GraphQLError, type GraphQLSchema, type ValidationRule } from "graphql";
import { type ComplexityEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity";

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
}

/** Depth counts nested selections; introspection (Sandbox, codegen) is exempt. */
export function depthRule(limits: QueryLimits): ValidationRule {
  return maxDepthRule({
    n: limits.maxDepth,
    ignoreIntrospection: true,
    flattenFragments: true,
    exposeLimits: true,
    // Reported as a validation error (HTTP 400) instead of thrown (which Apollo answers with 500).
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(
          new GraphQLError(
            `query too deep: ${error.message.replace(/^Syntax Error: /, "")} Select fewer nested levels.`,
          ),
        ),
    ],
  }) as unknown as ValidationRule;
}

/**
 * A list field costs its page size (`first` or `limit`, else the default) times what each item
 * selects, so `assets(first: 1000) { nodes { history(first: 1000) { … } } }` is refused before it
 * runs, while dashboard queries stay far below the budget.
 */
const pageSizeEstimator: ComplexityEstimator = ({ args, field, childComplexity }) => {
  const size = [args.first, args.limit].find((v) => typeof v === "number");
  if (size !== undefined) return 1 + size * Math.max(childComplexity, 1);
  // `args` already hold the default of an omitted argument, but not of an explicit null (which
  // the resolvers read as the default too): count that as the default page size.
  const defaulted = field.args.find((a) => a.name === "first" || a.name === "limit")?.defaultValue;
  return typeof defaulted === "number" ? 1 + defaulted * Math.max(childComplexity, 1) : undefined;
};

export function complexityPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let complexity: number;
          try {
            complexity = getComplexity({
              schema,
              query: document,
              variables: request.variables ?? {},
              operationName: request.operationName ?? undefined,
              estimators: [pageSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // Estimating coerces the variables first; a bad value is the client's, as in execution.
            throw new GraphQLError((error as Error).message, {
              extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
            });
          }
          if (complexity > limits.maxComplexity) {
            throw new GraphQLError(
              `query too complex: ${complexity} points, at most ${limits.maxComplexity}; ask for smaller pages (first/limit) or fewer nested lists`,
              {
                extensions: {
                  code: "GRAPHQL_VALIDATION_FAILED",
                  complexity,
                  maxComplexity: limits.maxComplexity,
                  // The client's mistake: 400, as for the depth limit (Apollo answers 500 otherwise).
                  http: { status: 400 },
                },
              },
            );
          }
        },
      };
    },
  };
}
