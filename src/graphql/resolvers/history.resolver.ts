import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, Info, Query, Resolver } from "type-graphql";
import { PriceQuote as PriceQuoteEntity } from "../../db/entities/price-quote.entity";
import { CandlesArgs, DEFAULT_LIMIT } from "../args/candles.args";
import { DEFAULT_FIRST, HistoryArgs } from "../args/history.args";
import { checkConvert, checkRange, checkTimeRange } from "../args/validate";
import { requireAssetsBySymbols } from "../asset-lookup";
import { cacheUntilNextTick } from "../cache-control";
import type { GraphQLContext } from "../context";
import { historyCursor } from "../cursor";
import { fromRow } from "../loaders";
import { queryCandles } from "../queries/candles";
import { queryHistory } from "../queries/history";
import { Candle } from "../types/candle.type";
import { PriceQuote } from "../types/price-quote.type";
import { PriceQuoteConnection } from "../types/price-quote-connection.type";
import { SortOrder } from "../types/sort-order";

/** One page of an asset's quotes; shared by Query.priceHistory and Asset.history. */
export async function historyConnection(
  ctx: GraphQLContext,
  assetId: number,
  args: HistoryArgs,
): Promise<PriceQuoteConnection> {
  const first = checkRange("first", args.first ?? DEFAULT_FIRST, 1, 1000);
  const convert = checkConvert(args.convert, ctx.converts);
  checkTimeRange(args.from, args.to);
  const order = args.order ?? SortOrder.DESC;
  const afterPosition = args.after ? historyCursor.decode(args.after, order) : null;
  // One row more than asked for tells whether another page exists.
  const rows = await queryHistory(ctx.dataSource, {
    assetId,
    convert,
    from: args.from ?? null,
    to: args.to ?? null,
    afterPosition,
    order,
    limit: first + 1,
  });
  const repository = ctx.dataSource.getRepository(PriceQuoteEntity);
  const edges = rows.slice(0, first).map((row) => ({
    cursor: historyCursor.encode(order, row.position as string),
    node: PriceQuote.from(repository.create(fromRow(row))),
  }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** Candles of an asset, ascending by start; shared by Query.candles and Asset.candles. */
export async function candleSeries(ctx: GraphQLContext, assetId: number, args: CandlesArgs): Promise<Candle[]> {
  const limit = checkRange("limit", args.limit ?? DEFAULT_LIMIT, 1, 1000);
  const convert = checkConvert(args.convert, ctx.converts);
  checkTimeRange(args.from, args.to);
  const rows = await queryCandles(ctx.dataSource, {
    assetId,
    convert,
    interval: args.interval,
    from: args.from ?? null,
    to: args.to ?? null,
    limit,
  });
  return rows.map((row) =>
    Object.assign(new Candle(), {
      start: row.start,
      open: Number(row.open),
      high: Number(row.high),
      low: Number(row.low),
      close: Number(row.close),
      samples: row.samples,
    }),
  );
}

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
    const [asset] = await requireAssetsBySymbols(ctx.dataSource, [symbol]);
    ctx.loaders.assetById.prime(asset.id, asset);
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
    @Info() info: GraphQLResolveInfo,
  ): Promise<Candle[]> {
    const [asset] = await requireAssetsBySymbols(ctx.dataSource, [symbol]);
    cacheUntilNextTick(ctx, info);
    return candleSeries(ctx, asset.id, args);
  }
}
