import { ObjectType } from "type-graphql";
import { Asset } from "./asset.type";
import { Connection } from "./connection.type";

@ObjectType("AssetConnection", { simpleResolvers: true })
export class AssetConnection extends Connection("Asset", Asset) {}
