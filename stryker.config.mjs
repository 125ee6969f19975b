// Mutation testing of the modules without I/O: `npm run test:mutation` (not part of `npm test` or CI).
// See docs/testing.md for what it covers and the last measured score.

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  // Only the fast unit tests of these modules, without the global setup that starts PostgreSQL.
  vitest: { configFile: "vitest.mutation.config.mts", related: false },
  coverageAnalysis: "perTest",
  mutate: [
    "src/config.ts",
    "src/coinmarketcap/credits.ts",
    "src/graphql/cursor.ts",
    "src/ingestion/backoff.ts",
    "src/graphql/limits.ts",
    "src/graphql/cache-control.ts",
    "src/graphql/types/candle-interval.ts",
  ],
  // Stryker copies the project into .stryker-tmp/sandbox-*/ (node_modules is linked, not copied).
  // Local data (embedded PostgreSQL clusters), build output and secrets stay out of the copy.
  ignorePatterns: ["/data", "/dist", "/coverage", "/reports", "/bench", "/docs", "/.env"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  // Stryker would rewrite tsconfig.json's `extends`/`references` in the sandbox with TypeScript's JS
  // API, which TypeScript 7 no longer has; ours point nowhere outside the project, so name no file.
  // (For the same reason the TypeScript checker plugin is not used: vitest's transform is the check.)
  tsconfigFile: "no-tsconfig-rewrite",
  reporters: ["clear-text", "progress", "html", "json"],
  thresholds: { high: 90, low: 80, break: 80 },
};
