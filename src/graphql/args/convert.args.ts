import { ArgsType, Field } from "type-graphql";
import { badUserInput, quoted } from "../errors";

/** The contract's default quote currency, also when a client sends an explicit null. */
export const DEFAULT_CONVERT = "USD";

@ArgsType()
export class ConvertArgs {
  @Field(() => String, { nullable: true, description: "Quote currency; one of those the service collects." })
  convert: string = DEFAULT_CONVERT;
}

/** Quote currencies are stored upper-case; only configured ones exist. */
export function checkConvert(convert: string, configured: readonly string[]): string {
  const code = convert.trim().toUpperCase();
  if (!configured.includes(code)) {
    throw badUserInput(
      `convert ${quoted(convert)} is not collected by this service; use one of ${configured.join(", ")} (set by CONVERT)`,
    );
  }
  return code;
}
