import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/**
 * `npm run test:reliability`: the service under faults, outages and hostile input, end to end. Slower
 * than `npm test` and run after it by .ci/run; its figures are kept in docs/reliability.md.
 */
export default defineConfig({
  resolve: {
    // As in vitest.config.mts: graphql must load once ("another module or realm").
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    include: ["test/reliability/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: "forks",
    // One scenario at a time: each measures the service, not its neighbours.
    fileParallelism: false,
  },
});
