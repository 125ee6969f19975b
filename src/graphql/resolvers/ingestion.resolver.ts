import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import { IngestionRun as IngestionRunEntity } from "../../db/entities/ingestion-run.entity";
import { checkRange } from "../args/validate";
import type { GraphQLContext } from "../context";
import { IngestionStatusEnum } from "../types/enums";
import { IngestionRun } from "../types/ingestion-run.type";
import { IngestionState } from "../types/ingestion-state.type";

@Resolver()
export class IngestionResolver {
  @Query(() => IngestionState, { description: "The ingestion schedule, its credit budget and its last runs." })
  async ingestion(@Ctx() ctx: GraphQLContext): Promise<IngestionState> {
    const runs = ctx.dataSource.getRepository(IngestionRunEntity);
    const [lastRun, lastSuccess] = await Promise.all([
      runs.findOne({ where: {}, order: { startedAt: "DESC", id: "DESC" } }),
      runs.findOne({ where: { status: "SUCCEEDED" }, order: { startedAt: "DESC" } }),
    ]);
    return {
      ...ctx.ingestion.state(),
      lastRun: lastRun ? IngestionRun.from(lastRun) : null,
      lastSuccessAt: lastSuccess?.finishedAt ?? null,
    };
  }

  @Query(() => [IngestionRun], { description: "The newest ingestion runs first." })
  async ingestionRuns(
    @Arg("first", () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg("status", () => IngestionStatusEnum, { nullable: true }) status: IngestionStatusEnum | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IngestionRun[]> {
    const size = checkRange("first", first ?? 20, 1, 1000);
    const rows = await ctx.dataSource.getRepository(IngestionRunEntity).find({
      where: status ? { status } : {},
      order: { startedAt: "DESC", id: "DESC" },
      take: size,
    });
    return rows.map(IngestionRun.from);
  }

  @Authorized()
  @Mutation(() => IngestionRun, { description: "Fetches and stores quotes now, outside the schedule (costs credits)." })
  async runIngestion(@Ctx() ctx: GraphQLContext): Promise<IngestionRun> {
    return IngestionRun.from((await ctx.ingestion.runNow()).run);
  }
}
