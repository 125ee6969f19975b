import { Arg, Args, Ctx, Query, Resolver } from "type-graphql";
import { CandlesArgs } from "../args/candles.args";
import { HistoryArgs } from "../args/history.args";
import { requireAssets } from "../asset-lookup";
import type { GraphQLContext } from "../context";
import { candleSeries, historyConnection } from "../series";
import { Candle } from "../types/candle.type";
import { PriceQuoteConnection } from "../types/price-quote-connection.type";

const SYMBOL = "Symbol of the asset (case-insensitive); a shared symbol means the tracked or best-ranked coin.";

@Resolver()
export class HistoryResolver {
  @Query(() => PriceQuoteConnection, {
    description:
      "Stored quotes of one asset, newest first by default, a page at a time; from ≤ lastUpdated < to. " +
      "Pass endCursor as after, with the same order, for the next page.",
  })
  async priceHistory(
    @Arg("symbol", () => String, { description: SYMBOL }) symbol: string,
    @Args() args: HistoryArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PriceQuoteConnection> {
    const [asset] = await requireAssets(ctx, [symbol]);
    return historyConnection(ctx, asset.id, args);
  }

  @Query(() => [Candle], {
    description:
      "Open/high/low/close of one asset's quotes per time bucket, ascending by start; only buckets holding quotes. " +
      "With from: the first limit buckets from there; without: the newest limit buckets.",
  })
  async candles(
    @Arg("symbol", () => String, { description: SYMBOL }) symbol: string,
    @Args() args: CandlesArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Candle[]> {
    const [asset] = await requireAssets(ctx, [symbol]);
    return candleSeries(ctx, asset.id, args);
  }
}
