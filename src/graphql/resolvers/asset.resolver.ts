import { Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { assetByCmcId, assetPage, assetsBySymbols } from "../../db/store/assets";
import { AssetArgs, AssetsArgs } from "../args/assets.args";
import { ConvertArgs, checkConvert } from "../args/convert.args";
import type { GraphQLContext, TrackResult } from "../context";
import { assetCursor } from "../cursor";
import { badUserInput } from "../errors";
import { primeAssets } from "../loaders";
import { Asset } from "../types/asset.type";
import { AssetConnection } from "../types/asset-connection.type";
import { pageOf } from "../types/connection.type";
import { PriceQuote } from "../types/price-quote.type";

@Resolver(() => Asset)
export class AssetResolver {
  @Query(() => AssetConnection, { description: "Known assets, in a stable order, a page at a time." })
  async assets(@Args() args: AssetsArgs, @Ctx() ctx: GraphQLContext): Promise<AssetConnection> {
    const rows = await assetPage(ctx.db, {
      tracked: args.tracked ?? null,
      symbols: args.symbols ?? null,
      afterId: args.after ? assetCursor.decode(args.after) : null,
      limit: args.first + 1,
    });
    primeAssets(ctx.loaders, rows);
    return pageOf(rows, args.first, Asset.from, (row) => assetCursor.encode(row.id));
  }

  @Query(() => Asset, { nullable: true, description: "One asset by symbol or CMC id; null when unknown." })
  async asset(@Args() { symbol, cmcId }: AssetArgs, @Ctx() ctx: GraphQLContext): Promise<Asset | null> {
    if ((symbol === undefined || symbol === null) === (cmcId === undefined || cmcId === null)) {
      throw badUserInput("pass exactly one of symbol or cmcId");
    }
    const row =
      cmcId !== undefined && cmcId !== null
        ? await assetByCmcId(ctx.db, cmcId)
        : (await assetsBySymbols(ctx.db, [symbol as string])).values().next().value;
    return row ? Asset.from(row) : null;
  }

  @FieldResolver(() => PriceQuote, { nullable: true, description: "The newest stored quote in `convert`." })
  async latestQuote(
    @Root() asset: Asset,
    @Args() { convert }: ConvertArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PriceQuote | null> {
    const row = await ctx.loaders.latestQuote.load({
      assetId: asset.rowId,
      convert: checkConvert(convert, ctx.converts),
    });
    return row ? PriceQuote.from(row) : null;
  }

  @Authorized()
  @Mutation(() => Asset, {
    description:
      "Starts fetching quotes for a coin. A shared symbol means the active, best-ranked coin unless cmcId says otherwise.",
  })
  async trackAsset(@Args() selector: AssetArgs, @Ctx() ctx: GraphQLContext): Promise<Asset> {
    return tracked(await ctx.ingestion.track(selector));
  }

  @Authorized()
  @Mutation(() => Asset, { description: "Stops fetching quotes for a coin; its stored quotes stay." })
  async untrackAsset(@Args() selector: AssetArgs, @Ctx() ctx: GraphQLContext): Promise<Asset> {
    return tracked(await ctx.ingestion.untrack(selector));
  }
}

function tracked(result: TrackResult): Asset {
  if (result.refused !== undefined) throw badUserInput(result.refused);
  return Asset.from(result.asset);
}
