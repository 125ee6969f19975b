import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../src/db/embedded";
import { quietLogger } from "./support/database";
import { alive, useDataDir } from "./support/processes";

describe("embedded PostgreSQL", () => {
  const dir = useDataDir("embedded");

  it("creates a cluster, keeps its data across restarts, refuses a second owner, and leaves no process after stop", async () => {
    const clusterDir = path.join(dir.path, "cluster");
    const first = await startEmbeddedPostgres(clusterDir, quietLogger);
    const pid = Number(readFileSync(path.join(first.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    expect(alive(pid)).toBe(true);
    const connect = async (c: typeof first) => {
      const client = new Client({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        database: c.database,
      });
      await client.connect();
      return client;
    };
    const client = await connect(first);
    await client.query("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
    await client.end();

    await expect(startEmbeddedPostgres(clusterDir, quietLogger)).rejects.toThrow(
      new RegExp(`an embedded PostgreSQL \\(pid ${pid}\\) from an earlier run still holds`),
    );

    await first.stop();
    expect(alive(pid)).toBe(false);

    const second = await startEmbeddedPostgres(clusterDir, quietLogger);
    expect(second.password).toBe(first.password);
    const again = await connect(second);
    expect((await again.query("SELECT v FROM kept")).rows).toEqual([{ v: 42 }]);
    expect((await again.query("SHOW listen_addresses")).rows[0].listen_addresses).toBe("127.0.0.1");
    await again.end();
    await second.stop();
  });

  it("refuses a password-less login", async () => {
    const cluster = await startEmbeddedPostgres(path.join(dir.path, "auth"), quietLogger);
    try {
      const client = new Client({
        host: cluster.host,
        port: cluster.port,
        user: cluster.user,
        password: "wrong",
        database: cluster.database,
      });
      await expect(client.connect()).rejects.toThrow(/password authentication failed/);
    } finally {
      await cluster.stop();
    }
  });
});

describe.runIf(process.getuid?.() === 0)("embedded PostgreSQL started by an ordinary user", () => {
  it("runs as that user without creating or switching users", async () => {
    const { execFile } = await import("node:child_process");
    const { userInfo } = await import("node:os");
    const nobody = { uid: Number(await id("-u")), gid: Number(await id("-g")) };
    const dir = await mkdtemp(path.join(tmpdir(), "quotegraph-user-"));
    await chmod(dir, 0o777);
    const script = `
      const { startEmbeddedPostgres } = require(${JSON.stringify(path.resolve(__dirname, "../dist/src/db/embedded.js"))});
      const { createLogger } = require(${JSON.stringify(path.resolve(__dirname, "../dist/src/logger.js"))});
      (async () => {
        const c = await startEmbeddedPostgres(${JSON.stringify(path.join(dir, "c"))}, createLogger({ logLevel: "silent", nodeEnv: "test" }));
        const { Client } = require(${JSON.stringify(require.resolve("pg"))});
        const client = new Client({ host: c.host, port: c.port, user: c.user, password: c.password, database: c.database });
        await client.connect();
        const { rows } = await client.query("SELECT current_setting('data_directory') AS d");
        await client.end();
        await c.stop();
        process.stdout.write(JSON.stringify({ uid: process.getuid(), dataDirectory: rows[0].d }));
      })().catch((e) => { process.stderr.write(String(e.stack)); process.exit(1); });`;
    try {
      const output = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ["-e", script],
          { ...nobody, cwd: dir, env: { PATH: process.env.PATH ?? "" } },
          (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
        ),
      );
      expect(JSON.parse(output)).toEqual({ uid: nobody.uid, dataDirectory: path.join(dir, "c", "pgdata") });
      expect(userInfo().uid).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    function id(flag: string): Promise<string> {
      return new Promise((resolve, reject) =>
        execFile("id", [flag, "nobody"], (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))),
      );
    }
  });
});
