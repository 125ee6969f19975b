import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import type { Asset as AssetEntity } from "../../db/entities/asset.entity";

// Nested under a cacheable field, it is as fresh as its parent.
@Directive("@cacheControl(inheritMaxAge: true)")
@ObjectType("Asset", { description: "A coin as CoinMarketCap identifies it." })
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

  static from(entity: AssetEntity): Asset {
    return Object.assign(new Asset(), {
      id: String(entity.id),
      rowId: entity.id,
      cmcId: entity.cmcId,
      symbol: entity.symbol,
      name: entity.name,
      slug: entity.slug,
      rank: entity.rank,
      tracked: entity.tracked,
    });
  }
}
