import { spawn } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Run, Workdir } from "dockerfile-ast";
import {
  contextFilter,
  copyPaths,
  durationMs,
  envOf,
  execForm,
  finalStage,
  flag,
  lastOf,
  type ParsedDockerfile,
  REPO_ROOT,
  type Stage,
  stageEnv,
} from "./dockerfile";

/** What `docker build` would have produced, laid out in a temporary folder per stage. */
export interface ReplayedImage {
  /** The final stage's WORKDIR, inside the folder standing for its filesystem root: where CMD runs. */
  workdir: string;
  /** ENV of the final stage: the container's environment before `docker run -e`. */
  env: Record<string, string>;
  cmd: string[];
  healthcheck: { argv: string[]; timeoutMs: number };
  user: string;
  remove(): Promise<void>;
}

const GLOB = /[*?[]/;

/**
 * Replays the Dockerfile without a Docker engine: each stage gets a folder standing for its
 * filesystem root; WORKDIR, ENV, COPY (from the build context filtered by .dockerignore, or
 * `--from` an earlier stage) and RUN (`sh -c`, as Docker's shell form) act on it in order.
 * The difference from a real build: RUN uses this machine's node and npm, not the base image's,
 * and runs as the current user. `runEnv` is added to every RUN, e.g. npm settings for a warm cache.
 */
export async function replayDockerfile(
  parsed: ParsedDockerfile,
  runEnv: Record<string, string> = {},
): Promise<ReplayedImage> {
  const base = await mkdtemp(path.join(tmpdir(), "quotegraph-image-"));
  // The container's user is not root: the stage folders must be enterable by others.
  await chmod(base, 0o755);
  const remove = () => rm(base, { recursive: true, force: true });
  try {
    const ignored = contextFilter();
    // Stage folders by name and by index, as `COPY --from` may use either.
    const roots = new Map<string, string>();
    let root = base;
    let workdir = "/";
    for (const [index, stage] of parsed.stages.entries()) {
      root = path.join(base, `stage-${index}`);
      await mkdir(root, { mode: 0o755 });
      roots.set(String(index), root);
      if (stage.name) roots.set(stage.name, root);
      workdir = "/";
      const env: Record<string, string> = {};
      for (const instruction of stage.instructions) {
        const line = instruction.getRange().start.line + 1;
        Object.assign(env, envOf(instruction));
        if (instruction instanceof Workdir) {
          workdir = path.posix.resolve(workdir, instruction.getPath() ?? "");
          await mkdir(path.join(root, workdir), { recursive: true, mode: 0o755 });
        } else if (instruction.getKeyword() === "COPY") {
          const { sources, destination } = copyPaths(instruction);
          const fromStage = flag(instruction, "from");
          const fromRoot = fromStage === undefined ? undefined : roots.get(fromStage);
          if (fromStage !== undefined && !fromRoot) throw new Error(`line ${line}: no earlier stage ${fromStage}`);
          const target = path.join(root, path.posix.resolve(workdir, destination));
          const intoFolder = destination.endsWith("/") || destination === "." || sources.length > 1;
          for (const source of sources) {
            if (GLOB.test(source)) throw new Error(`line ${line}: the replay does not expand wildcards (${source})`);
            const from = fromRoot
              ? path.join(fromRoot, path.posix.resolve("/", source))
              : path.join(REPO_ROOT, path.posix.normalize(source));
            const visible = fromRoot ? () => true : (file: string) => !ignored(path.relative(REPO_ROOT, file));
            const to = intoFolder && (await isFile(from)) ? path.join(target, path.basename(from)) : target;
            await copyAsDocker(from, to, visible);
          }
        } else if (instruction instanceof Run) {
          await runShell(instruction.getArgumentsContent() ?? "", path.join(root, workdir), { ...env, ...runEnv });
        }
        // ENV is applied above; USER, EXPOSE, HEALTHCHECK and CMD describe the container: see below.
      }
    }
    const last = finalStage(parsed);
    const healthcheck = lastOf(last, "HEALTHCHECK");
    return {
      workdir: path.join(root, workdir),
      env: stageEnv(last),
      cmd: required(last, "CMD"),
      healthcheck: {
        argv: required(last, "HEALTHCHECK"),
        // Docker's default when --timeout is not given.
        timeoutMs: durationMs((healthcheck && flag(healthcheck, "timeout")) ?? "30s"),
      },
      user: lastOf(last, "USER")?.getArgumentsContent() ?? "root",
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

function required(stage: Stage, keyword: "CMD" | "HEALTHCHECK"): string[] {
  const instruction = lastOf(stage, keyword);
  const argv = instruction && execForm(instruction);
  if (!argv) throw new Error(`the final stage needs ${keyword} in exec (JSON) form`);
  return argv;
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file)).isFile();
}

/**
 * COPY semantics: a file lands at `target`; a folder's contents are merged into `target`.
 * From the build context, paths that .dockerignore excludes are not there to copy.
 */
async function copyAsDocker(from: string, target: string, visible: (file: string) => boolean): Promise<void> {
  if (!visible(from)) throw new Error(`${from} is excluded from the build context by .dockerignore`);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  if (await isFile(from)) {
    await copyFile(from, target);
    return;
  }
  for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || !visible(file)) continue;
    const destination = path.join(target, path.relative(from, file));
    await mkdir(path.dirname(destination), { recursive: true, mode: 0o755 });
    await copyFile(file, destination);
  }
}

function runShell(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], {
      cwd,
      // Like a RUN step: the stage's ENV over a minimal environment (HOME keeps npm's cache).
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: string[] = [];
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`RUN ${command} exited with ${code}:\n${output.join("")}`));
    });
  });
}
