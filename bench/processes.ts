import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Where the servers' output goes: one file each, named in errors. */
export const LOG_DIR = mkdtempSync(path.join(tmpdir(), "quotegraph-bench-"));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Servers started and not yet exited: ended with the bench, however it ends (a crash included). */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  pid: number;
  log: string;
  stop(): Promise<void>;
}

/**
 * Starts a server process on this Node (the npm registry's `node` package of the bench: every
 * target runs on the same Node) and resolves once it is ready.
 */
export async function startServer(options: {
  name: string;
  script: string;
  args?: string[];
  env: Record<string, string>;
  port: number;
  /** Whether the server at this base URL is ready to serve. */
  ready: (url: string) => Promise<boolean>;
  cwd?: string;
}): Promise<Server & { startedMs: number }> {
  const log = path.join(LOG_DIR, `${options.name.replace(/\W+/g, "-")}-${options.port}.log`);
  const out = createWriteStream(log);
  const began = performance.now();
  const child = spawn(process.execPath, [options.script, ...(options.args ?? [])], {
    env: options.env,
    cwd: options.cwd ?? tmpdir(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exited = code;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${options.port}`;
  for (;;) {
    if (exited !== undefined) throw new Error(`${options.name} exited with ${exited} before it was ready; see ${log}`);
    if (performance.now() - began > 120_000) throw new Error(`${options.name} not ready after 120 s; see ${log}`);
    if (await options.ready(url).catch(() => false)) break;
    await sleep(10);
  }
  const startedMs = performance.now() - began;
  return {
    name: options.name,
    url,
    child,
    pid: child.pid as number,
    log,
    startedMs,
    async stop() {
      if (exited !== undefined) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Clock ticks a second, as /proc counts CPU time (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident memory of a process now, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/**
 * CPU seconds by PostgreSQL backend of `database` (pid → seconds): the database's share of a read.
 * Backends are found by their process title, "postgres: [cluster: ]user database host(port) state".
 */
const BACKEND_TITLE = /^postgres: (?:[^:\s]+: )?\S+ (\S+) \S+\(\d+\)/;

export function databaseCpu(database: string): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (BACKEND_TITLE.exec(cmdline)?.[1] === database) {
        found.set(Number(entry), cpuSeconds(Number(entry)));
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Backend CPU used between two `databaseCpu` readings; backends that started in between count from 0. */
export function databaseCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Ready once GET `path` answers 200. */
export const answers200 =
  (path: string, init?: RequestInit) =>
  async (url: string): Promise<boolean> => {
    const response = await fetch(url + path, init);
    await response.arrayBuffer();
    return response.status === 200;
  };
