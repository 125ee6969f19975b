import { IsInt, Max, Min, type ValidationArguments, validate } from "class-validator";
import { Extensions } from "type-graphql";
import { badUserInput, quoted } from "../errors";

export interface Bounds {
  min: number;
  max: number;
}

export const boundsMessage = (name: string, { min, max }: Bounds, value: unknown): string =>
  `${name} must be a whole number from ${min} to ${max}; got ${value}`;

/**
 * A whole number from `min` to `max`: the bounds of a page size or a wait, declared once on the
 * argument. class-validator holds them when the resolver runs; the schema carries them (as the
 * argument's `bounds` extension) for the cost limit, which checks them before anything runs.
 */
export function Bounded(min: number, max: number): PropertyDecorator {
  const options = {
    message: ({ property, value }: ValidationArguments) => boundsMessage(property, { min, max }, value),
  };
  return (target, property) => {
    IsInt(options)(target, property);
    Min(min, options)(target, property);
    Max(max, options)(target, property);
    Extensions({ bounds: { min, max } satisfies Bounds })(target, property);
  };
}

/**
 * type-graphql's `validateFn` for every `@Args()` class: an argument sent as an explicit null means
 * its default (as the contract's `first: Int = 100` promises), then class-validator checks the
 * decorators. The first violation becomes a BAD_USER_INPUT error.
 */
export async function validateArgs(args: unknown): Promise<void> {
  refuseNul(args);
  if (args === null || typeof args !== "object" || Array.isArray(args)) return;
  const values = args as Record<string, unknown>;
  const defaults = new (args.constructor as new () => Record<string, unknown>)();
  for (const [name, value] of Object.entries(values)) {
    if (value === null && defaults[name] !== undefined) values[name] = defaults[name];
  }
  const [violation] = await validate(values, { forbidUnknownValues: false });
  if (violation) {
    throw badUserInput(Object.values(violation.constraints ?? {})[0] ?? `${violation.property} is not valid`);
  }
}

/** PostgreSQL text cannot hold U+0000: a string argument with one is refused before it gets there. */
function refuseNul(value: unknown): void {
  const strings =
    typeof value === "string"
      ? [value]
      : value !== null && typeof value === "object"
        ? Object.values(value).flatMap((v) => (Array.isArray(v) ? v : [v]))
        : [];
  for (const text of strings) {
    if (typeof text === "string" && text.includes("\u0000")) {
      throw badUserInput(`text arguments cannot contain the NUL character (U+0000); got ${quoted(text)}`);
    }
  }
}
