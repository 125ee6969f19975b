import { describe, expect, it } from "vitest";
import { rateLimitDelayMs } from "../src/ingestion/backoff";

const at = (time: string) => new Date(`2026-03-01T12:${time}Z`);
const noJitter = () => 0;

describe("rateLimitDelayMs", () => {
  it.each([
    // attempt, clock, wait without jitter: the later of CMC's next minute and 1 s × 2^(attempt − 1)
    [1, "00:00.000", 60_000],
    [1, "00:30.000", 30_000],
    [1, "00:59.000", 1_000],
    [1, "00:59.500", 1_000],
    [2, "00:59.500", 2_000],
    [3, "00:59.500", 4_000],
    [3, "00:55.000", 5_000],
    [6, "00:10.000", 50_000],
    [7, "00:10.000", 64_000],
    [7, "00:00.000", 64_000],
  ])("waits, at attempt %i at 12:%s, %i ms", (attempt, time, wait) => {
    expect(rateLimitDelayMs(attempt, at(time), noJitter)).toBe(wait);
  });

  it("waits for the minute to turn when that is later than the doubled delay, and not the other way round", () => {
    // 10 s into the minute the first retry waits the remaining 50 s, not 1 s (CMC would refuse it
    // again); 250 ms before the minute turns it still waits its full second.
    expect(rateLimitDelayMs(1, at("00:10.000"), noJitter)).toBe(50_000);
    expect(rateLimitDelayMs(1, at("00:59.750"), noJitter)).toBe(1_000);
  });

  it.each([
    [0, 30_000],
    [0.25, 31_250],
    [0.5, 32_500],
    [0.999, 34_995],
  ])("adds up to 5 s of jitter: random() = %d waits %i ms at 12:00:30", (random, wait) => {
    expect(rateLimitDelayMs(1, at("00:30.000"), () => random)).toBe(wait);
  });
});
