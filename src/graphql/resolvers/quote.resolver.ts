import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, Info, Query, Resolver, Root } from "type-graphql";
import { Asset as AssetEntity } from "../../db/entities/asset.entity";
import { checkConvert } from "../args/validate";
import { requireAssetsBySymbols } from "../asset-lookup";
import { cacheUntilNextTick } from "../cache-control";
import type { GraphQLContext } from "../context";
import { Asset } from "../types/asset.type";
import { PriceQuote } from "../types/price-quote.type";

@Resolver(() => PriceQuote)
export class QuoteResolver {
  @Query(() => [PriceQuote], {
    description:
      "The newest quote of each asset named (default: every tracked asset); assets without quotes are left out.",
  })
  async latestQuotes(
    @Arg("symbols", () => [String], { nullable: true }) symbols: string[] | undefined,
    @Arg("convert", () => String, { nullable: true, defaultValue: "USD" }) convert: string | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PriceQuote[]> {
    const code = checkConvert(convert, ctx.converts);
    cacheUntilNextTick(ctx, info);
    const assets = symbols
      ? await requireAssetsBySymbols(ctx.dataSource, symbols)
      : await ctx.dataSource.getRepository(AssetEntity).find({ where: { tracked: true }, order: { id: "ASC" } });
    for (const asset of assets) ctx.loaders.assetById.prime(asset.id, asset);
    const rows = await ctx.loaders.latestQuote.loadMany(assets.map((a) => `${a.id}:${code}`));
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
