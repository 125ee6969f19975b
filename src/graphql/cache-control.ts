import { cacheControlFromInfo } from "@apollo/cache-control-types";
import {
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLInt,
  type GraphQLResolveInfo,
} from "graphql";
import type { GraphQLContext } from "./context";

/** Apollo's cache-control directive, declared so object types can carry `@cacheControl(inheritMaxAge: true)`. */
export const cacheControlDirective = new GraphQLDirective({
  name: "cacheControl",
  locations: [
    DirectiveLocation.FIELD_DEFINITION,
    DirectiveLocation.OBJECT,
    DirectiveLocation.INTERFACE,
    DirectiveLocation.UNION,
  ],
  args: {
    maxAge: { type: GraphQLInt },
    scope: { type: new GraphQLEnumType({ name: "CacheControlScope", values: { PUBLIC: {}, PRIVATE: {} } }) },
    inheritMaxAge: { type: GraphQLBoolean },
  },
});

/** Never promise freshness for longer than this, even when the next tick is far away. */
const MAX_AGE_CAP_S = 300;

/**
 * Stored quotes change only when ingestion runs, so an answer built from them stays valid until
 * the next scheduled tick: responses may be cached (CDN, browser) exactly that long, never longer.
 * `now` is a seam for tests.
 */
export function cacheUntilNextTick(ctx: GraphQLContext, info: GraphQLResolveInfo, now = new Date()): void {
  // Apollo hands resolvers a cache hint over HTTP only; over WebSocket there is no answer to cache.
  if (!("cacheControl" in info)) return;
  const next = ctx.ingestion.state().nextRunAt;
  const seconds = next ? Math.floor((next.getTime() - now.getTime()) / 1000) : 0;
  cacheControlFromInfo(info).setCacheHint({ maxAge: Math.max(0, Math.min(seconds, MAX_AGE_CAP_S)), scope: "PUBLIC" });
}
