import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import {
  buildSchema,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLObjectType,
  getNamedType,
  isEnumType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";

/** The contract's schema, as committed: the documents below are built from it. */
export const schema = buildSchema(readFileSync(path.resolve(__dirname, "../../schema.graphql"), "utf8"));

/** The codes a client may meet (DESIGN.md, Errors and Limits; README): anything else is a finding. */
export const CONTRACT_CODES = new Set([
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "TOO_MANY_WAITERS",
  "TOO_MANY_SUBSCRIPTIONS",
]);

/** What no answer and no log line above debug may hold: SQL, stack frames, internals. */
export const LEAKS: [string, RegExp][] = [
  ["a stack trace", /stacktrace|\n\s+at |\bat [\w.<>]+ \(\/|node:internal/],
  ["SQL text", /\bSELECT\b|\bINSERT INTO\b|\bFROM "|FROM price_quote|\$[1-9]\b|::(int|text|timestamptz)\b/],
  ["an internal message", /Cannot read propert|is not a function|undefined \(reading|QueryFailedError|ECONNREFUSED/],
  ["a source path", /node_modules|\/dist\/src\/|\.ts:\d+/],
  ["a field suggestion", /Did you mean/],
];

/** Pools of values drawn by fast-check for each case; the document's shape is drawn from `seed`. */
export interface CaseDraw {
  seed: number;
  strings: string[];
  numbers: number[];
  dates: string[];
  garbage: string;
  transport: Transport;
  /** Well-typed: every value of its argument's GraphQL type (hostile as it may be), no misspelt name. */
  typed: boolean;
}

export type Transport = "post" | "get" | "ws" | "batch" | "content-type" | "raw" | "method";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url");

const cursorish = fc
  .tuple(
    fc.constantFrom("updates", "quote", "asset", "history", "", "UPDATES"),
    fc.oneof(
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      fc
        .tuple(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.bigInt({ min: 0n, max: 2n ** 70n }))
        .map(([a, b]) => `${a}.${b}`),
      fc.constantFrom("ASC:1", "DESC:99999999999999999999", "DESC:-9223372036854775809", "0.0", "1.2.3", "x"),
      fc.string({ maxLength: 20 }),
    ),
  )
  .map(([kind, value]) => b64(`${kind}:${value}`));

const hostileString = fc.oneof(
  fc.constantFrom(
    "BTC",
    "btc",
    "ETH",
    "SOL",
    "USD",
    "usd",
    "EUR",
    "",
    " ",
    "BTC\u0000",
    "\u0000",
    "\ud800",
    "💩",
    "Ω≈ç√∫",
    "'; DROP TABLE asset; --",
    "%s%n%x",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j lookup, meant literally
    "${jndi:ldap://x}",
    "A".repeat(5_000),
    "../../etc/passwd",
    "SYN0",
    "HOUR",
    "DESC",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  cursorish,
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 29, 30, 31, 100, 500, 999, 1000, 1001, 100_000, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1),
  fc.constantFrom(1e20, -1e20, 1.5, Number.MAX_SAFE_INTEGER, 1e308),
  fc.integer({ min: -5, max: 1200 }),
  fc.integer(),
  fc.double(),
);

const hostileDate = fc.oneof(
  fc
    .date({ min: new Date("2025-12-01T00:00:00Z"), max: new Date("2026-02-01T00:00:00Z"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    "2026-13-45T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "+275760-09-13T00:00:00.000Z",
    "-271821-04-20T00:00:00.000Z",
    "9999-12-31T23:59:59Z",
    "2026-01-05",
    "2026-01-05T00:00:00+14:00",
    "yesterday",
    "",
  ),
);

// Bodies no GraphQL client sends: bytes, random JSON, JSON cut short, nested past any parser's taste.
const garbage = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
  fc.jsonValue({ maxDepth: 3 }).map((v) => (JSON.stringify({ query: v, variables: v }) ?? "").slice(0, -1)),
  fc.integer({ min: 1_000, max: 40_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
  fc
    .integer({ min: 1_000, max: 20_000 })
    .map((n) => `{"query":"{ ingestion { enabled } }","variables":${'{"a":'.repeat(n)}1${"}".repeat(n)}}`),
  fc.constantFrom(
    `{"query": 1}`,
    `{"query": null}`,
    `{"query": ""}`,
    `{}`,
    `[]`,
    `null`,
    `{"query":"{ ingestion { enabled } }","variables":"not json"}`,
    `{"query":"{ ingestion { enabled } }","variables":[1]}`,
    `{"query":"{ ingestion { enabled } }","operationName":7}`,
    `{"query":"{ ingestion { enabled } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"0"}}}`,
    `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}`,
    `{"query":"{ ingestion { enabled } }","extensions":{"persistedQuery":{"version":2}}}`,
    `{"__proto__":{"query":"{ ingestion { enabled } }"}}`,
    `{"query":"${"x".repeat(120_000)}"}`,
  ),
);

export const caseDraw: fc.Arbitrary<CaseDraw> = fc.record({
  seed: fc.integer(),
  strings: fc.array(hostileString, { minLength: 12, maxLength: 12 }),
  numbers: fc.array(hostileNumber, { minLength: 12, maxLength: 12 }),
  dates: fc.array(hostileDate, { minLength: 4, maxLength: 4 }),
  garbage,
  typed: fc.boolean(),
  transport: fc.constantFrom<Transport>(
    ...([
      "post",
      "post",
      "post",
      "post",
      "post",
      "get",
      "get",
      "ws",
      "ws",
      "batch",
      "content-type",
      "raw",
      "raw",
      "method",
    ] as const),
  ),
});

/** A document, its variables and the operation a request names. */
export interface GeneratedOperation {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string | null;
  kind: "query" | "mutation" | "subscription";
}

/** Builds one operation from a draw: valid, almost valid, or far off, as the draw's seed decides. */
export function operationOf(draw: CaseDraw): GeneratedOperation {
  let state = draw.seed >>> 0;
  // mulberry32: the document's shape follows from the draw, so a seed replays it.
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const chance = (p: number) => next() < p;
  /** A mistake of type or name: never in a well-typed draw. */
  const slip = (p: number) => !draw.typed && chance(p);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];

  const definitions: string[] = [];
  const variableDefs: string[] = [];
  const variables: Record<string, unknown> = {};

  const value = (type: GraphQLInputType): unknown => {
    if (isNonNullType(type)) return slip(0.05) ? null : value(type.ofType);
    if (isListType(type)) {
      if (slip(0.1)) return value(type.ofType);
      const length = chance(0.05) ? 300 : int(4);
      return Array.from({ length }, () => value(type.ofType));
    }
    const named = getNamedType(type);
    if (isEnumType(named)) return slip(0.2) ? pick(draw.strings) : pick(named.getValues()).name;
    switch (named.name) {
      case "Int":
      case "Float":
        return slip(0.1) ? pick(draw.strings) : typedNumber(named.name);
      case "Boolean":
        return slip(0.1) ? pick(["true", 0, null]) : chance(0.5);
      case "DateTimeISO":
        return slip(0.1) ? pick(draw.numbers) : pick(draw.dates);
      default:
        return slip(0.1) ? pick(draw.numbers) : pick(draw.strings);
    }
  };
  const literal = (v: unknown, type: GraphQLInputType): string => {
    if (v === null || v === undefined) return "null";
    if (Array.isArray(v)) return `[${v.map((x) => literal(x, isListType(type) ? type.ofType : type)).join(", ")}]`;
    if (typeof v === "number") return Number.isFinite(v) ? String(v) : String(v).replace("-", "");
    if (typeof v === "string" && isEnumType(getNamedType(type)) && /^[_A-Za-z]\w*$/.test(v)) return v;
    return JSON.stringify(v);
  };
  const typeName = (type: GraphQLInputType): string => String(type);
  // An Int must be a 32-bit integer to be one; out of its range it is a type error, not a hostile Int.
  const typedNumber = (type: string) => {
    const n = pick(draw.numbers);
    if (type === "Float") return Number.isFinite(n) ? n : 1e308;
    return Number.isSafeInteger(n) && Math.abs(n) < 2 ** 31 ? n : pick([0, -1, 1001, 2 ** 31 - 1, -(2 ** 31)]);
  };
  const WRONG_TYPES = ["String", "Int!", "[String]", "Boolean", "Nope", "CandleInterval", "[[Int!]!]", "DateTimeISO!"];

  const argument = (arg: GraphQLArgument): string | undefined => {
    const required = isNonNullType(arg.type);
    if (!chance(required ? 0.95 : 0.45)) return undefined;
    if (chance(0.35)) {
      const name = `v${variableDefs.length}`;
      variableDefs.push(`$${name}: ${slip(0.1) ? pick(WRONG_TYPES) : typeName(arg.type)}`);
      if (!slip(0.08)) variables[name] = value(arg.type);
      return `${arg.name}: $${name}`;
    }
    return `${slip(0.03) ? "nope" : arg.name}: ${literal(value(arg.type), arg.type)}`;
  };
  const args = (list: readonly GraphQLArgument[]) => {
    const given = list.map(argument).filter((a): a is string => a !== undefined);
    return given.length ? `(${given.join(", ")})` : "";
  };
  const directive = () =>
    !chance(0.1)
      ? ""
      : draw.typed
        ? pick([" @include(if: true)", " @skip(if: false)"])
        : pick([
            " @include(if: true)",
            " @skip(if: false)",
            " @skip(if: $skip)",
            " @deprecated",
            " @cacheControl(maxAge: 1)",
            " @nope",
            " @include",
          ]);

  const selection = (type: GraphQLObjectType, depth: number): string => {
    const fields = Object.values(type.getFields());
    const chosen = Array.from({ length: 1 + int(Math.min(4, fields.length)) }, () => pick(fields));
    const parts = chosen.map((field, i) => {
      const alias = chance(0.1) ? `a${i}_${int(1000)}: ` : "";
      const name = slip(0.02) ? pick(["nope", "__typename", "priice"]) : field.name;
      const named = getNamedType(field.type);
      const inner =
        isLeafType(named) || !isObjectType(named)
          ? ""
          : depth <= 0
            ? " { __typename }"
            : ` { ${selection(named, depth - 1)} }`;
      return `${alias}${name}${args(field.args)}${directive()}${inner}`;
    });
    if (chance(0.08)) {
      const fragment = `F${definitions.length}`;
      definitions.push(`fragment ${fragment} on ${type.name} { ${parts.join(" ")} }`);
      return `...${fragment}`;
    }
    if (chance(0.05)) return `... on ${type.name} { ${parts.join(" ")} }`;
    return parts.join(" ");
  };

  const kind = chance(0.82) ? "query" : chance(0.5) ? "mutation" : "subscription";
  const root =
    kind === "query"
      ? schema.getQueryType()
      : kind === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) throw new Error(`no ${kind} type`);
  const shape = int(100);
  let body: string;
  if (shape < 4) {
    // Many root fields under aliases: at and past MAX_ROOT_FIELDS and MAX_ALIASES.
    const field = pick(Object.values(root.getFields()));
    const n = pick([19, 20, 21, 29, 30, 31, 60]);
    const inner = isLeafType(getNamedType(field.type))
      ? ""
      : ` { ${selection(getNamedType(field.type) as GraphQLObjectType, 1)} }`;
    body = Array.from({ length: n }, (_, i) => `f${i}: ${field.name}${args(field.args)}${inner}`).join(" ");
  } else if (shape < 7) {
    // Deep nesting through asset ↔ latestQuote, at and past the depth limit.
    const levels = pick([3, 4, 5, 6, 20]);
    body = `latestQuotes { ${"asset { latestQuote { ".repeat(levels)}price${" } }".repeat(levels)} }`;
  } else if (shape < 9) {
    definitions.push("fragment A on Query { ...B ingestion { enabled } }", "fragment B on Query { ...A }");
    body = "...A";
  } else if (shape < 10) {
    body = "__schema { types { name fields { name } } }";
  } else {
    const count = 1 + int(chance(0.9) ? 3 : 8);
    body = Array.from({ length: count }, () => selection(root, chance(0.9) ? int(4) : 6 + int(8))).join(" ");
  }
  if (`${body} ${definitions.join(" ")}`.includes("$skip")) {
    variableDefs.push("$skip: Boolean!");
    variables.skip = chance(0.5);
  }
  const named = chance(0.3);
  const operationName = named ? `Op${int(5)}` : undefined;
  const header = `${kind === "query" && !named && variableDefs.length === 0 && chance(0.5) ? "" : kind}${
    operationName ? ` ${operationName}` : ""
  }${variableDefs.length ? `(${variableDefs.join(", ")})` : ""}`;
  const extra = chance(0.05) ? " query Other { ingestion { enabled } }" : "";
  const query = `${header} { ${body} }${extra} ${definitions.join(" ")}`.trim();
  const requested = !slip(0.15) ? operationName : pick([undefined, null, "Other", "Nope", "", "\u0000"]);
  return {
    query: slip(0.02) ? query.slice(0, int(query.length)) : query,
    variables: slip(0.05) ? undefined : variables,
    operationName: requested,
    kind,
  };
}
