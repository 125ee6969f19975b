import type { ApolloServerPlugin } from "@apollo/server";
import { type DocumentNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import type { GraphQLContext } from "./context";

/**
 * Root fields whose answers are built from stored quotes and assets only, so they change only when
 * a transaction that writes quotes or assets commits. `__typename` answers the same forever.
 */
const QUOTE_DATA_FIELDS = new Set(["latestQuotes", "candles", "assets", "asset", "priceHistory", "__typename"]);

/** Never promise freshness for longer than this, even when the next tick is far away. */
const MAX_AGE_CAP_S = 300;

/** The root fields an operation selects, through fragments too (a field under @skip counts: it may run). */
export function rootFieldNames(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = document.definitions.find(
          (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
        );
        if (fragment?.kind === Kind.FRAGMENT_DEFINITION) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return names;
}

/**
 * True for a query whose every root field reads quote data only: its answer is the same until the
 * next commit that writes quotes or assets. A query mixing in any other field is not.
 */
export function readsQuoteDataOnly(document: DocumentNode | undefined, operation: OperationDefinitionNode | undefined) {
  if (!document || operation?.operation !== "query") return false;
  for (const name of rootFieldNames(document, operation)) if (!QUOTE_DATA_FIELDS.has(name)) return false;
  return true;
}

/**
 * Stored quotes change only when ingestion runs, so an answer built from them stays valid until
 * the next scheduled tick: whole seconds until then, at most MAX_AGE_CAP_S, 0 without a tick.
 */
export function secondsUntilNextTick(nextRunAt: Date | null, now = new Date()): number {
  const seconds = nextRunAt ? Math.floor((nextRunAt.getTime() - now.getTime()) / 1000) : 0;
  return Math.max(0, Math.min(seconds, MAX_AGE_CAP_S));
}

/** The `Cache-Control` of an answer that reads quote data only (CDNs and browsers may keep it that long). */
export function quoteDataCacheControl(nextRunAt: Date | null, now = new Date()): string {
  const maxAge = secondsUntilNextTick(nextRunAt, now);
  return maxAge > 0 ? `max-age=${maxAge}, public` : "no-store";
}

/**
 * `Cache-Control` from the operation's root fields, in place of Apollo's cache-control plugin (which
 * instruments every resolved field): until the next tick for a successful query of quote data only,
 * `no-store` for anything else.
 */
export const cacheControlFromRootFields: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ document, operation, response, contextValue }) {
        const cacheable =
          response.body.kind === "single" &&
          !response.body.singleResult.errors &&
          readsQuoteDataOnly(document, operation);
        response.http.headers.set(
          "cache-control",
          cacheable ? quoteDataCacheControl(contextValue.ingestion.state().nextRunAt) : "no-store",
        );
      },
    };
  },
};
