import { registerEnumType } from "type-graphql";

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
