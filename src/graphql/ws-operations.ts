import {
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import type { SubscribePayload } from "graphql-ws";
import type { Logger } from "../logger";
import { errorFormatter } from "./error-format";
import { quoted } from "./errors";
import { checkCost, operationRules, type QueryLimits } from "./limits";
import { OutageAnswers } from "./outage";

export interface WsOperationOptions {
  schema: GraphQLSchema;
  development: boolean;
  introspection: boolean;
  limits: QueryLimits;
  logger: Logger;
}

/**
 * An operation sent over WebSocket (graphql-transport-ws; queries and mutations as well as
 * subscriptions) passes the same gate as one sent over HTTP, in the same order: parsed, validated
 * with the same limit rules, its operation resolved, its arguments range-checked and its cost
 * counted, its errors coded and formatted by the same formatter.
 */
export function wsOperations(options: WsOperationOptions) {
  const { schema, limits } = options;
  const format = errorFormatter({
    logger: options.logger,
    development: options.development,
    hideSchemaDetails: !options.introspection,
    outage: new OutageAnswers(options.logger),
  });
  const formatted = (errors: readonly GraphQLError[]) =>
    errors.map((error) => {
      // The HTTP status an error asks for means nothing here (Apollo drops it over HTTP too).
      const { http: _http, ...extensions } = error.extensions;
      return format({ ...error.toJSON(), extensions }, error);
    });
  const rules = [...specifiedRules, ...operationRules(limits, options.introspection)];

  return {
    /** The operation's execution arguments, or the client's errors (graphql-ws sends them as its `error` message). */
    admit(payload: SubscribePayload): ExecutionArgs | GraphQLError[] {
      let document: ExecutionArgs["document"];
      try {
        document = parse(payload.query);
      } catch (error) {
        // graphql-ws would close the socket with the message of a thrown error (and print its stack).
        return [coded(error as GraphQLError, "GRAPHQL_PARSE_FAILED")];
      }
      let invalid: readonly GraphQLError[];
      try {
        invalid = validate(schema, document, rules);
      } catch (error) {
        // graphql-js's single-root-field rule throws on @skip/@include at a subscription's root
        // (e.g. with a variable), which the GraphQL spec forbids there: the client's mistake.
        if (!(error instanceof GraphQLError)) throw error;
        invalid = [error];
      }
      if (invalid.length > 0) return invalid.map((error) => coded(error, "GRAPHQL_VALIDATION_FAILED"));
      const operationName = payload.operationName ?? undefined;
      if (!getOperationAST(document, operationName)) {
        const message =
          operationName === undefined
            ? "Must provide operation name if query contains multiple operations."
            : `Unknown operation named ${quoted(operationName)}.`;
        return [new GraphQLError(message, { extensions: { code: "OPERATION_RESOLUTION_FAILURE" } })];
      }
      try {
        checkCost(schema, limits, { document, operationName, variables: payload.variables });
      } catch (error) {
        return [error as GraphQLError];
      }
      return { schema, document, operationName, variableValues: payload.variables };
    },
    onError: (_ctx: unknown, _id: string, _payload: SubscribePayload, errors: readonly GraphQLError[]) =>
      formatted(errors),
    onNext: (
      _ctx: unknown,
      _id: string,
      _payload: SubscribePayload,
      _args: ExecutionArgs,
      result: ExecutionResult,
    ): FormattedExecutionResult | undefined =>
      result.errors ? { ...result, errors: formatted(result.errors) } : undefined,
  };
}

/** A graphql-js error with the code Apollo gives the same error over HTTP. */
function coded(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { code },
  });
}
