import path from "node:path";
import { answers200, freePort, type Server, startServer } from "./processes.ts";
import { ROOT, serviceEnv } from "./quotegraph.ts";
import type { TargetKind } from "./reads.ts";

export interface Target {
  /** Column name in the table. */
  name: string;
  kind: TargetKind;
  start(): Promise<Server & { startedMs: number }>;
}

const HERE = import.meta.dirname;

/** A peer server of servers/, on a free port, with the bench database. */
const peer = (
  databaseUrl: string,
  name: string,
  kind: TargetKind,
  script: string,
  ready: (url: string) => Promise<boolean>,
): Target => ({
  name,
  kind,
  async start() {
    const port = await freePort();
    return startServer({
      name: kind,
      script: path.join(HERE, "servers", script),
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        GRAPHILE_ENV: "production",
        DATABASE_URL: databaseUrl,
        PORT: String(port),
      },
      port,
      ready,
    });
  },
});

export const postgraphile = (databaseUrl: string): Target =>
  peer(
    databaseUrl,
    "PostGraphile v5",
    "postgraphile",
    "postgraphile.ts",
    answers200("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    }),
  );

export const bare = (databaseUrl: string): Target =>
  peer(databaseUrl, "bare http+pg", "bare", "bare.ts", answers200("/readyz"));

/**
 * The service's build, `node dist/src/main.js`, as deployed: `responseCacheMb` "0" is the uncached
 * service, undefined its defaults.
 */
export const quotegraph = (databaseUrl: string, name: string, responseCacheMb?: string): Target => ({
  name,
  kind: "quotegraph",
  async start() {
    const port = await freePort();
    return startServer({
      name: name.replace(/\W+/g, "-"),
      script: path.join(ROOT, "dist", "src", "main.js"),
      env: serviceEnv(databaseUrl, port, responseCacheMb),
      port,
      ready: answers200("/readyz"),
    });
  },
});
