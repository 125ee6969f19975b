import { registerEnumType } from "type-graphql";

export enum IngestionStatusEnum {
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  PARTIAL = "PARTIAL",
  FAILED = "FAILED",
  SKIPPED = "SKIPPED",
}
registerEnumType(IngestionStatusEnum, { name: "IngestionStatus", description: "Outcome of an ingestion run." });

export enum IngestionTriggerEnum {
  SCHEDULE = "SCHEDULE",
  MANUAL = "MANUAL",
  STARTUP = "STARTUP",
}
registerEnumType(IngestionTriggerEnum, { name: "IngestionTrigger", description: "What started an ingestion run." });
