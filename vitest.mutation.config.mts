import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/**
 * The unit tests of the modules `npm run test:mutation` mutates (see stryker.config.json): no
 * PostgreSQL, no network, so no global setup. Used only by Stryker; `npm test` runs these files too.
 */
export default defineConfig({
  resolve: {
    // As in vitest.config.mts: graphql must load once ("another module or realm").
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    include: ["test/config.test.ts", "test/coinmarketcap-credits.test.ts", "test/unit-*.test.ts"],
    // A test file that cannot even load counts as a failed test, as it should (see the reporter).
    reporters: ["default", "./test/support/load-failure-reporter.ts"],
  },
});
