import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from "typeorm";

/** A coin as CMC knows it; the CMC id is its identity, the symbol only a label. */
@Entity({ name: "asset" })
@Unique("asset_cmc_id_key", ["cmcId"])
// Tracked symbols are unique case-insensitively; the index lives in the migration (an expression index).
@Index("asset_tracked_symbol_key", { synchronize: false })
export class Asset {
  @PrimaryGeneratedColumn("identity", { generatedIdentity: "ALWAYS", primaryKeyConstraintName: "asset_pkey" })
  id: number;

  @Column({ name: "cmc_id", type: "integer" })
  cmcId: number;

  @Column({ type: "varchar", length: 30 })
  symbol: string;

  @Column({ type: "varchar", length: 200 })
  name: string;

  @Column({ type: "varchar", length: 200 })
  slug: string;

  @Column({ type: "integer", nullable: true })
  rank: number | null;

  @Column({ type: "boolean", default: false })
  tracked: boolean;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", type: "timestamptz" })
  updatedAt: Date;
}
