import { Field, ID, Int, ObjectType } from "type-graphql";
import type { IngestionRun as IngestionRunEntity } from "../../db/entities/ingestion-run.entity";
import { IngestionStatusEnum, IngestionTriggerEnum } from "./enums";

@ObjectType("IngestionRun", { description: "One attempt to fetch and store quotes." })
export class IngestionRun {
  @Field(() => ID)
  id: string;

  @Field(() => IngestionTriggerEnum)
  trigger: IngestionTriggerEnum;

  @Field(() => IngestionStatusEnum)
  status: IngestionStatusEnum;

  @Field()
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  @Field(() => Int)
  quotesFetched: number;

  @Field(() => Int)
  quotesInserted: number;

  @Field(() => Int)
  quotesSkipped: number;

  @Field(() => Int)
  creditsUsed: number;

  @Field(() => String, { nullable: true })
  error: string | null;

  static from(entity: IngestionRunEntity): IngestionRun {
    return Object.assign(new IngestionRun(), {
      id: String(entity.id),
      trigger: entity.trigger as IngestionTriggerEnum,
      status: entity.status as IngestionStatusEnum,
      startedAt: entity.startedAt,
      finishedAt: entity.finishedAt,
      quotesFetched: entity.quotesFetched,
      quotesInserted: entity.quotesInserted,
      quotesSkipped: entity.quotesSkipped,
      creditsUsed: entity.creditsUsed,
      error: entity.errorCode ? `${entity.errorCode}: ${entity.errorMessage ?? ""}`.trim() : entity.errorMessage,
    });
  }
}
