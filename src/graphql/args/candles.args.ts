import { ArgsType, Field, Int } from "type-graphql";
import { CandleInterval } from "../types/candle-interval";
import { TimeRangeArgs } from "./time-range.args";
import { Bounded } from "./validation";

/** Arguments of `Asset.candles`; `Query.candles` adds the symbol. */
@ArgsType()
export class CandlesArgs extends TimeRangeArgs {
  @Field(() => CandleInterval, { description: "Width of each candle." })
  interval: CandleInterval;

  @Bounded(1, 1000)
  @Field(() => Int, { nullable: true, description: "Most buckets returned, 1 to 1000." })
  limit: number = 500;
}
