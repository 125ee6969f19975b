import { spawn } from "node:child_process";
import path from "node:path";
import { type ServiceProcess, watchProcess } from "../service-process";
import type { ReplayedImage } from "./replay";

export type Container = ServiceProcess;

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
  return watchProcess(child);
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
