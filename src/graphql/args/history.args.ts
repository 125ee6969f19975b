import { ArgsType, Field, Int } from "type-graphql";
import { SortOrder } from "../types/sort-order";
import { TimeRangeArgs } from "./time-range.args";
import { Bounded } from "./validation";

/** Arguments of `Asset.history`; `Query.priceHistory` adds the symbol. */
@ArgsType()
export class HistoryArgs extends TimeRangeArgs {
  @Bounded(1, 1000)
  @Field(() => Int, { nullable: true, description: "Page size, 1 to 1000." })
  first: number = 100;

  @Field(() => String, { nullable: true, description: "endCursor of the previous page, fetched with the same order." })
  after?: string | null;

  @Field(() => SortOrder, { nullable: true, description: "DESC: newest first; ASC: oldest first." })
  order: SortOrder = SortOrder.DESC;
}
