import { Field, Float, ID, ObjectType } from "type-graphql";
import type { QuoteRow } from "../../db/store/quotes";

const toFloat = (value: string | null): number | null => (value === null ? null : Number(value));

@ObjectType("PriceQuote", {
  simpleResolvers: true,
  description: "One CoinMarketCap quote of an asset in one currency.",
})
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

  /** Field by field into the instance (no intermediate object): hot reads map a thousand of these per answer. */
  static from(row: QuoteRow): PriceQuote {
    const quote = new PriceQuote();
    quote.id = row.id;
    quote.assetId = row.assetId;
    quote.convert = row.convert;
    quote.price = Number(row.price);
    quote.volume24h = toFloat(row.volume24h);
    quote.marketCap = toFloat(row.marketCap);
    quote.percentChange1h = toFloat(row.percentChange1h);
    quote.percentChange24h = toFloat(row.percentChange24h);
    quote.percentChange7d = toFloat(row.percentChange7d);
    quote.circulatingSupply = toFloat(row.circulatingSupply);
    quote.lastUpdated = row.lastUpdated;
    quote.ingestedAt = row.ingestedAt;
    return quote;
  }
}
