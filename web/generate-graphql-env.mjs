/**
 * Writes web/src/graphql-env.d.ts, the API's schema.graphql as the types gql.tada checks the
 * dashboard's documents against: a field the contract drops or retypes breaks the web build.
 *
 * These are the two steps of `gql.tada generate output`, called directly: its CLI reads tsconfig.json
 * through TypeScript's JavaScript API, which TypeScript 7 no longer ships.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { loadRef, minifyIntrospection, outputIntrospectionFile } from "@gql.tada/internal";

const root = path.resolve(import.meta.dirname, "..");
const output = path.join(import.meta.dirname, "src/graphql-env.d.ts");
const schema = await loadRef({ schema: "./schema.graphql" }).load({ rootPath: root });
await writeFile(
  output,
  outputIntrospectionFile(minifyIntrospection(schema.current.introspection), {
    fileType: output,
    shouldPreprocess: true,
  }),
);
