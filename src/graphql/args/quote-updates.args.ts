import { ArgsType, Field, Int } from "type-graphql";
import { Bounded } from "./validation";

/** Which quotes a feed follows: `quoteAdded`'s arguments, and `quoteUpdates`' with its paging. */
@ArgsType()
export class QuoteFilterArgs {
  @Field(() => [String], { nullable: true, description: "Only these symbols (case-insensitive)." })
  symbols?: string[] | null;

  @Field(() => String, { nullable: true, description: "Only this currency; default: every configured one." })
  convert?: string | null;
}

@ArgsType()
export class QuoteUpdatesArgs extends QuoteFilterArgs {
  @Field(() => String, {
    nullable: true,
    description: "cursor of the previous poll; omit to start from the latest quotes.",
  })
  after?: string | null;

  @Bounded(1, 1000)
  @Field(() => Int, { nullable: true, description: "At most this many quotes, 1 to 1000." })
  limit: number = 500;

  @Bounded(0, 30)
  @Field(() => Int, { nullable: true, description: "Wait up to this many seconds (0 to 30) for something new." })
  waitSeconds: number = 0;
}
