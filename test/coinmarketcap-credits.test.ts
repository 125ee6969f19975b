import { parseExpression } from "cron-parser";
import { describe, expect, it } from "vitest";
import {
  countCronTicks,
  cronForInterval,
  fastestIntervalMinutes,
  projectCronMonthlyCredits,
  projectMonthlyCredits,
  quoteCallCredits,
} from "../src/coinmarketcap/credits";

// 31 days × 24 hours × 60 minutes.
const MONTH_MINUTES = 44_640;

describe("quoteCallCredits", () => {
  it.each([
    // coins, converts, credits per tick: each request of ≤100 coins costs 1 + (converts − 1).
    [0, 1, 0],
    [1, 1, 1],
    [2, 1, 1],
    [2, 3, 3],
    [100, 1, 1],
    [101, 1, 2],
    [150, 1, 2],
    [150, 3, 6],
    [5000, 1, 50],
    [5000, 3, 150],
  ])("%i coins in %i currencies cost %i credits", (coins, converts, credits) => {
    expect(quoteCallCredits(coins, converts)).toBe(credits);
  });

  it("refuses impossible counts", () => {
    expect(() => quoteCallCredits(-1, 1)).toThrow(new RangeError("coins must be a whole number of at least 0, got -1"));
    expect(() => quoteCallCredits(2, 0)).toThrow(
      new RangeError("converts must be a whole number of at least 1, got 0"),
    );
    expect(() => quoteCallCredits(2.5, 1)).toThrow(
      new RangeError("coins must be a whole number of at least 0, got 2.5"),
    );
  });
});

describe("projectMonthlyCredits", () => {
  it.each([
    // coins, currencies, interval, credits: ticks in 31 days × credits per tick
    [2, 1, 5, 8928], // 8928 × 1
    [2, 1, 4, 11_160], // 11,160 × 1
    [2, 1, 1, 44_640], // 44,640 × 1
    [2, 3, 15, 8928], // 2976 × 3
    [150, 1, 10, 8928], // 4464 × 2
    [150, 3, 5, 53_568], // 8928 × 6
    [150, 3, 30, 8928], // 1488 × 6
    [5000, 1, 240, 9300], // 186 × 50
    [5000, 1, 1440, 1550], // 31 × 50
    [5000, 3, 720, 9300], // 62 × 150
  ])("%i coins, %i currencies every %i min cost %i credits in 31 days", (coins, converts, minutes, credits) => {
    expect(projectMonthlyCredits(coins, converts, minutes)).toBe(credits);
  });

  it("rounds a partial last tick up", () => {
    // 44,640 / 7 = 6377.14…: a 6378th tick starts within the 31 days.
    expect(projectMonthlyCredits(2, 1, 7)).toBe(6378);
    expect(projectMonthlyCredits(2, 3, 7)).toBe(6378 * 3);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])("refuses an interval of %d minutes", (minutes) => {
    expect(() => projectMonthlyCredits(2, 1, minutes)).toThrow(
      new RangeError(`intervalMinutes must be a positive number, got ${minutes}`),
    );
  });
});

describe("fastestIntervalMinutes", () => {
  it.each([
    // coins, converts, interval that fits 10,000 credits, its projection
    [2, 1, 5, 8928],
    [2, 3, 15, 8928],
    [150, 1, 10, 8928],
    [150, 3, 30, 8928],
    [5000, 1, 240, 9300],
    [5000, 3, 720, 9300],
  ])("fits %i coins in %i currencies into 10,000 credits every %i minutes", (coins, converts, minutes, projected) => {
    expect(fastestIntervalMinutes(coins, converts, 10_000)).toEqual({
      minutes,
      fits: true,
      projectedMonthlyCredits: projected,
    });
  });

  it("never goes faster than every minute", () => {
    expect(fastestIntervalMinutes(2, 1, 1_000_000)).toEqual({
      minutes: 1,
      fits: true,
      projectedMonthlyCredits: 44_640,
    });
  });

  it("takes an interval whose projection is exactly the budget", () => {
    expect(fastestIntervalMinutes(2, 1, 8928)).toEqual({ minutes: 5, fits: true, projectedMonthlyCredits: 8928 });
    expect(fastestIntervalMinutes(2, 1, 8927)).toEqual({ minutes: 6, fits: true, projectedMonthlyCredits: 7440 });
  });

  it("falls back to daily, flagged, when even daily overspends", () => {
    expect(fastestIntervalMinutes(5000, 3, 1000)).toEqual({
      minutes: 1440,
      fits: false,
      projectedMonthlyCredits: 4650,
    });
  });

  it("chooses among the candidates given", () => {
    expect(fastestIntervalMinutes(2, 1, 10_000, { candidates: [60, 10, 2] })).toEqual({
      minutes: 10,
      fits: true,
      projectedMonthlyCredits: 4464,
    });
    expect(() => fastestIntervalMinutes(2, 1, 10_000, { candidates: [0.5] })).toThrow(
      new RangeError("a candidate interval must be a whole number of at least 1, got 0.5"),
    );
    expect(() => fastestIntervalMinutes(2, 1, 10_000, { candidates: [] })).toThrow(
      new RangeError("candidates must not be empty"),
    );
  });

  it("refuses a negative budget", () => {
    expect(() => fastestIntervalMinutes(2, 1, -1)).toThrow(
      new RangeError("monthlyBudget must be a whole number of at least 0, got -1"),
    );
  });
});

