import { describe, expect, it } from "vitest";
import { toDecimalString } from "../src/coinmarketcap/decimal";

describe("toDecimalString", () => {
  it.each([
    [2.9310480352575198e-8, "0.000000029310480352575198"],
    [JSON.parse("2.9310480352575198e-8") as number, "0.000000029310480352575198"],
    [67021.28, "67021.28"],
    [1e21, "1000000000000000000000"],
    [0, "0"],
    [-0, "0"],
    [-1.373, "-1.373"],
    [19991981, "19991981"],
    [1339888156069.08, "1339888156069.08"],
    [5e-324, `0.${"0".repeat(323)}5`],
    [1.7976931348623157e308, `17976931348623157${"0".repeat(292)}`],
  ])("writes the number %s as %s", (value, expected) => {
    expect(toDecimalString(value)).toBe(expected);
  });

  it.each([
    ["4.3144446875194E9", "4314444687.5194"],
    ["2.9310480352575198e-8", "0.000000029310480352575198"],
    // More digits than a double holds: a string keeps them all.
    ["0.123456789012345678901234567890", "0.12345678901234567890123456789"],
    ["-1.5e-3", "-0.0015"],
    ["+12", "12"],
    ["007.50", "7.5"],
    [".5", "0.5"],
    ["5.", "5"],
    ["1e+3", "1000"],
    ["-0.000", "0"],
    [" 42 ", "42"],
  ])("expands the string %j to %s", (value, expected) => {
    expect(toDecimalString(value)).toBe(expected);
  });

  it.each([["abc"], [""], ["."], ["1e"], ["e5"], ["Infinity"], ["NaN"], ["0x10"], ["1,000"], ["1e1001"], ["12abc"]])(
    "rejects the string %j",
    (value) => {
      expect(toDecimalString(value)).toBeNull();
    },
  );

  it("takes magnitudes up to 1e±1000 and up to 1000 significant digits, however they are written", () => {
    expect(toDecimalString(`1${"0".repeat(1000)}`)).toBe(`1${"0".repeat(1000)}`);
    expect(toDecimalString(`0.${"0".repeat(999)}1`)).toBe(`0.${"0".repeat(999)}1`);
    expect(toDecimalString("1".repeat(1000))).toBe("1".repeat(1000));
    expect(toDecimalString(`0.0${"1".repeat(1000)}e-998`)).toBe(`0.${"0".repeat(999)}${"1".repeat(1000)}`);
  });

  it.each([
    ["1 followed by 1001 zeros", `1${"0".repeat(1001)}`],
    ["1001 zeros after the point, then 1", `0.${"0".repeat(1000)}1`],
    ["1001 significant digits", "1".repeat(1001)],
    ["200 000 nines", "9".repeat(200_000)],
    ["0.1e-1000", "0.1e-1000"],
  ])("rejects %s: PostgreSQL numeric refuses such text, and with it the insert of a whole run", (_name, value) => {
    expect(toDecimalString(value)).toBeNull();
  });

  it("rejects non-finite numbers", () => {
    expect(toDecimalString(Number.POSITIVE_INFINITY)).toBeNull();
    expect(toDecimalString(Number.NaN)).toBeNull();
  });

  it("reads back as the same double, for doubles across the whole range", () => {
    // A fixed linear congruential sequence keeps the sample reproducible.
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 5000; i++) {
      const value = (next() - 0.5) * 10 ** Math.floor(next() * 80 - 40);
      const text = toDecimalString(value);
      expect(text).toMatch(/^-?\d+(\.\d+)?$/);
      expect(Number(text)).toBe(value);
    }
  });
});
