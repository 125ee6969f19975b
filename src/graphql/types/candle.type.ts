import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType("Candle", { description: "Open, high, low and close of the quotes stored in one time bucket." })
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
}