describe("cronForInterval", () => {
  it.each([
    [1, "* * * * *"],
    [5, "*/5 * * * *"],
    [30, "*/30 * * * *"],
    [60, "0 * * * *"],
    [120, "0 */2 * * *"],
    [720, "0 */12 * * *"],
    [1440, "0 0 * * *"],
  ])("every %i minutes is %j", (minutes, cron) => {
    expect(cronForInterval(minutes)).toBe(cron);
  });

  it.each([7, 45, 90, 300, 2880])("refuses %i minutes, which cron cannot keep evenly", (minutes) => {
    expect(() => cronForInterval(minutes)).toThrow(
      new RangeError(
        `cannot fire evenly every ${minutes} minutes with cron; use a divisor of 60 or a whole number of hours dividing 24`,
      ),
    );
  });

  it.each([0, 2.5])("refuses %d minutes", (minutes) => {
    expect(() => cronForInterval(minutes)).toThrow(
      new RangeError(`minutes must be a whole number of at least 1, got ${minutes}`),
    );
  });

  it("yields an expression that fires as many times as the interval projection assumes", () => {
    const from = new Date("2026-03-01T00:00:00Z");
    for (const minutes of [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440]) {
      expect(countCronTicks(cronForInterval(minutes), { from, tz: "UTC" })).toBe(MONTH_MINUTES / minutes);
    }
  });
});

describe("countCronTicks and projectCronMonthlyCredits", () => {
  const from = new Date("2026-03-01T00:00:00Z");

  // Tick by tick with cron-parser: exact, but about half a millisecond per tick, so only for sparse schedules.
  function bruteForce(cron: string): number {
    const ticks = parseExpression(cron, {
      tz: "UTC",
      currentDate: new Date(from.getTime() - 1),
      endDate: new Date(from.getTime() + MONTH_MINUTES * 60_000 - 1),
    });
    let count = 0;
    while (ticks.hasNext()) {
      ticks.next();
      count += 1;
    }
    return count;
  }

  it.each([
    ["*/5 * * * *", 8928],
    ["* * * * *", 44_640],
    ["*/10 * * * * *", 267_840],
    ["0 0 * * *", 31],
    ["@hourly", 744],
  ])("counts %j as %i ticks in 31 days", (cron, ticks) => {
    expect(countCronTicks(cron, { from, tz: "UTC" })).toBe(ticks);
  });

  it.each([
    "15 9-17 * * 1-5",
    "0 */4 * * 0,6",
    "0 0 1,15 * *",
    "30 12 L * *",
    "0 8 * * 1#2",
    "0 0 1 * 1",
    "5,35 * 3 * *",
  ])("agrees with a tick-by-tick count for %j", (cron) => {
    expect(countCronTicks(cron, { from, tz: "UTC" })).toBe(bruteForce(cron));
  });

  it("reads the expression in the time zone given", () => {
    // Mondays at midnight from Monday 2026-03-02 05:00 UTC: in UTC the first one has passed, in
    // Honolulu (UTC−10) it is still 5 hours away.
    const monday5am = new Date("2026-03-02T05:00:00Z");
    expect(countCronTicks("0 0 * * 1", { from: monday5am, tz: "UTC" })).toBe(4);
    expect(countCronTicks("0 0 * * 1", { from: monday5am, tz: "Pacific/Honolulu" })).toBe(5);
  });

  it("tolerates extra whitespace around and between fields", () => {
    expect(countCronTicks(" */5 * * * * ", { from, tz: "UTC" })).toBe(8928);
    expect(countCronTicks("0 0 1  *  *", { from, tz: "UTC" })).toBe(1);
    expect(countCronTicks("0 0  * * 1#2", { from, tz: "UTC" })).toBe(1);
  });

  it("projects credits of a user cron", () => {
    expect(projectCronMonthlyCredits("*/5 * * * *", 2, 1, { from, tz: "UTC" })).toBe(8928);
    expect(projectCronMonthlyCredits("*/4 * * * *", 2, 1, { from, tz: "UTC" })).toBe(11_160);
    expect(projectCronMonthlyCredits("0 * * * *", 150, 3, { from, tz: "UTC" })).toBe(744 * 6);
  });

  it("counts a schedule firing every second without walking its 2.7 million ticks", () => {
    // Walking them with cron-parser takes over 20 minutes: the test's timeout is the check, not a clock.
    expect(countCronTicks("* * * * * *", { from, tz: "UTC" })).toBe(2_678_400);
  });
});
