import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { describe, expect, it } from "vitest";
import { migrations } from "../src/db/migrations";
import { useDatabase } from "./support/database";
import { useDataDir } from "./support/processes";

const run = promisify(execFile);
const CLI = path.resolve(__dirname, "../node_modules/typeorm/cli.js");
const ORMCONFIG = path.resolve(__dirname, "../dist/ormconfig.js");

/** What `npm run migration:run` / `migration:revert` execute, after building. */
function typeorm(command: "migration:run" | "migration:revert" | "migration:show", env: Record<string, string>) {
  return run(process.execPath, [CLI, command, "-d", ORMCONFIG], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "info", ...env },
  });
}

describe("the TypeORM CLI on the service's own DataSource", () => {
  const db = useDatabase();
  const dataDir = useDataDir("cli");

  it("runs and reverts migrations on an external database (DATABASE_URL)", async () => {
    const applied = await typeorm("migration:run", { DATABASE_URL: db.url });
    expect(applied.stdout).toContain("Migration InitialSchema1795890000000 has been executed successfully");
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const tables = async () =>
      (await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'price_quote'`))
        .rows[0].n;
    expect(await tables()).toBe(1);
    const reverted = await typeorm("migration:revert", { DATABASE_URL: db.url });
    expect(reverted.stdout).toMatch(/Migration \w+ has been reverted successfully/);
    for (let more = migrations.length - 1; more > 0; more--)
      await typeorm("migration:revert", { DATABASE_URL: db.url });
    expect(await tables()).toBe(0);
    await client.end();
  });

  it("runs and reverts migrations on the embedded database, leaving no PostgreSQL running", async () => {
    const applied = await typeorm("migration:run", { DATA_DIR: dataDir.path });
    expect(applied.stdout).toContain("has been executed successfully");
    const shown = await typeorm("migration:show", { DATA_DIR: dataDir.path });
    expect(shown.stdout).toContain("[X]");
    const reverted = await typeorm("migration:revert", { DATA_DIR: dataDir.path });
    expect(reverted.stdout).toContain("has been reverted successfully");
    // A second run would refuse to start if the first had left PostgreSQL holding the directory.
    const again = await typeorm("migration:run", { DATA_DIR: dataDir.path });
    expect(again.stdout).toContain("has been executed successfully");
  });
});
