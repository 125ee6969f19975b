import { ArgsType, Field, Int } from "type-graphql";

@ArgsType()
export class QuoteUpdatesArgs {
  @Field(() => String, {
    nullable: true,
    description: "cursor of the previous poll; omit to start from the latest quotes.",
  })
  after?: string;

  @Field(() => [String], { nullable: true, description: "Only these symbols (case-insensitive)." })
  symbols?: string[];

  @Field(() => String, { nullable: true, description: "Only this currency; default: every configured one." })
  convert?: string;

  @Field(() => Int, { nullable: true, defaultValue: 500, description: "At most this many quotes, 1 to 1000." })
  limit?: number | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: "Wait up to this many seconds (0 to 30) for something new.",
  })
  waitSeconds?: number | null;
}

@ArgsType()
export class QuoteAddedArgs {
  @Field(() => [String], { nullable: true, description: "Only these symbols (case-insensitive)." })
  symbols?: string[];

  @Field(() => String, { nullable: true, description: "Only this currency; default: every configured one." })
  convert?: string;
}
