import { ArgsType, Field, Int } from "type-graphql";
import { CandleInterval } from "../types/candle-interval";
import { DEFAULT_CONVERT } from "./validate";

export const DEFAULT_LIMIT = 500;

/** Arguments of `Asset.candles`; `Query.candles` adds the symbol. An explicit null means the default. */
@ArgsType()
export class CandlesArgs {
  @Field(() => CandleInterval, { description: "Width of each candle." })
  interval: CandleInterval;

  @Field(() => String, {
    nullable: true,
    defaultValue: DEFAULT_CONVERT,
    description: "Quote currency; one of those the service collects.",
  })
  convert?: string | null;

  @Field(() => Date, {
    nullable: true,
    description: "Only quotes at or after this instant; the first `limit` buckets from here. Absent: the newest ones.",
  })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: "Only quotes before this instant (excluded)." })
  to?: Date | null;

  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_LIMIT, description: "Most buckets returned, 1 to 1000." })
  limit?: number | null;
}
