import { ArgsType, Field, Int } from "type-graphql";
import { Bounded } from "./validation";

@ArgsType()
export class AssetsArgs {
  @Field(() => Boolean, { nullable: true, description: "Only tracked (true) or untracked (false) assets." })
  tracked?: boolean | null;

  @Field(() => [String], { nullable: true, description: "Only these symbols (case-insensitive)." })
  symbols?: string[] | null;

  @Bounded(1, 1000)
  @Field(() => Int, { nullable: true, description: "Page size, 1 to 1000." })
  first: number = 100;

  @Field(() => String, { nullable: true, description: "endCursor of the previous page." })
  after?: string | null;
}

/** Names one coin: by symbol, by CMC id, or (for tracking) both. */
@ArgsType()
export class AssetArgs {
  @Field(() => String, { nullable: true })
  symbol?: string | null;

  @Field(() => Int, { nullable: true })
  cmcId?: number | null;
}
