import type { RunnerTestCase } from "vitest";
import type { Reporter, Vitest } from "vitest/node";

/**
 * For mutation runs only (vitest.mutation.config.mts). Stryker's vitest runner scores a mutant from
 * the tests it collects, and a test file whose imports throw collects none, so a mutant that stops a
 * module from loading (a schema or a constant built at import) would count as survived although
 * every test of that module fails (stryker-js#6150, open in 9.6.1 and 10.0). This reporter gives
 * each test file that failed without a test one failed test carrying the load error.
 */
export default class LoadFailureAsFailedTest implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(): void {
    for (const file of this.#vitest?.state.getFiles() ?? []) {
      if (file.result?.state !== "fail" || file.tasks.length > 0) continue;
      // Only the fields Stryker reads: the id and name it reports, the file, the failed result.
      const loads = {
        type: "test",
        id: `${file.id}_load`,
        name: "loads",
        mode: "run",
        file,
        suite: undefined,
        meta: {},
        result: { state: "fail", errors: file.result.errors },
      } as unknown as RunnerTestCase;
      file.tasks.push(loads);
    }
  }
}
