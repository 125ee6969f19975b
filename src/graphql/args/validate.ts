import { badUserInput } from "../errors";

export function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badUserInput(`${name} must be a whole number from ${min} to ${max}; got ${value}`);
  }
  return value;
}

/** The contract's default quote currency, also when a client sends an explicit null. */
export const DEFAULT_CONVERT = "USD";

/** Quote currencies are stored upper-case; only configured ones exist. */
export function checkConvert(convert: string | null | undefined, configured: string[]): string {
  convert ??= DEFAULT_CONVERT;
  const code = convert.trim().toUpperCase();
  if (!configured.includes(code)) {
    throw badUserInput(
      `convert "${convert}" is not collected by this service; use one of ${configured.join(", ")} (set by CONVERT)`,
    );
  }
  return code;
}

/** Time ranges are half-open, from ≤ lastUpdated < to, so an empty or inverted range is a client mistake. */
export function checkTimeRange(from: Date | null | undefined, to: Date | null | undefined): void {
  if (from && to && from.getTime() >= to.getTime()) {
    throw badUserInput(
      `from must be earlier than to (the range is from ≤ lastUpdated < to); got from ${from.toISOString()} ` +
        `and to ${to.toISOString()}: send a from before to, or leave either out`,
    );
  }
}
