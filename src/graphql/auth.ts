import { createHash, timingSafeEqual } from "node:crypto";
import { GraphQLError } from "graphql";
import type { AuthChecker } from "type-graphql";
import type { GraphQLContext } from "./context";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function callerOf(authorization: string | undefined, adminToken: string | undefined): GraphQLContext["caller"] {
  if (!authorization) return "anonymous";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match || adminToken === undefined) return "invalid";
  return timingSafeEqual(digest(match[1]), digest(adminToken)) ? "admin" : "invalid";
}

/** For `@Authorized()` fields: mutations need `Authorization: Bearer $ADMIN_TOKEN`. */
export const authChecker: AuthChecker<GraphQLContext> = ({ context }) => {
  if (!context.adminConfigured) {
    throw new GraphQLError("mutations are disabled: the server has no ADMIN_TOKEN configured", {
      extensions: { code: "FORBIDDEN" },
    });
  }
  if (context.caller !== "admin") {
    throw new GraphQLError(
      context.caller === "anonymous"
        ? "this operation needs the header Authorization: Bearer <ADMIN_TOKEN>"
        : "the bearer token is not the admin token",
      { extensions: { code: "UNAUTHENTICATED" } },
    );
  }
  return true;
};
