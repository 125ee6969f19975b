import { Ctx, Query, Resolver } from "type-graphql";
import { IngestionRun as IngestionRunEntity } from "../../db/entities/ingestion-run.entity";
import type { GraphQLContext } from "../context";
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
}
