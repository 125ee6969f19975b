import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

export const INGESTION_STATUSES = ["RUNNING", "SUCCEEDED", "PARTIAL", "FAILED", "SKIPPED"] as const;
export type IngestionStatus = (typeof INGESTION_STATUSES)[number];
export const INGESTION_TRIGGERS = ["SCHEDULE", "MANUAL", "STARTUP"] as const;
export type IngestionTrigger = (typeof INGESTION_TRIGGERS)[number];

/** One attempt to fetch and store quotes, whatever its outcome. */
@Entity({ name: "ingestion_run" })
@Check("ingestion_run_status_check", `"status" IN ('RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED', 'SKIPPED')`)
@Check("ingestion_run_trigger_check", `"trigger" IN ('SCHEDULE', 'MANUAL', 'STARTUP')`)
@Index("ingestion_run_status_started_idx", ["status", "startedAt"])
@Index("ingestion_run_started_idx", ["startedAt"])
export class IngestionRun {
  @PrimaryGeneratedColumn("identity", { generatedIdentity: "ALWAYS", primaryKeyConstraintName: "ingestion_run_pkey" })
  id: number;

  @Column({ type: "varchar", length: 16 })
  trigger: IngestionTrigger;

  @Column({ type: "varchar", length: 16 })
  status: IngestionStatus;

  @Column({ name: "started_at", type: "timestamptz", default: () => "now()" })
  startedAt: Date;

  @Column({ name: "finished_at", type: "timestamptz", nullable: true })
  finishedAt: Date | null;

  @Column({ name: "quotes_fetched", type: "integer", default: 0 })
  quotesFetched: number;

  @Column({ name: "quotes_inserted", type: "integer", default: 0 })
  quotesInserted: number;

  @Column({ name: "quotes_skipped", type: "integer", default: 0 })
  quotesSkipped: number;

  @Column({ name: "credits_used", type: "integer", default: 0 })
  creditsUsed: number;

  @Column({ name: "error_code", type: "varchar", length: 64, nullable: true })
  errorCode: string | null;

  @Column({ name: "error_message", type: "text", nullable: true })
  errorMessage: string | null;
}
