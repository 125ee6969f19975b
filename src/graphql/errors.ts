import { GraphQLError } from "graphql";

/** A client mistake: the message says what to send instead. */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });
}

const SHOWN = 40;

/** A client's value as an error message quotes it: JSON-escaped, and at most a short prefix. */
export function quoted(value: string): string {
  return value.length > SHOWN ? `${JSON.stringify(value.slice(0, SHOWN))}…` : JSON.stringify(value);
}
