import "reflect-metadata";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createSchema, printSortedSchema } from "./schema";

/** `npm run schema`: writes schema.graphql, the reviewed SDL that a test keeps in step with the code. */
createSchema().then(
  (schema) => {
    const file = path.resolve(__dirname, "../../../schema.graphql");
    writeFileSync(file, printSortedSchema(schema));
    process.stdout.write(`wrote ${file}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`quotegraph: cannot build the schema: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
