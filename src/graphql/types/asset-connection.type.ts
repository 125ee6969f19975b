import { Field, ObjectType } from "type-graphql";
import { Asset } from "./asset.type";
import { PageInfo } from "./page-info.type";

@ObjectType("AssetEdge")
export class AssetEdge {
  @Field()
  cursor: string;

  @Field(() => Asset)
  node: Asset;
}

@ObjectType("AssetConnection")
export class AssetConnection {
  @Field(() => [AssetEdge])
  edges: AssetEdge[];

  @Field(() => [Asset])
  nodes: Asset[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}
