import { Client } from "pg";
import type { EntityManager, QueryRunner } from "typeorm";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../src/db/availability";
import { useDatabase } from "./support/database";

describe("isDatabaseUnavailable, on errors a real outage gives", () => {
  const db = useDatabase({ dataSource: "migrated" });

  it.each([
    ["its COMMIT", "QueryRunnerAlreadyReleasedError", async () => undefined],
    [
      "its next statement",
      "QueryRunnerProviderAlreadyReleasedError",
      async (tx: EntityManager) => tx.query(`SELECT 1`),
    ],
  ])(
    "counts a transaction whose connection was cut between two statements: %s finds it released (%s)",
    async (_, name, next) => {
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      let runner: QueryRunner | undefined;
      const failure = await db.ds
        .transaction(async (tx) => {
          runner = tx.queryRunner;
          const [{ pid }] = await tx.query(`SELECT pg_backend_pid() AS pid`);
          // Idle in its transaction, as a run's connection is between its INSERT and its COMMIT.
          await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
          await expect.poll(() => runner?.isReleased).toBe(true);
          await next(tx);
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        )
        .finally(() => admin.end());
      expect(failure).toMatchObject({ name });
      expect(isDatabaseUnavailable(failure)).toBe(true);
      // What the pool hands out next works.
      expect(await db.ds.query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    },
  );

  it("does not count a statement that failed on its own", async () => {
    const failure = await db.ds.query(`SELECT 1/0`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: "22012" });
    expect(isDatabaseUnavailable(failure)).toBe(false);
  });
});
