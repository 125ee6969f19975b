import { Args, Ctx, Query, Resolver, Root, Subscription } from "type-graphql";
import { trackedAssets } from "../../db/store/assets";
import { type FeedFilter, type FeedPage, type FeedPosition, readFrontier, readLatestFinal } from "../../db/store/feed";
import type { QuoteRow } from "../../db/store/quotes";
import { checkConvert } from "../args/convert.args";
import { QuoteFilterArgs, QuoteUpdatesArgs } from "../args/quote-updates.args";
import { validateArgs } from "../args/validation";
import { requireAssets } from "../asset-lookup";
import type { GraphQLContext } from "../context";
import { updatesCursor } from "../cursor";
import { tooManyWaiters } from "../errors";
import { PriceQuote } from "../types/price-quote.type";
import { QuoteUpdates } from "../types/quote-updates.type";

const SUBSCRIPTION_PAGE = 500;

async function filterOf(ctx: GraphQLContext, { symbols, convert }: QuoteFilterArgs): Promise<FeedFilter> {
  const converts = convert === undefined || convert === null ? ctx.converts : [checkConvert(convert, ctx.converts)];
  const assets = symbols ? await requireAssets(ctx, symbols) : null;
  return { assetIds: assets ? assets.map((a) => a.id) : null, converts };
}

@Resolver()
export class QuoteUpdatesResolver {
  @Query(() => QuoteUpdates, {
    description:
      "The dashboard's polling feed. Without `after`: the latest quote of each tracked asset and a cursor. " +
      "With `after`: every quote stored since, exactly once, in the order they became visible.",
  })
  async quoteUpdates(@Args() args: QuoteUpdatesArgs, @Ctx() ctx: GraphQLContext): Promise<QuoteUpdates> {
    const position = args.after ? updatesCursor.decode(args.after) : undefined;
    const filter = await filterOf(ctx, args);
    let page: FeedPage;
    if (!position) {
      const assetIds = filter.assetIds ?? (await trackedAssets(ctx.db)).map((a) => a.id);
      page = await readLatestFinal(ctx.db, assetIds, filter.converts);
    } else {
      page = await longPoll(ctx, position, filter, args.limit, args.waitSeconds);
    }
    return {
      quotes: page.quotes.map(PriceQuote.from),
      cursor: updatesCursor.encode(page.position),
      hasMore: page.hasMore,
    };
  }

  @Subscription(() => PriceQuote, {
    description: "Every quote stored from now on, as it becomes visible, on any replica.",
    // A `subscribe` function gets the arguments as graphql-js coerced them: type-graphql's validation
    // (NUL characters refused before PostgreSQL) runs for the resolver below, not here.
    subscribe: async ({ args, context }) => {
      const filter = Object.assign(new QuoteFilterArgs(), args);
      await validateArgs(filter);
      return quoteStream(context as GraphQLContext, filter);
    },
  })
  quoteAdded(@Root() quote: PriceQuote, @Args() _filters: QuoteFilterArgs): PriceQuote {
    return quote;
  }
}

/**
 * A poll without waitSeconds reads the table; a long poll waits in the replica's hub, which reads
 * each commit once for all its waiters. Over a cap on waiters a long poll answers at once as one
 * that found nothing new: no quotes, the cursor it came with, hasMore false. A client that follows
 * the cursor stays correct without knowing about the cap (nothing is skipped or repeated, and no
 * error to handle); it merely polls again sooner. An over-cap answer reads nothing.
 */
async function longPoll(
  ctx: GraphQLContext,
  position: FeedPosition,
  filter: FeedFilter,
  limit: number,
  waitSeconds: number,
): Promise<FeedPage> {
  if (waitSeconds === 0) return ctx.hub.next(position, filter, limit, { ms: 0, signal: ctx.signal, db: ctx.db });
  const admission = ctx.hub.admit(ctx.client, "poll");
  if (!admission.admitted) return { quotes: [], position, hasMore: false };
  try {
    return await ctx.hub.next(position, filter, limit, { ms: waitSeconds * 1000, signal: ctx.signal, db: ctx.db });
  } finally {
    admission.release();
  }
}

/**
 * The same feed as quoteUpdates, pushed: each subscription follows its own position in commit
 * order through the replica's hub, so a subscriber sees every quote once, whichever replica stored
 * it. Over a cap on waiters it is refused with TOO_MANY_WAITERS.
 */
async function quoteStream(ctx: GraphQLContext, args: QuoteFilterArgs): Promise<AsyncIterableIterator<PriceQuote>> {
  const filter = await filterOf(ctx, args);
  const admission = ctx.hub.admit(ctx.client, "subscription");
  if (!admission.admitted) throw tooManyWaiters(admission.cap, admission.limit);
  const release = admission.release;
  const stopped = new AbortController();
  const signal = AbortSignal.any([stopped.signal, ctx.signal]);
  let position: FeedPosition;
  try {
    position = await readFrontier(ctx.db);
  } catch (error) {
    release();
    throw error;
  }
  let pending: QuoteRow[] = [];

  const iterator: AsyncIterableIterator<PriceQuote> = {
    async next() {
      try {
        while (pending.length === 0 && !signal.aborted && !ctx.hub.stopped) {
          const wait = { ms: Number.POSITIVE_INFINITY, signal, db: ctx.db };
          const page = await ctx.hub.next(position, filter, SUBSCRIPTION_PAGE, wait);
          position = page.position;
          pending = page.quotes;
        }
      } catch (error) {
        // A failed read ends the subscription (with the error); a for-await does not call return() then.
        release();
        throw error;
      }
      const next = pending.shift();
      if (next && !signal.aborted && !ctx.hub.stopped) return { value: PriceQuote.from(next), done: false };
      release();
      return { value: undefined, done: true };
    },
    async return() {
      stopped.abort();
      release();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
