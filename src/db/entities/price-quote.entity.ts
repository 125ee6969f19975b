import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { Asset } from "./asset.entity";

/**
 * One CMC quote of one asset in one currency at one CMC `last_updated` minute.
 * Money and supply are `numeric` and stay strings here, so no digit is lost before the API edge.
 */
@Entity({ name: "price_quote" })
// Serves re-ingestion (ON CONFLICT), the latest quote per asset and history ranges alike.
@Unique("price_quote_asset_convert_time_key", ["assetId", "convert", "lastUpdated"])
// Commit order for pollers: see the QuoteCommitOrder migration.
@Index("price_quote_tx_order_idx", ["txId", "id"])
export class PriceQuote {
  @PrimaryGeneratedColumn("identity", {
    type: "bigint",
    generatedIdentity: "ALWAYS",
    primaryKeyConstraintName: "price_quote_pkey",
  })
  id: string;

  @Column({ name: "asset_id", type: "integer" })
  assetId: number;

  @ManyToOne(() => Asset, { onDelete: "CASCADE" })
  @JoinColumn({ name: "asset_id", foreignKeyConstraintName: "price_quote_asset_fkey" })
  asset?: Asset;

  @Column({ type: "varchar", length: 10 })
  convert: string;

  @Column({ type: "numeric" })
  price: string;

  @Column({ name: "volume_24h", type: "numeric", nullable: true })
  volume24h: string | null;

  @Column({ name: "market_cap", type: "numeric", nullable: true })
  marketCap: string | null;

  @Column({ name: "percent_change_1h", type: "numeric", nullable: true })
  percentChange1h: string | null;

  @Column({ name: "percent_change_24h", type: "numeric", nullable: true })
  percentChange24h: string | null;

  @Column({ name: "percent_change_7d", type: "numeric", nullable: true })
  percentChange7d: string | null;

  @Column({ name: "circulating_supply", type: "numeric", nullable: true })
  circulatingSupply: string | null;

  @Column({ name: "last_updated", type: "timestamptz" })
  lastUpdated: Date;

  @Column({ name: "ingested_at", type: "timestamptz", default: () => "now()" })
  ingestedAt: Date;

  /** The writing transaction's id, set by PostgreSQL. */
  @Column({
    name: "tx_id",
    type: "bigint",
    default: () => "quote_tx_id()",
    insert: false,
    update: false,
    select: false,
  })
  txId: string;
}
