import { Args, Ctx, Query, Resolver, Root, Subscription } from "type-graphql";
import { Asset as AssetEntity } from "../../db/entities/asset.entity";
import type { PriceQuote as PriceQuoteEntity } from "../../db/entities/price-quote.entity";
import { QuoteAddedArgs, QuoteUpdatesArgs } from "../args/quote-updates.args";
import { checkConvert, checkRange } from "../args/validate";
import { requireAssetsBySymbols } from "../asset-lookup";
import type { GraphQLContext } from "../context";
import { updatesCursor } from "../cursor";
import {
  readFrontier,
  readLatestFinal,
  readUpdates,
  type UpdatesFilter,
  type UpdatesPage,
} from "../queries/quote-updates";
import { PriceQuote } from "../types/price-quote.type";
import { QuoteUpdates } from "../types/quote-updates.type";

/** Even without a notification, look again this often: the frontier also moves when unrelated transactions end. */
const RECHECK_MS = 1_000;
const SUBSCRIPTION_PAGE = 500;

async function filterOf(ctx: GraphQLContext, symbols: string[] | undefined, convert: string | undefined) {
  const converts = convert === undefined || convert === null ? ctx.converts : [checkConvert(convert, ctx.converts)];
  const assets = symbols ? await requireAssetsBySymbols(ctx.dataSource, symbols) : null;
  for (const asset of assets ?? []) ctx.loaders.assetById.prime(asset.id, asset);
  return { assetIds: assets ? assets.map((a) => a.id) : null, converts } satisfies UpdatesFilter;
}

@Resolver()
export class QuoteUpdatesResolver {
  @Query(() => QuoteUpdates, {
    description:
      "The dashboard's polling feed. Without `after`: the latest quote of each tracked asset and a cursor. " +
      "With `after`: every quote stored since, exactly once, in the order they became visible.",
  })
  async quoteUpdates(
    @Args() { after, symbols, convert, limit, waitSeconds }: QuoteUpdatesArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<QuoteUpdates> {
    const size = checkRange("limit", limit ?? 500, 1, 1000);
    const wait = checkRange("waitSeconds", waitSeconds ?? 0, 0, 30);
    const position = after ? updatesCursor.decode(after) : undefined;
    const filter = await filterOf(ctx, symbols, convert);
    let page: UpdatesPage;
    if (!position) {
      const assetIds =
        filter.assetIds ??
        (await ctx.dataSource.getRepository(AssetEntity).find({ where: { tracked: true }, select: { id: true } })).map(
          (a) => a.id,
        );
      page = await readLatestFinal(ctx.dataSource, assetIds, filter.converts);
    } else {
      const deadline = Date.now() + wait * 1000;
      page = await readUpdates(ctx.dataSource, position, filter, size);
      while (page.quotes.length === 0 && Date.now() < deadline && !ctx.signal.aborted && !ctx.feed.stopped) {
        await ctx.feed.wait(Math.min(RECHECK_MS, deadline - Date.now()), ctx.signal);
        page = await readUpdates(ctx.dataSource, page.position, filter, size);
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
    subscribe: ({ args, context }) => quoteStream(context as GraphQLContext, args as QuoteAddedArgs),
  })
  quoteAdded(@Root() quote: PriceQuote, @Args() _filters: QuoteAddedArgs): PriceQuote {
    return quote;
  }
}

/**
 * The same feed as quoteUpdates, pushed: each subscription follows its own position in commit
 * order, so a subscriber sees every quote once, whichever replica stored it.
 */
async function quoteStream(ctx: GraphQLContext, args: QuoteAddedArgs): Promise<AsyncIterableIterator<PriceQuote>> {
  const filter = await filterOf(ctx, args.symbols, args.convert);
  const stopped = new AbortController();
  const signal = AbortSignal.any([stopped.signal, ctx.signal]);
  let position = await readFrontier(ctx.dataSource);
  let pending: PriceQuoteEntity[] = [];
  const release = ctx.feed.subscribed();

  const iterator: AsyncIterableIterator<PriceQuote> = {
    async next() {
      while (pending.length === 0 && !signal.aborted && !ctx.feed.stopped) {
        const page = await readUpdates(ctx.dataSource, position, filter, SUBSCRIPTION_PAGE);
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
