import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "../logger";

/** How long a client is asked to wait before trying again while the database is unavailable. */
export const RETRY_AFTER_S = 5;

/** Codes of the answers that are the server's passing trouble: HTTP 503, retry later. */
const CODES = { unavailable: "SERVICE_UNAVAILABLE", timeout: "QUERY_TIMEOUT" } as const;
const RETRYABLE = new Set<string>(Object.values(CODES));

/** At most one warning per this long during an outage; the rest go to debug. */
const LOG_EVERY_MS = 10_000;

/**
 * A database outage, or a statement cut by DB_STATEMENT_TIMEOUT_MS, is the server's trouble and
 * passes: clients get SERVICE_UNAVAILABLE or QUERY_TIMEOUT with HTTP 503 and `Retry-After`, never the
 * driver's message (it names hosts and ports).
 */
export class OutageAnswers {
  #lastWarning = 0;

  constructor(private readonly logger: Logger) {}

  answer(kind: keyof typeof CODES, error: unknown, path: GraphQLFormattedError["path"]): GraphQLFormattedError {
    const now = Date.now();
    const level = now - this.#lastWarning >= LOG_EVERY_MS ? "warn" : "debug";
    if (level === "warn") this.#lastWarning = now;
    const what = kind === "unavailable" ? "database unavailable" : "statement timeout";
    this.logger[level]({ reason: (error as Error).message, path }, `GraphQL request failed: ${what}`);
    return {
      message:
        kind === "unavailable"
          ? `the database is unavailable; retry in ${RETRY_AFTER_S} seconds`
          : "the query ran longer than this server allows (DB_STATEMENT_TIMEOUT_MS); ask for less, or retry later",
      path,
      extensions: { code: CODES[kind] },
    };
  }

  /** Turns an answer that holds an outage error into HTTP 503 with Retry-After. */
  plugin(): ApolloServerPlugin {
    return {
      async requestDidStart() {
        return {
          async willSendResponse({ response }) {
            const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
            if (errors?.some((e) => RETRYABLE.has(String(e.extensions?.code)))) {
              response.http.status = 503;
              response.http.headers.set("retry-after", String(RETRY_AFTER_S));
            }
          },
        };
      },
    };
  }
}
