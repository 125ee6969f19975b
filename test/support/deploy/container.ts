import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import type { ReplayedImage } from "./replay";

export interface Container {
  child: ChildProcess;
  /** Every line written to stdout and stderr so far. */
  output: string[];
  /** stdout lines that parsed as JSON (the service's log). */
  logs: Record<string, unknown>[];
  waitForLog(predicate: (log: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Debian's `nobody`: stands for the image's unprivileged user when the tests run as root. */
const NOBODY = 65_534;

/**
 * Runs as the image would: a non-root USER becomes `nobody` when this process is root, so files
 * the image leaves owned by root are read-only to the service, as in the container.
 */
function containerUser(image: ReplayedImage): { uid?: number; gid?: number } {
  const root = image.user === "root" || image.user === "0";
  return !root && process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
}

/** `node` in an exec-form command is the base image's node; here it is the given binary. */
function argv(command: string[], node: string): { file: string; args: string[] } {
  const [program, ...args] = command;
  if (program !== "node") throw new Error(`expected a command that runs node directly, got ${JSON.stringify(command)}`);
  return { file: node, args };
}

function environment(image: ReplayedImage, node: string, env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: `${path.dirname(node)}:/usr/bin:/bin`, ...image.env, ...env };
}

/**
 * `docker run -e ... image [command]` of the replayed image: its CMD (or `command`) in its
 * WORKDIR, with its ENV plus `env`.
 */
export function runContainer(
  image: ReplayedImage,
  node: string,
  env: Record<string, string>,
  command: string[] = image.cmd,
): Container {
  const { file, args } = argv(command, node);
  const child = spawn(file, args, {
    cwd: image.workdir,
    env: environment(image, node, env),
    stdio: ["ignore", "pipe", "pipe"],
    ...containerUser(image),
  });
  const output: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<{
    predicate: (log: Record<string, unknown>) => boolean;
    resolve: (log: Record<string, unknown>) => void;
  }>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => output.push(line));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    output.push(line);
    let log: Record<string, unknown>;
    try {
      log = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(log);
    for (const waiter of waiters) {
      if (!waiter.predicate(log)) continue;
      waiters.delete(waiter);
      waiter.resolve(log);
    }
  });
  return {
    child,
    output,
    logs,
    exited,
    waitForLog(predicate) {
      const seen = logs.find(predicate);
      if (seen) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiters.add({ predicate, resolve })),
        exited.then(({ code, signal }) => {
          throw new Error(`the service exited (${code ?? signal}) before the awaited log line:\n${output.join("\n")}`);
        }),
      ]);
    },
  };
}

/** Docker's health probe: the HEALTHCHECK command inside the running container; resolves to its exit code. */
export function probeHealth(image: ReplayedImage, node: string, env: Record<string, string>): Promise<number | null> {
  const { file, args } = argv(image.healthcheck.argv, node);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: image.workdir,
      env: environment(image, node, env),
      stdio: "ignore",
      // Docker counts a probe that outlives --timeout as failed.
      timeout: image.healthcheck.timeoutMs,
      ...containerUser(image),
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
}
