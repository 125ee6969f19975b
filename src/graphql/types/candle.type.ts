import { Field, Float, Int, ObjectType } from "type-graphql";
import type { CandleRow } from "../../db/store/candles";

@ObjectType("Candle", {
  simpleResolvers: true,
  description: "Open, high, low and close of the quotes stored in one time bucket.",
})
export class Candle {
  @Field({ description: "Start of the bucket; the bucket holds quotes with start ≤ lastUpdated < start + interval." })
  start: Date;

  @Field(() => Float, { description: "Price of the earliest quote in the bucket." })
  open: number;

  @Field(() => Float)
  high: number;

  @Field(() => Float)
  low: number;

  @Field(() => Float, { description: "Price of the latest quote in the bucket." })
  close: number;

  @Field(() => Int, { description: "Number of quotes in the bucket." })
  samples: number;

  static from(row: CandleRow): Candle {
    const candle = new Candle();
    candle.start = row.start;
    candle.open = Number(row.open);
    candle.high = Number(row.high);
    candle.low = Number(row.low);
    candle.close = Number(row.close);
    candle.samples = row.samples;
    return candle;
  }
}
