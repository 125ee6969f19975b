import {
  Validate,
  type ValidationArguments,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from "class-validator";
import { ArgsType, Field } from "type-graphql";
import { ConvertArgs } from "./convert.args";

/** Time ranges are half-open, from ≤ lastUpdated < to, so an empty or inverted range is a client mistake. */
@ValidatorConstraint({ name: "fromBeforeTo" })
class FromBeforeTo implements ValidatorConstraintInterface {
  validate(_to: unknown, { object }: ValidationArguments): boolean {
    const { from, to } = object as TimeRangeArgs;
    return !from || !to || from.getTime() < to.getTime();
  }

  defaultMessage({ object }: ValidationArguments): string {
    const { from, to } = object as Required<TimeRangeArgs>;
    return (
      `from must be earlier than to (the range is from ≤ lastUpdated < to); got from ${from?.toISOString()} ` +
      `and to ${to?.toISOString()}: send a from before to, or leave either out`
    );
  }
}

/** A currency and a time range over `lastUpdated`: what every time series of an asset takes. */
@ArgsType()
export class TimeRangeArgs extends ConvertArgs {
  @Field(() => Date, { nullable: true, description: "Only quotes with lastUpdated at or after this instant." })
  from?: Date | null;

  @Validate(FromBeforeTo)
  @Field(() => Date, { nullable: true, description: "Only quotes with lastUpdated before this instant (excluded)." })
  to?: Date | null;
}
