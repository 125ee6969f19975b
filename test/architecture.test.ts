import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "@babel/parser";
import { describe, expect, it } from "vitest";

// Holds docs/architecture.md: the import rules of .dependency-cruiser.cjs, and no SQL outside src/db/store and
// src/db/migrations. Each check also runs over test/fixtures/architecture, which breaks every rule once, so a check
// that silently stopped seeing anything would fail there.

const ROOT = path.resolve(__dirname, "..");
const FIXTURE = path.join(__dirname, "fixtures/architecture");

/** The .ts files under `folders` (relative to baseDir, "/"-separated, sorted). */
function typeScriptFiles(baseDir: string, folders: string[]): string[] {
  return folders
    .filter((folder) => existsSync(path.join(baseDir, folder)))
    .flatMap((folder) =>
      readdirSync(path.join(baseDir, folder), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .map((file) => path.posix.join(folder, file.split(path.sep).join("/"))),
    )
    .sort();
}

interface Cruise {
  /** `from → to (rule)`, sorted. */
  violations: string[];
  /** Every module dependency-cruiser read or reached. */
  modules: string[];
}

/** Cruises `files` (relative to baseDir) with the repository's rules. */
async function cruiseFiles(baseDir: string, files: string[]): Promise<Cruise> {
  // dependency-cruiser is ESM-only (and uses top-level await), so a CommonJS test loads it with import().
  const { cruise } = await import("dependency-cruiser");
  const { default: extractDepcruiseOptions } = await import("dependency-cruiser/config-utl/extract-depcruise-options");
  const { default: extractBabelConfig } = await import("dependency-cruiser/config-utl/extract-babel-config");
  const options = await extractDepcruiseOptions(path.join(ROOT, ".dependency-cruiser.cjs"));
  // TypeScript reaches dependency-cruiser only through babel here (see .dependency-cruiser.babel.cjs);
  // extractBabelConfig returns {} when @babel/core is missing, and .ts would then be read as broken JavaScript.
  const babelConfig = await extractBabelConfig(path.join(ROOT, ".dependency-cruiser.babel.cjs"));
  expect(Object.keys(babelConfig), "babel config for dependency-cruiser").toContain("plugins");

  const { output } = await cruise(files, { ...options, baseDir }, undefined, { babelConfig });
  if (typeof output === "string") throw new Error(`dependency-cruiser returned text: ${output}`);
  const shorten = (module: string) => module.replace(/^(\.\.\/)+(?=node_modules\/)/, "");
  return {
    violations: output.summary.violations
      .map(({ from, to, rule, cycle }) => {
        const via = cycle ? ` via ${[from, ...cycle.map((step) => step.name)].join(" → ")}` : "";
        return `${from} → ${shorten(to)} (${rule.name}${via})`;
      })
      .sort(),
    modules: output.modules.map((module) => shorten(module.source)),
  };
}

// What looks like SQL, or like running it, in code (comments are not code: the parser drops them). SQL here is
// upper case; LISTEN and NOTIFY count only where a statement starts ("lost the LISTEN connection" is prose).
const SQL_STATEMENT =
  /\b(?:SELECT|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|TRUNCATE|LOCK\s+TABLE|(?:CREATE|ALTER|DROP)\s+(?:TABLE|INDEX|DATABASE|EXTENSION|TYPE|VIEW|FUNCTION|TRIGGER))\b|(?:^|;)\s*(?:UNLISTEN|LISTEN|NOTIFY)\s/;
const SQL_FUNCTION = /\bpg_(?:notify|(?:try_)?advisory_\w+)/i;
const QUERY_API = new Set(["createQueryBuilder", "getRepository"]);
const MODULE_SPECIFIER_PARENTS = new Set([
  "ImportDeclaration",
  "ExportAllDeclaration",
  "ExportNamedDeclaration",
  "TSExternalModuleReference",
  "TSImportType",
  "TSLiteralType",
]);
const NOT_CHILDREN = new Set(["loc", "extra", "comments", "leadingComments", "trailingComments", "innerComments"]);

interface AstNode {
  type: string;
  loc?: { start: { line: number } } | null;
  [key: string]: unknown;
}

const isNode = (value: unknown): value is AstNode =>
  typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";

function* walk(node: AstNode, parent?: AstNode): Generator<{ node: AstNode; parent?: AstNode }> {
  yield { node, parent };
  for (const [key, value] of Object.entries(node)) {
    if (NOT_CHILDREN.has(key)) continue;
    for (const child of Array.isArray(value) ? value : [value]) if (isNode(child)) yield* walk(child, node);
  }
}

const propertyName = (node: AstNode): string | undefined => {
  const property = node.property as AstNode;
  return !node.computed && property.type === "Identifier" ? (property.name as string) : undefined;
};

/** Whether `node` runs SQL or holds a statement. */
function sqlIn(node: AstNode, parent: AstNode | undefined): boolean {
  switch (node.type) {
    case "CallExpression":
    case "OptionalCallExpression": {
      const callee = node.callee as AstNode;
      return (
        (callee.type === "MemberExpression" || callee.type === "OptionalMemberExpression") &&
        propertyName(callee) === "query"
      );
    }
    case "MemberExpression":
    case "OptionalMemberExpression":
      return propertyName(node) === "manager";
    case "Identifier":
      return QUERY_API.has(node.name as string);
    case "StringLiteral": {
      if (parent && MODULE_SPECIFIER_PARENTS.has(parent.type)) return false;
      const value = node.value as string;
      return SQL_STATEMENT.test(value) || SQL_FUNCTION.test(value);
    }
    case "TemplateLiteral": {
      const text = (node.quasis as AstNode[])
        .map((quasi) => (quasi.value as { cooked?: string; raw: string }).cooked ?? "")
        .join("$_");
      return SQL_STATEMENT.test(text) || SQL_FUNCTION.test(text);
    }
    default:
      return false;
  }
}

/** `file:line: snippet` for each line of src/ outside src/db/store and src/db/migrations that runs or holds SQL. */
function sqlOutsideTheStore(baseDir: string): string[] {
  const findings = new Set<string>();
  const files = typeScriptFiles(baseDir, ["src"]).filter((file) => !/^src\/db\/(store|migrations)\//.test(file));
  for (const file of files) {
    const source = readFileSync(path.join(baseDir, file), "utf8");
    const ast = parse(source, { sourceType: "module", plugins: ["typescript", "decorators-legacy"] });
    const lines = source.split("\n");
    for (const { node, parent } of walk(ast as unknown as AstNode, undefined)) {
      const line = node.loc?.start.line;
      if (line && sqlIn(node, parent)) findings.add(`${file}:${line}: ${lines[line - 1].trim().slice(0, 120)}`);
    }
  }
  return [...findings].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

const readable = (title: string, lines: string[]) => `${title}:\n  ${lines.join("\n  ")}`;

describe("architecture (docs/architecture.md)", () => {
  it("src/ and tools/ keep the import rules of .dependency-cruiser.cjs", async () => {
    const files = typeScriptFiles(ROOT, ["src", "tools"]);
    const { violations, modules } = await cruiseFiles(ROOT, files);
    // Every file was read: a dependency-cruiser that could not read TypeScript would report no violations.
    expect(files.filter((file) => !modules.includes(file))).toEqual([]);
    expect(violations, readable("import rule violations (from → to (rule))", violations)).toEqual([]);
  });

  it("src/ has no SQL outside src/db/store and src/db/migrations", () => {
    const findings = sqlOutsideTheStore(ROOT);
    expect(findings, readable("SQL outside the store (file:line: snippet)", findings)).toEqual([]);
  });
});

describe("architecture checks catch what they are for (test/fixtures/architecture)", () => {
  it("reports each broken import rule", async () => {
    const files = typeScriptFiles(FIXTURE, ["src", "tools"]);
    const { violations, modules } = await cruiseFiles(FIXTURE, files);
    expect(files.filter((file) => !modules.includes(file))).toEqual([]);
    expect(violations).toEqual([
      "src/coinmarketcap/z.ts → src/db/entities/quote.ts (coinmarketcap-not-to-other-rooms)",
      "src/db/store/quotes.ts → src/graphql/x.ts (db-not-to-other-rooms)",
      "src/graphql/resolvers/sql.resolver.ts → node_modules/typeorm/index.js (database-runtime-only-in-db)",
      "src/graphql/x.ts → src/coinmarketcap/y.ts (graphql-not-to-cmc-or-ingestion)",
      // a type-only import is a dependency too
      "src/graphql/x.ts → src/ingestion/run.ts (graphql-not-to-cmc-or-ingestion)",
      "src/http/routes.ts → ./missing (not-unresolvable)",
      "src/http/routes.ts → src/coinmarketcap/y.ts (http-not-to-ingestion-or-cmc)",
      "src/http/routes.ts → src/service.ts (not-to-entry-points)",
      "src/ingestion/a.ts → src/ingestion/b.ts (no-circular via src/ingestion/a.ts → src/ingestion/b.ts → src/ingestion/a.ts)",
      "src/ingestion/a.ts → src/metrics.ts (metrics-observes-unobserved)",
      "src/ingestion/b.ts → src/http/routes.ts (ingestion-not-to-api)",
      "src/ingestion/b.ts → test/helper.ts (src-not-to-test-bench-tools)",
      "src/logger.ts → src/http/routes.ts (config-and-logger-are-leaves)",
      // composition roots may import every room, but not create database connections
      "src/service.ts → node_modules/typeorm/index.js (database-runtime-only-in-db)",
      "tools/sim/server.ts → src/coinmarketcap/y.ts (tools-only-through-main)",
    ]);
  });

  it("reports SQL in a resolver, and not in comments, ordinary strings or the store", () => {
    const findings = sqlOutsideTheStore(FIXTURE);
    expect(findings).toContain(
      'src/graphql/resolvers/sql.resolver.ts:8: const repository = ds.getRepository("Quote");',
    );
    expect(findings.map((finding) => finding.slice(0, finding.indexOf(": ")))).toEqual([
      "src/graphql/resolvers/sql.resolver.ts:7", // client.query("BEGIN")
      "src/graphql/resolvers/sql.resolver.ts:8", // ds.getRepository(…)
      "src/graphql/resolvers/sql.resolver.ts:9", // ds.manager
      "src/graphql/resolvers/sql.resolver.ts:10", // `SELECT … FROM ${…} …`
      "src/graphql/resolvers/sql.resolver.ts:11", // `LISTEN ${…}`
      "src/graphql/resolvers/sql.resolver.ts:12", // "pg_notify"
    ]);
  });
});
