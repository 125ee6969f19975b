import { registerEnumType } from "type-graphql";
import {
  INGESTION_STATUSES,
  INGESTION_TRIGGERS,
  type IngestionStatus as RunStatus,
  type IngestionTrigger as RunTrigger,
} from "../../db/entities/ingestion-run.entity";

/** A GraphQL enum of exactly the values the database allows, from the entity's own list. */
const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };

export const IngestionStatus = enumOf(INGESTION_STATUSES);
export type IngestionStatus = RunStatus;
registerEnumType(IngestionStatus, { name: "IngestionStatus", description: "Outcome of an ingestion run." });

export const IngestionTrigger = enumOf(INGESTION_TRIGGERS);
export type IngestionTrigger = RunTrigger;
registerEnumType(IngestionTrigger, { name: "IngestionTrigger", description: "What started an ingestion run." });
