import { readFileSync } from "node:fs";
import path from "node:path";
import { print } from "@0no-co/graphql.web";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { DOCUMENTS } from "../web/src/graphql";

/**
 * gql.tada types what the dashboard reads from each document (a retyped field breaks `tsc -p web`);
 * graphql-js checks here what it asks for: a field the schema no longer has fails this test.
 */
describe("the dashboard's GraphQL documents", () => {
  const schema = buildSchema(readFileSync(path.resolve(__dirname, "../schema.graphql"), "utf8"));

  it.each(Object.entries(DOCUMENTS))("%s is valid against schema.graphql", (_name, document) => {
    expect(validate(schema, parse(print(document))).map((error) => error.message)).toEqual([]);
  });

  it("fails a document that asks for a field the schema does not have", () => {
    const stale = print(DOCUMENTS.IngestionQuery).replace("converts", "currencies");
    expect(validate(schema, parse(stale)).map((error) => error.message)).toEqual([
      'Cannot query field "currencies" on type "IngestionState".',
    ]);
  });
});
