import { Field, ID, Int, ObjectType } from "type-graphql";
import type { AssetRow } from "../../db/store/assets";

@ObjectType("Asset", { simpleResolvers: true, description: "A coin as CoinMarketCap identifies it." })
export class Asset {
  @Field(() => ID)
  id: string;

  @Field(() => Int, { description: "CoinMarketCap's id: the identity of the coin (symbols are shared)." })
  cmcId: number;

  @Field()
  symbol: string;

  @Field()
  name: string;

  @Field()
  slug: string;

  @Field(() => Int, { nullable: true, description: "CoinMarketCap rank when last resolved; null when inactive." })
  rank: number | null;

  @Field({ description: "Whether ingestion fetches quotes for this asset." })
  tracked: boolean;

  /** The database row id, for field resolvers. */
  rowId: number;

  static from(row: AssetRow): Asset {
    return Object.assign(new Asset(), {
      id: String(row.id),
      rowId: row.id,
      cmcId: row.cmcId,
      symbol: row.symbol,
      name: row.name,
      slug: row.slug,
      rank: row.rank,
      tracked: row.tracked,
    });
  }
}
