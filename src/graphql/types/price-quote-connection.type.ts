import { Field, ObjectType } from "type-graphql";
import { PageInfo } from "./page-info.type";
import { PriceQuote } from "./price-quote.type";

@ObjectType("PriceQuoteEdge")
export class PriceQuoteEdge {
  @Field()
  cursor: string;

  @Field(() => PriceQuote)
  node: PriceQuote;
}

@ObjectType("PriceQuoteConnection")
export class PriceQuoteConnection {
  @Field(() => [PriceQuoteEdge])
  edges: PriceQuoteEdge[];

  @Field(() => [PriceQuote])
  nodes: PriceQuote[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
