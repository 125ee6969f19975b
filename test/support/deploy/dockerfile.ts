import { readFileSync } from "node:fs";
import path from "node:path";
import ignore from "@balena/dockerignore";
import { type Dockerfile, DockerfileParser, Env, From, type Instruction, ModifiableInstruction } from "dockerfile-ast";

/** The repository root: the Docker build context of `docker build .` and of compose's `build: .`. */
export const REPO_ROOT = path.resolve(__dirname, "../../..");

export interface Stage {
  /** The name after `AS`, if any. */
  name: string | undefined;
  from: From;
  /** The instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  text: string;
  dockerfile: Dockerfile;
  stages: Stage[];
}

export function readDockerfile(file = path.join(REPO_ROOT, "Dockerfile")): ParsedDockerfile {
  const text = readFileSync(file, "utf8");
  const dockerfile = DockerfileParser.parse(text);
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction instanceof From) {
      stages.push({ name: instruction.getBuildStage() ?? undefined, from: instruction, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${file}: ${instruction.getKeyword()} before the first FROM`);
      stage.instructions.push(instruction);
    }
  }
  return { text, dockerfile, stages };
}

export function finalStage(parsed: ParsedDockerfile): Stage {
  const stage = parsed.stages.at(-1);
  if (!stage) throw new Error("the Dockerfile has no FROM");
  return stage;
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword);
}

/** Docker applies only the last CMD, USER, HEALTHCHECK, ... of a stage. */
export function lastOf(stage: Stage, keyword: string): Instruction | undefined {
  return instructionsOf(stage, keyword).at(-1);
}

/** The variables one ENV instruction sets; none for any other instruction. */
export function envOf(instruction: Instruction): Record<string, string> {
  if (!(instruction instanceof Env)) return {};
  return Object.fromEntries(instruction.getProperties().map((p) => [p.getName(), p.getUnescapedValue() ?? ""]));
}

/** The variables that ENV sets in a stage, as a container of that stage sees them. */
export function stageEnv(stage: Stage): Record<string, string> {
  return Object.assign({}, ...stage.instructions.map(envOf));
}

/**
 * The argv of an exec-form (JSON array) CMD, ENTRYPOINT or `HEALTHCHECK CMD`; undefined for the
 * shell form, which Docker wraps in `/bin/sh -c`.
 */
export function execForm(instruction: Instruction): string[] | undefined {
  let content = instruction.getArgumentsContent() ?? "";
  if (instruction.getKeyword() === "HEALTHCHECK") {
    // The exec form follows the CMD subcommand, after any flags.
    const match = /^(?:--\S+\s+)*CMD\s+(.*)$/s.exec(content);
    if (!match) return undefined;
    content = match[1] ?? "";
  }
  if (!content.trimStart().startsWith("[")) return undefined;
  // Docker reads the exec form as a JSON array of strings, and so does this (dockerfile-ast's own
  // JSON strings skip escapes such as \u0041).
  const argv: unknown = JSON.parse(content);
  return Array.isArray(argv) && argv.every((a) => typeof a === "string") ? argv : undefined;
}

/** The value of a flag such as COPY's `--from` or HEALTHCHECK's `--interval`. */
export function flag(instruction: Instruction, name: string): string | undefined {
  if (!(instruction instanceof ModifiableInstruction)) return undefined;
  return (
    instruction
      .getFlags()
      .find((f) => f.getName() === name)
      ?.getValue() ?? undefined
  );
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Docker (Go) duration, as HEALTHCHECK flags and Compose files write them (`5s`, `1m30s`), in milliseconds. */
export function durationMs(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) {
    throw new Error(`not a duration: ${duration}`);
  }
  return parts.reduce((ms, [, value, unit]) => ms + Number(value) * (UNIT_MS[unit as string] as number), 0);
}

/** COPY's sources and destination, as written. */
export function copyPaths(instruction: Instruction): { sources: string[]; destination: string } {
  const args = instruction.getArguments().map((a) => a.getValue());
  const destination = args.pop();
  if (destination === undefined || args.length === 0) {
    throw new Error(`line ${instruction.getRange().start.line + 1}: COPY needs a source and a destination`);
  }
  return { sources: args, destination };
}

/** Whether Docker leaves a context path out of the build context, per .dockerignore. */
export function contextFilter(context = REPO_ROOT): (relativePath: string) => boolean {
  const rules = ignore().add(readFileSync(path.join(context, ".dockerignore"), "utf8"));
  return (relativePath) => rules.ignores(relativePath);
}
