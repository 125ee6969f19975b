import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { Asset } from "./asset.entity";

/**
 * A candle rollup table: per asset, currency and fixed-width UTC bucket, the quotes' open, high, low,
 * close and count. Open and close keep the `last_updated` they came from, so rows merge in any
 * order (see the CandleRollups migration and `src/db/store/rollups.ts`). Both tables share this
 * shape; only their names and constraint names differ.
 */
function priceCandleEntity(table: string) {
  @Entity({ name: table })
  class PriceCandle {
    @PrimaryColumn({ name: "asset_id", type: "integer", primaryKeyConstraintName: `${table}_pkey` })
    assetId: number;

    @ManyToOne(() => Asset, { onDelete: "CASCADE" })
    @JoinColumn({ name: "asset_id", foreignKeyConstraintName: `${table}_asset_fkey` })
    asset?: Asset;

    @PrimaryColumn({ type: "varchar", length: 10, primaryKeyConstraintName: `${table}_pkey` })
    convert: string;

    @PrimaryColumn({ name: "bucket_start", type: "timestamptz", primaryKeyConstraintName: `${table}_pkey` })
    bucketStart: Date;

    @Column({ type: "numeric" })
    open: string;

    @Column({ name: "open_last_updated", type: "timestamptz" })
    openLastUpdated: Date;

    @Column({ type: "numeric" })
    high: string;

    @Column({ type: "numeric" })
    low: string;

    @Column({ type: "numeric" })
    close: string;

    @Column({ name: "close_last_updated", type: "timestamptz" })
    closeLastUpdated: Date;

    @Column({ type: "integer" })
    samples: number;
  }
  return PriceCandle;
}

/** Buckets of one hour. */
export const PriceCandleHour = priceCandleEntity("price_candle_hour");

/** Buckets of 24 hours from 00:00 UTC. */
export const PriceCandleDay = priceCandleEntity("price_candle_day");
