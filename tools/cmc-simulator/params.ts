import { BadRequest } from "./responses";

/** Query parameters as CMC sees them: the last value of a repeated name wins. */
export type Query = Readonly<Record<string, string>>;

/** The key may travel in the query on any endpoint. */
export const KEY_PARAM = "CMC_PRO_API_KEY";

// Validation messages imitate CMC's (Joi-generated) wording: clients sometimes parse them.

export function rejectUnknown(query: Query, allowed: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (name !== KEY_PARAM && !allowed.includes(name)) throw new BadRequest(`"${name}" is not allowed`);
  }
}

/** A comma list; undefined when the parameter is absent. */
export function list(query: Query, name: string, pattern: RegExp): string[] | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (value === "") throw new BadRequest(`"${name}" is not allowed to be empty`);
  if (!pattern.test(value)) {
    throw new BadRequest(`"${name}" with value "${value}" fails to match the required pattern: ${pattern}`);
  }
  return [...new Set(value.split(","))];
}

export function boolean(query: Query, name: string, fallback: boolean): boolean {
  const value = query[name];
  if (value === undefined) return fallback;
  if (value === "true" || value === "false") return value === "true";
  throw new BadRequest(`"${name}" must be a boolean`);
}

export function integer(query: Query, name: string, min: number, max: number): number | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === "" || Number.isNaN(parsed)) throw new BadRequest(`"${name}" must be a number`);
  if (!Number.isInteger(parsed)) throw new BadRequest(`"${name}" must be an integer`);
  if (parsed < min) throw new BadRequest(`"${name}" must be greater than or equal to ${min}`);
  if (parsed > max) throw new BadRequest(`"${name}" must be less than or equal to ${max}`);
  return parsed;
}

export function oneOf<T extends string>(query: Query, name: string, values: readonly T[], fallback: T): T {
  const value = query[name];
  if (value === undefined) return fallback;
  const match = values.find((candidate) => candidate === value);
  if (match === undefined) throw new BadRequest(`"${name}" must be one of [${values.join(", ")}]`);
  return match;
}

/** Lookup failures in strict mode, in the form clients parse to drop bad values and retry. */
export function invalidValues(name: string, values: readonly string[]): BadRequest {
  return values.length === 1
    ? new BadRequest(`Invalid value for "${name}": "${values[0]}"`)
    : new BadRequest(`Invalid values for "${name}": "${values.join(",")}"`);
}

/**
 * `aux` chooses which optional fields a record carries. Extras it may name are accepted and left
 * out: the simulator does not produce them.
 */
export function auxFields(query: Query, defaults: readonly string[], extras: readonly string[]): Set<string> {
  const requested = list(query, "aux", /^[a-z0-9_]+(,[a-z0-9_]+)*$/);
  if (!requested) return new Set(defaults);
  const unknown = requested.filter((field) => !defaults.includes(field) && !extras.includes(field));
  if (unknown.length > 0) throw invalidValues("aux", unknown);
  return new Set(requested);
}

export function pickAux(record: Record<string, unknown>, optional: readonly string[], aux: Set<string>) {
  for (const field of optional) if (!aux.has(field)) delete record[field];
  return record;
}
