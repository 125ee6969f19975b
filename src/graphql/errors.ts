import { GraphQLError } from "graphql";

/** A client mistake: the message says what to send instead. */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });
}

/** A subscription over the caps on waiters (MAX_WAITERS_PER_CLIENT, MAX_WAITERS): the client may retry later. */
export function tooManyWaiters(cap: "max_waiters" | "max_waiters_per_client", limit: number): GraphQLError {
  const message =
    cap === "max_waiters_per_client"
      ? `this client address already holds ${limit} long polls and subscriptions, the most this service serves it at a time: end one first`
      : `this service already serves ${limit} long polls and subscriptions, its limit: retry later`;
  return new GraphQLError(message, { extensions: { code: "TOO_MANY_WAITERS", limit } });
}

/** A subscription over MAX_SUBSCRIPTIONS_PER_SOCKET. */
export function tooManySubscriptions(limit: number): GraphQLError {
  return new GraphQLError(
    `at most ${limit} operations at a time on one WebSocket connection: complete one before starting another`,
    { extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit } },
  );
}

const SHOWN = 40;

/** A client's value as an error message quotes it: JSON-escaped, and at most a short prefix. */
export function quoted(value: string): string {
  return value.length > SHOWN ? `${JSON.stringify(value.slice(0, SHOWN))}…` : JSON.stringify(value);
}
