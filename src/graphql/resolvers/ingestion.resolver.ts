import { Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { lastSucceededAt, recentRuns } from "../../db/store/runs";
import { IngestionRunsArgs } from "../args/ingestion-runs.args";
import type { GraphQLContext } from "../context";
import { IngestionRun } from "../types/ingestion-run.type";
import { IngestionState } from "../types/ingestion-state.type";

@Resolver()
export class IngestionResolver {
  @Query(() => IngestionState, { description: "The ingestion schedule, its credit budget and its last runs." })
  async ingestion(@Ctx() ctx: GraphQLContext): Promise<IngestionState> {
    const [[lastRun], lastSuccessAt] = await Promise.all([
      recentRuns(ctx.db, { limit: 1, status: null }),
      lastSucceededAt(ctx.db),
    ]);
    return {
      ...ctx.ingestion.state(),
      lastRun: lastRun ? IngestionRun.from(lastRun) : null,
      lastSuccessAt,
      converts: ctx.converts,
    };
  }

  @Query(() => [IngestionRun], { description: "The newest ingestion runs first." })
  async ingestionRuns(
    @Args() { first, status }: IngestionRunsArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IngestionRun[]> {
    const rows = await recentRuns(ctx.db, { limit: first, status: status ?? null });
    return rows.map(IngestionRun.from);
  }

  @Authorized()
  @Mutation(() => IngestionRun, { description: "Fetches and stores quotes now, outside the schedule (costs credits)." })
  async runIngestion(@Ctx() ctx: GraphQLContext): Promise<IngestionRun> {
    return IngestionRun.from((await ctx.ingestion.runNow()).run);
  }
}
