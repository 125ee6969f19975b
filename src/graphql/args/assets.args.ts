import { ArgsType, Field, Int } from "type-graphql";

@ArgsType()
export class AssetsArgs {
  @Field(() => Boolean, { nullable: true, description: "Only tracked (true) or untracked (false) assets." })
  tracked?: boolean;

  @Field(() => [String], { nullable: true, description: "Only these symbols (case-insensitive)." })
  symbols?: string[];

  @Field(() => Int, { nullable: true, defaultValue: 100, description: "Page size, 1 to 1000." })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "endCursor of the previous page." })
  after?: string;
}

@ArgsType()
export class AssetArgs {
  @Field(() => String, { nullable: true })
  symbol?: string;

  @Field(() => Int, { nullable: true })
  cmcId?: number;
}
