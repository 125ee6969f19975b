import { badUserInput } from "../errors";

export function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badUserInput(`${name} must be a whole number from ${min} to ${max}; got ${value}`);
  }
  return value;
}

/** Quote currencies are stored upper-case; only configured ones exist. */
export function checkConvert(convert: string, configured: string[]): string {
  const code = convert.trim().toUpperCase();
  if (!configured.includes(code)) {
    throw badUserInput(
      `convert "${convert}" is not collected by this service; use one of ${configured.join(", ")} (set by CONVERT)`,
    );
  }
  return code;
}
