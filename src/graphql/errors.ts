import { GraphQLError } from "graphql";

/** A client mistake: the message says what to send instead. */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });
}
