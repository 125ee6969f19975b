import { Args, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import { trackedAssets } from "../../db/store/assets";
import { checkConvert } from "../args/convert.args";
import { LatestQuotesArgs } from "../args/latest-quotes.args";
import { requireAssets } from "../asset-lookup";
import type { GraphQLContext } from "../context";
import { primeAssets } from "../loaders";
import { Asset } from "../types/asset.type";
import { PriceQuote } from "../types/price-quote.type";

@Resolver(() => PriceQuote)
export class QuoteResolver {
  @Query(() => [PriceQuote], {
    description:
      "The newest quote of each asset named (default: every tracked asset); assets without quotes are left out.",
  })
  async latestQuotes(
    @Args() { symbols, convert }: LatestQuotesArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PriceQuote[]> {
    const code = checkConvert(convert, ctx.converts);
    let assets = symbols ? await requireAssets(ctx, symbols) : undefined;
    if (!assets) {
      assets = await trackedAssets(ctx.db);
      primeAssets(ctx.loaders, assets);
    }
    const rows = await ctx.loaders.latestQuote.loadMany(assets.map((a) => ({ assetId: a.id, convert: code })));
    return rows.flatMap((row) => {
      if (row instanceof Error) throw row;
      return row ? [PriceQuote.from(row)] : [];
    });
  }

  @FieldResolver(() => Asset)
  async asset(@Root() quote: PriceQuote, @Ctx() ctx: GraphQLContext): Promise<Asset> {
    const row = await ctx.loaders.assetById.load(quote.assetId);
    if (!row) throw new Error(`asset ${quote.assetId} of quote ${quote.id} is missing`);
    return Asset.from(row);
  }
}
