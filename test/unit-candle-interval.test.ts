import { getMetadataStorage } from "type-graphql";
import { describe, expect, it } from "vitest";
import { BUCKET_WIDTH, CandleInterval } from "../src/graphql/types/candle-interval";

describe("CandleInterval", () => {
  it("names seven widths, each by its own name", () => {
    expect({ ...CandleInterval }).toEqual({
      MINUTE: "MINUTE",
      FIVE_MINUTES: "FIVE_MINUTES",
      FIFTEEN_MINUTES: "FIFTEEN_MINUTES",
      HOUR: "HOUR",
      FOUR_HOURS: "FOUR_HOURS",
      DAY: "DAY",
      WEEK: "WEEK",
    });
  });

  it("is published as the GraphQL enum CandleInterval, saying where buckets start", () => {
    const published = getMetadataStorage().enums.find((e) => e.enumObj === CandleInterval);
    expect(published).toMatchObject({
      name: "CandleInterval",
      description:
        "Width of a candle. Buckets are whole multiples of it counted from Monday 2000-01-03T00:00:00Z, " +
        "so days start at 00:00 UTC and weeks on Monday.",
    });
  });
});

describe("BUCKET_WIDTH", () => {
  it("gives each width as a PostgreSQL interval, days and weeks in hours so they stay 24 and 168 hours long", () => {
    expect(BUCKET_WIDTH).toEqual({
      MINUTE: "1 minute",
      FIVE_MINUTES: "5 minutes",
      FIFTEEN_MINUTES: "15 minutes",
      HOUR: "1 hour",
      FOUR_HOURS: "4 hours",
      DAY: "24 hours",
      WEEK: "168 hours",
    });
  });
});
