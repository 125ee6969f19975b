import { ArgsType, Field, Int } from "type-graphql";
import { IngestionStatus } from "../types/enums";
import { Bounded } from "./validation";

@ArgsType()
export class IngestionRunsArgs {
  @Bounded(1, 1000)
  @Field(() => Int, { nullable: true, description: "How many runs, 1 to 1000." })
  first: number = 20;

  @Field(() => IngestionStatus, { nullable: true, description: "Only runs with this outcome." })
  status?: IngestionStatus | null;
}
