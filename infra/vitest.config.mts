import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Synthesizing the stack takes seconds (cdk synth spawns the app).
    testTimeout: 120_000,
  },
});
