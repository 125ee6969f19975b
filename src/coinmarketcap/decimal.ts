const NUMERIC_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

// Far beyond any double (about 1e±308) yet keeps a hostile "1e999999999" from allocating gigabytes.
const MAX_EXPONENT = 1000;
// A double needs 17; more than this is no amount, and PostgreSQL numeric refuses past 16 383 decimals.
const MAX_SIGNIFICANT_DIGITS = 1000;

/**
 * A plain decimal string (no exponent, as PostgreSQL `numeric` reads it) for a JSON number or a
 * numeric string, or null when the value is not a finite number.
 *
 * Numbers go through `String()`, the shortest text that reads back as the same double, so a value
 * CMC serialised from a double comes out digit for digit; strings are expanded from their own
 * digits, never through a double. Zeros that carry no value are dropped ("1.50" → "1.5").
 */
export function toDecimalString(value: number | string): string | null {
  if (typeof value === "number") return Number.isFinite(value) ? expand(String(value)) : null;
  return expand(value.trim());
}

function expand(text: string): string | null {
  const match = NUMERIC_TEXT.exec(text);
  if (!match) return null;
  const [, sign, integerDigits = "", fractionDigits = "", exponentText = "0"] = match;
  if (integerDigits === "" && fractionDigits === "") return null;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) return null;

  const allDigits = integerDigits + fractionDigits;
  const leadingZeros = /^0*/.exec(allDigits)?.[0].length ?? 0;
  const digits = allDigits.slice(leadingZeros).replace(/0+$/, "");
  if (digits === "") return "0";
  // Where the decimal point falls within `digits`.
  const point = integerDigits.length + exponent - leadingZeros;
  // The written exponent is not the whole story: "999…9" (200 000 nines) or "0.000…01" is as far out
  // as 1e200000, which PostgreSQL numeric refuses, failing the insert of every quote beside it.
  if (digits.length > MAX_SIGNIFICANT_DIGITS || Math.abs(point - 1) > MAX_EXPONENT) return null;

  let plain: string;
  if (point <= 0) plain = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) plain = digits + "0".repeat(point - digits.length);
  else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign === "-" ? `-${plain}` : plain;
}
