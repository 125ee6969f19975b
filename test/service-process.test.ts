import { spawn as spawnChild } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { Client } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, useDatabase } from "./support/database";
import { graphql } from "./support/graphql";
import { alive, useDataDir } from "./support/processes";
import { isReady, MAIN, type ServiceProcess, spawnService as spawn } from "./support/service-process";

const SECRET = "planted-secret-4f9a1c77e2";
const secretEnv = { CMC_API_KEY: SECRET, ADMIN_TOKEN: `${SECRET}-admin`, CMC_BASE_URL: "http://127.0.0.1:9" };

const running: ServiceProcess[] = [];
function spawnService(...args: Parameters<typeof spawn>): ServiceProcess {
  const service = spawn(...args);
  running.push(service);
  return service;
}

describe("the service process", () => {
  const dataDir = useDataDir("data");

  // A failed assertion must not leave a service (and its PostgreSQL) running into the next test.
  afterEach(async () => {
    for (const service of running.splice(0)) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill("SIGTERM");
        await service.exited;
      }
    }
  });

  it("starts on the embedded database with no configuration, stops on SIGTERM leaving nothing behind, and reuses its data", async () => {
    const first = spawnService({ DATA_DIR: dataDir.path });
    const embedded = await first.waitForLog((l) => l.msg === "created and started embedded PostgreSQL");
    const serving = await first.waitForLog(isReady);
    const url = String(serving.url).replace(/\/graphql$/, "");
    const { body } = await graphql(url, "{ ingestion { enabled source } }");
    // Whether or not the sandbox answers, nothing has refused a key: ingestion stays enabled.
    expect(body.data.ingestion).toEqual({ enabled: true, source: "coinmarketcap-sandbox" });

    const pgdata = String(embedded.dataDir);
    const postmasterPid = Number(readFileSync(path.join(pgdata, "postmaster.pid"), "utf8").split("\n")[0]);
    expect(alive(postmasterPid)).toBe(true);
    // Something to find again after a restart.
    const client = new Client({
      host: "127.0.0.1",
      port: Number(embedded.port),
      user: "postgres",
      database: "quotegraph",
      password: readFileSync(path.join(path.dirname(pgdata), "password"), "utf8"),
    });
    await client.connect();
    await client.query(
      `INSERT INTO asset (cmc_id, symbol, name, slug, tracked) VALUES (1, 'BTC', 'Bitcoin', 'bitcoin', true)`,
    );
    await client.end();

    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(alive(postmasterPid)).toBe(false);
    expect(existsSync(path.join(pgdata, "postmaster.pid"))).toBe(false);

    const second = spawnService({ DATA_DIR: dataDir.path });
    const restarted = await second.waitForLog((l) => String(l.msg).endsWith("embedded PostgreSQL"));
    expect(restarted.msg).toBe("started embedded PostgreSQL");
    expect(restarted.created).toBe(false);
    const again = String((await second.waitForLog(isReady)).url).replace(/\/graphql$/, "");
    const assets = await graphql(again, "{ assets { nodes { cmcId symbol tracked } } }");
    expect(assets.body.data.assets.nodes).toEqual([{ cmcId: 1, symbol: "BTC", tracked: true }]);
    expect(second.logs.some((l) => l.msg === "applied database migrations")).toBe(false);

    // Ctrl-C in a terminal signals the whole process group, embedded PostgreSQL included.
    second.child.kill("SIGINT");
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(path.join(pgdata, "postmaster.pid"))).toBe(false);

    for (const line of [...first.output, ...second.output]) expect(line).not.toContain(SECRET);
  });

  it("stops cleanly when Ctrl-C reaches the whole process group", async () => {
    const service = spawnService({ DATA_DIR: dataDir.path }, { detached: true });
    const embedded = await service.waitForLog((l) => String(l.msg).endsWith("embedded PostgreSQL"));
    await service.waitForLog(isReady);
    const pgdata = String(embedded.dataDir);
    const postmasterPid = Number(readFileSync(path.join(pgdata, "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(-(service.child.pid as number), "SIGINT");
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(alive(postmasterPid)).toBe(false);
  });

  it("in a terminal: one readable line per entry, ends its start-up saying where to go, and Ctrl-C warns of nothing", async () => {
    // util-linux `script` gives the service a pseudo-terminal; a ^C typed into it signals its process group.
    const child = spawnChild("script", ["-qfec", `exec ${process.execPath} ${MAIN}`, "/dev/null"], {
      env: {
        PATH: process.env.PATH ?? "",
        TERM: "dumb",
        DATA_DIR: dataDir.path,
        PORT: "0",
        HOST: "127.0.0.1",
        ...secretEnv,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const exited = once(child, "exit");
    let output = "";
    const ready = new Promise<void>((resolve) =>
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
        if (/ready: [^\n]*\n/.test(output) && /cannot be reached[^\n]*\n/.test(output)) resolve();
      }),
    );
    await ready;
    child.stdin?.write("\x03");
    expect(await exited).toEqual([0, null]);

    const lines = output.split(/\r?\n/).filter(Boolean);
    for (const line of lines) expect(line).toMatch(/^(\^C)?\[\d\d:\d\d:\d\d\] (INFO|WARN): [^{}]+$/);
    const port = /GraphQL http:\/\/127\.0\.0\.1:(\d+)\/graphql/.exec(output)?.[1];
    expect(lines.find((l) => l.includes("ready: "))?.replace(/^.*?ready: /, "ready: ")).toBe(
      `ready: dashboard http://127.0.0.1:${port}/ · GraphQL http://127.0.0.1:${port}/graphql · prices from custom · schedule */5 * * * *`,
    );
    // CMC_BASE_URL points at a closed port: said once, in words, with what to do.
    // (A busy machine may also warn of a slow statement.)
    expect(lines.filter((l) => l.includes("WARN") && !l.endsWith("WARN: slow sql"))).toEqual([
      expect.stringMatching(/WARN: CoinMarketCap cannot be reached \(.*\).*`npm run demo`/),
    ]);
    const afterCtrlC = lines.slice(lines.findIndex((l) => l.includes("shutting down")));
    expect(afterCtrlC.filter((l) => !l.includes("INFO"))).toEqual([]);
    expect(afterCtrlC.at(-1)).toMatch(/INFO: stopped$/);
    expect(output).not.toContain(SECRET);
  });

  it("stops on SIGHUP (the terminal closed) like on SIGTERM, taking its PostgreSQL down", async () => {
    const service = spawnService({ DATA_DIR: dataDir.path });
    const embedded = await service.waitForLog((l) => String(l.msg).endsWith("embedded PostgreSQL"));
    await service.waitForLog(isReady);
    const postmasterPid = Number(
      readFileSync(path.join(String(embedded.dataDir), "postmaster.pid"), "utf8").split("\n")[0],
    );
    service.child.kill("SIGHUP");
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.logs.find((l) => l.msg === "shutting down")).toMatchObject({ signal: "SIGHUP" });
    expect(alive(postmasterPid)).toBe(false);
  });

  it("stops and reuses the embedded PostgreSQL a killed service left running on its data folder", async () => {
    const killed = spawnService({ DATA_DIR: dataDir.path });
    const embedded = await killed.waitForLog((l) => String(l.msg).endsWith("embedded PostgreSQL"));
    await killed.waitForLog(isReady);
    const pgdata = String(embedded.dataDir);
    const orphan = Number(readFileSync(path.join(pgdata, "postmaster.pid"), "utf8").split("\n")[0]);
    killed.child.kill("SIGKILL");
    await killed.exited;
    expect(alive(orphan)).toBe(true);

    const next = spawnService({ DATA_DIR: dataDir.path });
    const ready = await next.waitForLog(isReady);
    expect(next.logs.find((l) => l.pid === orphan)).toMatchObject({
      level: 40,
      dataDir: pgdata,
      msg: "stopped the embedded PostgreSQL a service that is gone left running on this data folder; starting it again",
    });
    expect(alive(orphan)).toBe(false);
    const { body } = await graphql(String(ready.url).replace(/\/graphql$/, ""), "{ ingestion { source } }");
    expect(body.data.ingestion).toEqual({ source: "coinmarketcap-sandbox" });
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ DB_SSL: "maybe" }, "DB_SSL"],
    [{ INGEST_CRON: "61 * * * *" }, "INGEST_CRON"],
    [{ CONVERT: "us dollars" }, "CONVERT"],
    [{ DATABASE_URL: `postgres://user:${SECRET}@host:port/db` }, "DATABASE_URL"],
  ])("exits non-zero with one line naming the variable for %o", async (env, variable) => {
    const service = spawnService({ ...secretEnv, DATA_DIR: dataDir.path, ...env });
    const { code } = await service.exited;
    expect(code).toBe(2);
    const lines = service.output.filter((line) => line.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^quotegraph: invalid configuration: ${variable} `));
    expect(lines[0]).not.toContain(SECRET);
  });

  describe("against an external PostgreSQL", () => {
    const db = useDatabase();

    it("stops within SHUTDOWN_TIMEOUT_MS even when a client keeps its connection open and never reads", async () => {
      const own = await createTestDatabase();
      const service = spawnService({ ...secretEnv, DATABASE_URL: own.url, SHUTDOWN_TIMEOUT_MS: "4000" });
      const serving = await service.waitForLog(isReady);
      const { hostname, port } = new URL(String(serving.url));
      const socket = connect(Number(port), hostname);
      await once(socket, "connect");
      socket.write(
        `GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: ${hostname}\r\napollo-require-preflight: 1\r\nConnection: keep-alive\r\n\r\n`,
      );
      // The client stops reading: it will never notice the server closing its side.
      socket.pause();
      await service.waitForLog((l) => l.msg === "request completed");
      service.child.kill("SIGTERM");
      expect((await service.exited).code, service.output.join("\n")).toBe(0);
      expect(service.logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          "stopped long polls",
          "stopped http",
          "stopped ingestion",
          "stopped database",
          "stopped",
        ]),
      );
      socket.destroy();
      await own.drop();
    });

    it("connects with DATABASE_URL, migrates, serves, and never logs the password", async () => {
      const role = `qg_role_${db.name.slice(-6)}`;
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${SECRET}'`);
      await admin.query(`GRANT ALL ON SCHEMA public TO ${role}`);
      await admin.end();
      const url = new URL(db.url);
      url.username = role;
      url.password = SECRET;
      const service = spawnService({ ...secretEnv, DATABASE_URL: url.toString() });
      const connected = await service.waitForLog((l) => l.msg === "database connected");
      expect(String(connected.database)).toContain(`/${db.name} as ${role}`);
      const serving = await service.waitForLog(isReady);
      const base = String(serving.url).replace(/\/graphql$/, "");
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      const get = await fetch(`${base}/graphql?query=${encodeURIComponent("{ ingestion { source } }")}`, {
        headers: { "apollo-require-preflight": "1", authorization: `Bearer ${SECRET}-admin` },
      });
      expect(get.status).toBe(200);
      // One line per request: method, path without the query string, status; no headers, no body.
      const logged = await service.waitForLog((l) => (l.req as { method?: string })?.method === "GET");
      expect(logged).toMatchObject({
        msg: "request completed",
        req: { method: "GET", path: "/graphql" },
        res: { status: 200 },
      });
      expect(JSON.stringify(logged)).not.toMatch(/ingestion|authorization|Bearer/i);
      service.child.kill("SIGTERM");
      expect((await service.exited).code, service.output.join("\n")).toBe(0);
      const cleanup = new Client({ connectionString: db.url });
      await cleanup.connect();
      await cleanup.query(`DROP OWNED BY ${role}`);
      await cleanup.query(`DROP ROLE ${role}`);
      await cleanup.end();
      expect(service.output.length).toBeGreaterThan(3);
      for (const line of service.output) expect(line).not.toContain(SECRET);
    });
  });
});
