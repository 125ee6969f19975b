import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { type EmbeddedCluster, startEmbeddedPostgres } from "../../src/db/embedded";
import { createLogger } from "../../src/logger";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the tests use; each test file makes its own database in it. */
    postgresUrl: string;
  }
}

/** One PostgreSQL for the run: TEST_DATABASE_URL when set, else an embedded one in a temporary folder. */
export default async function setup(project: TestProject) {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide("postgresUrl", external);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), "quotegraph-test-"));
  // Run as root, PostgreSQL runs as user postgres, which must be able to enter the folder.
  await chmod(dir, 0o755);
  let cluster: EmbeddedCluster | undefined;
  try {
    cluster = await startEmbeddedPostgres(
      path.join(dir, "cluster"),
      createLogger({ logLevel: "warn", nodeEnv: "test" }),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { user, password, host, port, database } = cluster;
  project.provide("postgresUrl", `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}`);
  return async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
