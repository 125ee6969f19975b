import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { isDatabaseUnavailable, isStatementTimeout } from "../db/availability";
import type { Logger } from "../logger";
import type { OutageAnswers } from "./outage";

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

export interface ErrorFormatOptions {
  logger: Logger;
  /** Stack traces and internal messages reach clients only in development (`npm run dev`). */
  development: boolean;
  /** Without introspection, a client learns no field or enum value names from "Did you mean …" either. */
  hideSchemaDetails: boolean;
  outage: OutageAnswers;
}

/** GraphQL's suggestions, as graphql-js appends them to validation and variable coercion messages. */
const SUGGESTION = / ?Did you mean .+\?$/;

/**
 * What a client sees of an error, over HTTP (Apollo's formatError) and over WebSocket alike: a
 * client's mistake with its code and message, the database's passing trouble as a retryable code,
 * anything else as "internal server error", logged without the statement and its parameters.
 */
export function errorFormatter(options: ErrorFormatOptions) {
  const { logger, development, outage } = options;
  const hide = (formatted: GraphQLFormattedError): GraphQLFormattedError =>
    options.hideSchemaDetails && SUGGESTION.test(formatted.message)
      ? { ...formatted, message: formatted.message.replace(SUGGESTION, "") }
      : formatted;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === "string" && CLIENT_CODES.has(code)) return hide(formatted);
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
  };
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
