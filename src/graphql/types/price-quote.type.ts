import { Directive, Field, Float, ID, ObjectType } from "type-graphql";
import type { PriceQuote as PriceQuoteEntity } from "../../db/entities/price-quote.entity";

const toFloat = (value: string | null): number | null => (value === null ? null : Number(value));

// Nested under a cacheable field, it is as fresh as its parent.
@Directive("@cacheControl(inheritMaxAge: true)")
@ObjectType("PriceQuote", { description: "One CoinMarketCap quote of an asset in one currency." })
export class PriceQuote {
  @Field(() => ID)
  id: string;

  @Field({ description: "Currency the quote is expressed in, such as USD." })
  convert: string;

  @Field(() => Float)
  price: number;

  @Field(() => Float, { nullable: true })
  volume24h: number | null;

  @Field(() => Float, { nullable: true })
  marketCap: number | null;

  @Field(() => Float, { nullable: true })
  percentChange1h: number | null;

  @Field(() => Float, { nullable: true })
  percentChange24h: number | null;

  @Field(() => Float, { nullable: true })
  percentChange7d: number | null;

  @Field(() => Float, { nullable: true })
  circulatingSupply: number | null;

  @Field({ description: "When CoinMarketCap last updated this price (whole minutes)." })
  lastUpdated: Date;

  @Field({ description: "When this service stored the quote." })
  ingestedAt: Date;

  /** The asset's row id, for the `asset` field resolver. */
  assetId: number;

  static from(entity: PriceQuoteEntity): PriceQuote {
    return Object.assign(new PriceQuote(), {
      id: entity.id,
      assetId: entity.assetId,
      convert: entity.convert,
      price: Number(entity.price),
      volume24h: toFloat(entity.volume24h),
      marketCap: toFloat(entity.marketCap),
      percentChange1h: toFloat(entity.percentChange1h),
      percentChange24h: toFloat(entity.percentChange24h),
      percentChange7d: toFloat(entity.percentChange7d),
      circulatingSupply: toFloat(entity.circulatingSupply),
      lastUpdated: entity.lastUpdated,
      ingestedAt: entity.ingestedAt,
    });
  }
}
