import { candles } from "../db/store/candles";
import { historyPage } from "../db/store/quotes";
import type { CandlesArgs } from "./args/candles.args";
import { checkConvert } from "./args/convert.args";
import type { HistoryArgs } from "./args/history.args";
import type { GraphQLContext } from "./context";
import { historyCursor } from "./cursor";
import { Candle } from "./types/candle.type";
import { BUCKET_WIDTH } from "./types/candle-interval";
import { pageOf } from "./types/connection.type";
import { PriceQuote } from "./types/price-quote.type";
import type { PriceQuoteConnection } from "./types/price-quote-connection.type";

/** One page of an asset's quotes; shared by Query.priceHistory and Asset.history. */
export async function historyConnection(
  ctx: GraphQLContext,
  assetId: number,
  args: HistoryArgs,
): Promise<PriceQuoteConnection> {
  const convert = checkConvert(args.convert, ctx.converts);
  const afterPosition = args.after ? historyCursor.decode(args.after, args.order) : null;
  const entries = await historyPage(ctx.db, {
    assetId,
    convert,
    from: args.from ?? null,
    to: args.to ?? null,
    afterPosition,
    order: args.order,
    limit: args.first + 1,
  });
  return pageOf(
    entries,
    args.first,
    (entry) => PriceQuote.from(entry.quote),
    (entry) => historyCursor.encode(args.order, entry.position),
  );
}

/** Candles of an asset, ascending by start; shared by Query.candles and Asset.candles. */
export async function candleSeries(ctx: GraphQLContext, assetId: number, args: CandlesArgs): Promise<Candle[]> {
  const rows = await candles(ctx.db, {
    assetId,
    convert: checkConvert(args.convert, ctx.converts),
    width: BUCKET_WIDTH[args.interval],
    from: args.from ?? null,
    to: args.to ?? null,
    limit: args.limit,
  });
  return rows.map(Candle.from);
}
