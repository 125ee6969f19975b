import { rm } from "node:fs/promises";
import path from "node:path";
import { Client } from "pg";
import { type EmbeddedCluster, startEmbeddedPostgres } from "../../src/db/embedded";
import { quietLogger } from "./database";
import { makeDataDir } from "./processes";

/**
 * A PostgreSQL of a test's own, which it may stop and start again (on the same address, so that
 * the service's connections find it there) and whose connections it may cut: the run's shared
 * server must stay up for the other test files.
 */
export interface OwnPostgres {
  /** The URL of its database, as the superuser (the service's `DATABASE_URL`). */
  readonly url: string;
  readonly port: number;
  /** Fast shutdown: clients are disconnected, new connections refused until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Ends every other connection to its database (`pg_terminate_backend`); how many there were. */
  terminateBackends(): Promise<number>;
  /** Stops it if running and removes its data. */
  remove(): Promise<void>;
}

export async function startOwnPostgres(prefix: string): Promise<OwnPostgres> {
  const dir = await makeDataDir(prefix);
  const clusterDir = path.join(dir, "cluster");
  let cluster: EmbeddedCluster | undefined = await startEmbeddedPostgres(clusterDir, quietLogger);
  const { user, password, host, port, database } = cluster;
  const url = `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
  return {
    url,
    port,
    async stop() {
      await cluster?.stop();
      cluster = undefined;
    },
    async start() {
      cluster ??= await startEmbeddedPostgres(clusterDir, quietLogger, { port });
    },
    async terminateBackends() {
      const admin = new Client({ connectionString: url });
      await admin.connect();
      try {
        const { rows } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [database],
        );
        return rows.length;
      } finally {
        await admin.end();
      }
    },
    async remove() {
      await cluster?.stop();
      cluster = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
