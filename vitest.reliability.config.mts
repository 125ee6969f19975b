import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mts";

/**
 * `npm run test:reliability`: the service under faults, outages and hostile input, end to end. Slower
 * than `npm test` and run after it by .ci/run; its figures are kept in docs/reliability.md.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ["test/reliability/**/*.test.ts"],
      exclude: [],
      testTimeout: 300_000,
      hookTimeout: 120_000,
      // One scenario at a time: each measures the service, not its neighbours.
      fileParallelism: false,
    },
  }),
);
