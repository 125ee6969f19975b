import { Field, ID, Int, ObjectType } from "type-graphql";
import type { RunRow } from "../../db/store/runs";
import { IngestionStatus, IngestionTrigger } from "./enums";

@ObjectType("IngestionRun", { simpleResolvers: true, description: "One attempt to fetch and store quotes." })
export class IngestionRun {
  @Field(() => ID)
  id: string;

  @Field(() => IngestionTrigger)
  trigger: IngestionTrigger;

  @Field(() => IngestionStatus)
  status: IngestionStatus;

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

  static from(row: RunRow): IngestionRun {
    return Object.assign(new IngestionRun(), {
      id: String(row.id),
      trigger: row.trigger,
      status: row.status,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      quotesFetched: row.quotesFetched,
      quotesInserted: row.quotesInserted,
      quotesSkipped: row.quotesSkipped,
      creditsUsed: row.creditsUsed,
      error: row.errorCode ? `${row.errorCode}: ${row.errorMessage ?? ""}`.trim() : row.errorMessage,
    });
  }
}
