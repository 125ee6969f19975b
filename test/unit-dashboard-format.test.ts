import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../web/src/backoff";
import {
  formatChange,
  formatCompact,
  formatCountdown,
  formatExact,
  formatPrice,
  formatRelative,
} from "../web/src/format";

describe("the dashboard's number and time formats", () => {
  it.each([
    [97_123.456, "USD", "$97,123.46"],
    [1.004, "USD", "$1.00"],
    [0.1234567, "USD", "$0.1235"],
    [0.00000002931, "USD", "$0.00000002931"],
    [0, "USD", "$0.00"],
    [1234.5, "EUR", "€1,234.50"],
    [0.5, "BTC", "BTC\u00a00.5000"],
    [1234.5, "USDT", "1,234.50 USDT"],
  ])("writes the price %d in %s as %s", (value, currency, text) => {
    expect(formatPrice(value, currency, "en-US")).toBe(text);
  });

  it.each([
    [1_234_567_890_123, "$1.23T"],
    [845_000_000, "$845M"],
    [12_345, "$12.3K"],
    [null, "–"],
  ])("writes market caps and volumes compactly: %s as %s", (value, text) => {
    expect(formatCompact(value, "USD", "en-US")).toBe(text);
  });

  it("writes a change with its sign and direction, so colour is never the only cue", () => {
    expect(formatChange(1.234, "en-US")).toEqual({ text: "+1.23%", direction: "up" });
    expect(formatChange(-0.456, "en-US")).toEqual({ text: "-0.46%", direction: "down" });
    expect(formatChange(0, "en-US")).toEqual({ text: "0.00%", direction: "flat" });
    expect(formatChange(null, "en-US")).toEqual({ text: "–", direction: "none" });
  });

  it("writes times relative to now in the largest whole unit, and exactly", () => {
    const now = new Date("2026-12-03T15:00:00Z");
    expect(formatRelative(new Date("2026-12-03T14:59:48Z"), now, "en-US")).toBe("12 seconds ago");
    expect(formatRelative(new Date("2026-12-03T14:57:00Z"), now, "en-US")).toBe("3 minutes ago");
    expect(formatRelative(new Date("2026-12-03T13:00:00Z"), now, "en-US")).toBe("2 hours ago");
    expect(formatRelative(new Date("2026-12-01T15:00:00Z"), now, "en-US")).toBe("2 days ago");
    expect(formatRelative(now, now, "en-US")).toBe("now");
    expect(formatCountdown(new Date("2026-12-03T15:04:05Z"), now)).toBe("4:05");
    expect(formatCountdown(new Date("2026-12-03T16:00:01Z"), now)).toBe("1:00:01");
    expect(formatCountdown(new Date("2026-12-03T14:00:00Z"), now)).toBe("0:00");
    expect(formatExact(new Date("2026-12-01T09:08:07Z"), now, "en-US")).toMatch(/^Dec 1, 2026, \d\d:08:07 [AP]M /);
  });
});

describe("the feed's back-off", () => {
  it("doubles from 1 s up to 30 s, drawn from the upper half of each step", () => {
    const low = [1, 2, 3, 4, 5, 6, 7, 10].map((attempt) => retryDelayMs(attempt, () => 0));
    const high = [1, 2, 3, 4, 5, 6, 7, 10].map((attempt) => retryDelayMs(attempt, () => 1));
    expect(low).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});
