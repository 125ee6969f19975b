import { registerEnumType } from "type-graphql";

export enum SortOrder {
  ASC = "ASC",
  DESC = "DESC",
}
registerEnumType(SortOrder, {
  name: "SortOrder",
  description: "Direction of a list ordered by time.",
  valuesConfig: {
    ASC: { description: "Oldest first." },
    DESC: { description: "Newest first." },
  },
});
