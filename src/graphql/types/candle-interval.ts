import { registerEnumType } from "type-graphql";
import type { CandleWidth } from "../../db/store/candles";

export enum CandleInterval {
  MINUTE = "MINUTE",
  FIVE_MINUTES = "FIVE_MINUTES",
  FIFTEEN_MINUTES = "FIFTEEN_MINUTES",
  HOUR = "HOUR",
  FOUR_HOURS = "FOUR_HOURS",
  DAY = "DAY",
  WEEK = "WEEK",
}
registerEnumType(CandleInterval, {
  name: "CandleInterval",
  description:
    "Width of a candle. Buckets are whole multiples of it counted from Monday 2000-01-03T00:00:00Z, " +
    "so days start at 00:00 UTC and weeks on Monday.",
});

/**
 * Bucket widths as PostgreSQL intervals, which is how the store takes them. Days and weeks are
 * written in hours on purpose: `timestamptz + interval '1 day'` follows the session's time zone
 * across daylight-saving changes (23 or 25 hours), while candles are fixed-width UTC buckets, as
 * date_bin computes them.
 */
export const BUCKET_WIDTH: Readonly<Record<CandleInterval, CandleWidth>> = {
  [CandleInterval.MINUTE]: "1 minute",
  [CandleInterval.FIVE_MINUTES]: "5 minutes",
  [CandleInterval.FIFTEEN_MINUTES]: "15 minutes",
  [CandleInterval.HOUR]: "1 hour",
  [CandleInterval.FOUR_HOURS]: "4 hours",
  [CandleInterval.DAY]: "24 hours",
  [CandleInterval.WEEK]: "168 hours",
};
