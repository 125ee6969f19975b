import { ArgsType, Field } from "type-graphql";
import { ConvertArgs } from "./convert.args";

@ArgsType()
export class LatestQuotesArgs extends ConvertArgs {
  @Field(() => [String], {
    nullable: true,
    description: "These symbols (case-insensitive); default: every tracked asset.",
  })
  symbols?: string[] | null;
}
