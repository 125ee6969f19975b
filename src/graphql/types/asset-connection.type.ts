import { ObjectType } from "type-graphql";
import { Asset } from "./asset.type";
import { Connection } from "./connection.type";

@ObjectType("AssetConnection")
export class AssetConnection extends Connection("Asset", Asset) {}
