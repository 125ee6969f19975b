import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { CandlesArgs } from "../args/candles.args";
import { HistoryArgs } from "../args/history.args";
import type { GraphQLContext } from "../context";
import { candleSeries, historyConnection } from "../series";
import { Asset } from "../types/asset.type";
import { Candle } from "../types/candle.type";
import { PriceQuoteConnection } from "../types/price-quote-connection.type";

/** Time series under an asset: the same answers as Query.priceHistory and Query.candles, without a symbol lookup. */
@Resolver(() => Asset)
export class AssetSeriesResolver {
  @FieldResolver(() => PriceQuoteConnection, {
    description: "Stored quotes of this asset, newest first by default, a page at a time; from ≤ lastUpdated < to.",
  })
  history(@Root() asset: Asset, @Args() args: HistoryArgs, @Ctx() ctx: GraphQLContext): Promise<PriceQuoteConnection> {
    return historyConnection(ctx, asset.rowId, args);
  }

  @FieldResolver(() => [Candle], {
    description:
      "Open/high/low/close per time bucket, ascending by start; the newest limit buckets unless from is set.",
  })
  candles(@Root() asset: Asset, @Args() args: CandlesArgs, @Ctx() ctx: GraphQLContext): Promise<Candle[]> {
    return candleSeries(ctx, asset.rowId, args);
  }
}
