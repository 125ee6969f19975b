import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { Asset as AssetEntity } from "../../db/entities/asset.entity";
import { TrackingError } from "../../ingestion/tracking";
import { AssetArgs, AssetsArgs } from "../args/assets.args";
import { checkConvert, checkRange } from "../args/validate";
import { findAssetsBySymbols } from "../asset-lookup";
import type { GraphQLContext } from "../context";
import { assetCursor } from "../cursor";
import { badUserInput } from "../errors";
import { Asset } from "../types/asset.type";
import { AssetConnection } from "../types/asset-connection.type";
import { PriceQuote } from "../types/price-quote.type";

@Resolver(() => Asset)
export class AssetResolver {
  @Query(() => AssetConnection, { description: "Known assets, in a stable order, a page at a time." })
  async assets(
    @Args() { tracked, symbols, first, after }: AssetsArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AssetConnection> {
    const size = checkRange("first", first ?? 100, 1, 1000);
    const query = ctx.dataSource
      .getRepository(AssetEntity)
      .createQueryBuilder("a")
      .orderBy("a.id", "ASC")
      .limit(size + 1);
    if (tracked !== undefined && tracked !== null) query.andWhere("a.tracked = :tracked", { tracked });
    if (symbols)
      query.andWhere("upper(a.symbol) = ANY(:symbols)", { symbols: symbols.map((s) => s.trim().toUpperCase()) });
    if (after) query.andWhere("a.id > :after", { after: assetCursor.decode(after) });
    const rows = await query.getMany();
    const page = rows.slice(0, size).map(Asset.from);
    const edges = page.map((node) => ({ cursor: assetCursor.encode(node.rowId), node }));
    return {
      edges,
      nodes: page,
      pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Query(() => Asset, { nullable: true, description: "One asset by symbol or CMC id; null when unknown." })
  async asset(@Args() { symbol, cmcId }: AssetArgs, @Ctx() ctx: GraphQLContext): Promise<Asset | null> {
    if ((symbol === undefined || symbol === null) === (cmcId === undefined || cmcId === null)) {
      throw badUserInput("pass exactly one of symbol or cmcId");
    }
    if (cmcId !== undefined && cmcId !== null) {
      const row = await ctx.dataSource.getRepository(AssetEntity).findOneBy({ cmcId });
      return row ? Asset.from(row) : null;
    }
    const found = await findAssetsBySymbols(ctx.dataSource, [symbol as string]);
    const row = found.values().next().value;
    return row ? Asset.from(row) : null;
  }

  @FieldResolver(() => PriceQuote, { nullable: true, description: "The newest stored quote in `convert`." })
  async latestQuote(
    @Root() asset: Asset,
    @Arg("convert", () => String, { nullable: true, defaultValue: "USD" }) convert: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PriceQuote | null> {
    const code = checkConvert(convert, ctx.converts);
    const row = await ctx.loaders.latestQuote.load(`${asset.rowId}:${code}`);
    return row ? PriceQuote.from(row) : null;
  }

  @Authorized()
  @Mutation(() => Asset, {
    description:
      "Starts fetching quotes for a coin. A shared symbol means the active, best-ranked coin unless cmcId says otherwise.",
  })
  async trackAsset(@Args() selector: AssetArgs, @Ctx() ctx: GraphQLContext): Promise<Asset> {
    return Asset.from(await userErrors(() => ctx.ingestion.track(selector)));
  }

  @Authorized()
  @Mutation(() => Asset, { description: "Stops fetching quotes for a coin; its stored quotes stay." })
  async untrackAsset(@Args() selector: AssetArgs, @Ctx() ctx: GraphQLContext): Promise<Asset> {
    return Asset.from(await userErrors(() => ctx.ingestion.untrack(selector)));
  }
}

async function userErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof TrackingError) throw badUserInput(error.message);
    throw error;
  }
}
