import { Field, ObjectType } from "type-graphql";
import { PriceQuote } from "./price-quote.type";

@ObjectType("QuoteUpdates", {
  simpleResolvers: true,
  description: "A page of the quote feed, in the order quotes became visible.",
})
export class QuoteUpdates {
  @Field(() => [PriceQuote])
  quotes: PriceQuote[];

  @Field({ description: "Pass as `after` in the next poll to receive what comes next, exactly once." })
  cursor: string;

  @Field({ description: "True when more quotes are ready right now: poll again without waiting." })
  hasMore: boolean;
}
