import { ArgsType, Field, Int } from "type-graphql";
import { SortOrder } from "../types/sort-order";
import { DEFAULT_CONVERT } from "./validate";

export const DEFAULT_FIRST = 100;

/**
 * Arguments of `Asset.history`; `Query.priceHistory` adds the symbol. As in the contract, arguments
 * with a default are nullable (`first: Int = 100`): an explicit null means the default.
 */
@ArgsType()
export class HistoryArgs {
  @Field(() => String, {
    nullable: true,
    defaultValue: DEFAULT_CONVERT,
    description: "Quote currency; one of those the service collects.",
  })
  convert?: string | null;

  @Field(() => Date, { nullable: true, description: "Only quotes with lastUpdated at or after this instant." })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: "Only quotes with lastUpdated before this instant (excluded)." })
  to?: Date | null;

  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_FIRST, description: "Page size, 1 to 1000." })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "endCursor of the previous page, fetched with the same order.",
  })
  after?: string | null;

  @Field(() => SortOrder, {
    nullable: true,
    defaultValue: SortOrder.DESC,
    description: "DESC: newest first; ASC: oldest first.",
  })
  order?: SortOrder | null;
}
