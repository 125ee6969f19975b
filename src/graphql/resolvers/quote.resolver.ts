import { Args, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import { trackedAssets } from "../../db/store/assets";
import { latestQuotes } from "../../db/store/quotes";
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
    // One statement for the whole list: no loader to batch through (that is for `latestQuote` fields).
    const rows = await latestQuotes(
      ctx.db,
      assets.map((a) => ({ assetId: a.id, convert: code })),
    );
    const byAsset = new Map(rows.map((row) => [row.assetId, row]));
    return assets.flatMap((a) => {
      const row = byAsset.get(a.id);
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
