import { readFileSync } from "node:fs";
import path from "node:path";
import {
  astFromValue,
  buildSchema as buildSdl,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  isEnumType,
  isObjectType,
  print,
} from "graphql";
import { describe, expect, it } from "vitest";
import { createSchema, printSortedSchema } from "../src/graphql/schema";

const ROOT = path.resolve(__dirname, "..");
const CONTRACT = readFileSync(path.join(__dirname, "contract/design.graphql"), "utf8");

function argument(arg: GraphQLArgument): string {
  const fallback = arg.defaultValue === undefined ? undefined : astFromValue(arg.defaultValue, arg.type);
  return `${arg.name}: ${arg.type}${fallback ? ` = ${print(fallback)}` : ""}`;
}

function signature(field: GraphQLField<unknown, unknown>): string {
  const args = field.args.map(argument).sort();
  return `${field.name}(${args.join(", ")}): ${field.type}`;
}

function shape(type: GraphQLNamedType | undefined): string[] | undefined {
  if (isObjectType(type)) return Object.values(type.getFields()).map(signature).sort();
  if (isEnumType(type))
    return type
      .getValues()
      .map((v) => v.name)
      .sort();
  return undefined;
}

describe("the GraphQL schema", () => {
  it("matches the committed schema.graphql (run `npm run schema` after changing types or resolvers)", async () => {
    const printed = printSortedSchema(await createSchema());
    expect(printed).toBe(readFileSync(path.join(ROOT, "schema.graphql"), "utf8"));
  });

  it("implements every type, field, argument, default and enum value of the contract (test/contract/design.graphql)", async () => {
    const built = await createSchema();
    const contract = buildSdl(CONTRACT);
    for (const type of Object.values(contract.getTypeMap())) {
      if (type.name.startsWith("__") || !shape(type)) continue;
      const actual = shape(built.getType(type.name));
      // Added fields are allowed; every contracted one must be there exactly.
      expect(actual, type.name).toEqual(expect.arrayContaining(shape(type) as string[]));
    }
  });
});
