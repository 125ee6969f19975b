import { Field, Int, ObjectType } from "type-graphql";
import { IngestionRun } from "./ingestion-run.type";

@ObjectType("IngestionState", { simpleResolvers: true, description: "How and when this service fetches quotes." })
export class IngestionState {
  @Field({ description: "False when ingestion is stopped, e.g. after CoinMarketCap refused the API key." })
  enabled: boolean;

  @Field({ description: "coinmarketcap, coinmarketcap-sandbox (mock data), simulator (mock data) or custom." })
  source: string;

  @Field({ description: "Cron expression of the schedule." })
  schedule: string;

  @Field(() => Date, { nullable: true })
  nextRunAt: Date | null;

  @Field(() => IngestionRun, { nullable: true })
  lastRun: IngestionRun | null;

  @Field(() => Date, { nullable: true })
  lastSuccessAt: Date | null;

  @Field(() => Int, { description: "Credits the schedule spends in a 31-day month." })
  projectedMonthlyCredits: number;

  @Field(() => Int)
  monthlyCreditBudget: number;

  @Field(() => [String], {
    description: "Quote currencies (CONVERT) in their configured order: the values every convert argument accepts.",
  })
  converts: string[];
}
