import { Args, Ctx, Query, Resolver, Root, Subscription } from "type-graphql";
import { trackedAssets } from "../../db/store/assets";
import { type FeedFilter, type FeedPage, readFrontier, readLatestFinal, readUpdates } from "../../db/store/feed";
import type { QuoteRow } from "../../db/store/quotes";
import { checkConvert } from "../args/convert.args";
import { QuoteFilterArgs, QuoteUpdatesArgs } from "../args/quote-updates.args";
import { requireAssets } from "../asset-lookup";
import type { GraphQLContext } from "../context";
import { updatesCursor } from "../cursor";
import { PriceQuote } from "../types/price-quote.type";
import { QuoteUpdates } from "../types/quote-updates.type";

/** Even without a notification, look again this often: the frontier also moves when unrelated transactions end. */
const RECHECK_MS = 1_000;
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
      const deadline = Date.now() + args.waitSeconds * 1000;
      page = await readUpdates(ctx.db, position, filter, args.limit);
      while (page.quotes.length === 0 && Date.now() < deadline && !ctx.signal.aborted && !ctx.feed.stopped) {
        await ctx.feed.wait(Math.min(RECHECK_MS, deadline - Date.now()), ctx.signal);
        page = await readUpdates(ctx.db, page.position, filter, args.limit);
      }
    }
    return {
      quotes: page.quotes.map(PriceQuote.from),
      cursor: updatesCursor.encode(page.position),
      hasMore: page.hasMore,
    };
  }

  @Subscription(() => PriceQuote, {
    description: "Every quote stored from now on, as it becomes visible, on any replica.",
    subscribe: ({ args, context }) => quoteStream(context as GraphQLContext, args as QuoteFilterArgs),
  })
  quoteAdded(@Root() quote: PriceQuote, @Args() _filters: QuoteFilterArgs): PriceQuote {
    return quote;
  }
}

/**
 * The same feed as quoteUpdates, pushed: each subscription follows its own position in commit
 * order, so a subscriber sees every quote once, whichever replica stored it.
 */
async function quoteStream(ctx: GraphQLContext, args: QuoteFilterArgs): Promise<AsyncIterableIterator<PriceQuote>> {
  const filter = await filterOf(ctx, args);
  const stopped = new AbortController();
  const signal = AbortSignal.any([stopped.signal, ctx.signal]);
  let position = await readFrontier(ctx.db);
  let pending: QuoteRow[] = [];
  const release = ctx.feed.subscribed();

  const iterator: AsyncIterableIterator<PriceQuote> = {
    async next() {
      while (pending.length === 0 && !signal.aborted && !ctx.feed.stopped) {
        const page = await readUpdates(ctx.db, position, filter, SUBSCRIPTION_PAGE);
        position = page.position;
        pending = page.quotes;
        if (pending.length === 0) await ctx.feed.wait(RECHECK_MS, signal);
      }
      const next = pending.shift();
      if (next && !signal.aborted && !ctx.feed.stopped) return { value: PriceQuote.from(next), done: false };
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
