/*
 * The peer: PostGraphile v5 with its Amber preset over the service's tables (schema public) and the
 * functions a PostGraphile user would add for reads the generated schema has none for (schema
 * bench, see generate.ts). Usage: node servers/postgraphile.ts (PORT, DATABASE_URL from the environment).
 */
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset],
  // Filtering on asset.tracked, which no index leads with; PostGraphile hides unindexed conditions by default.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public", "bench"],
      // As many connections as the service's API pool (DB_POOL_MAX's default).
      poolConfig: { max: 10 },
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 5_000;
serv.addTo(server);
server.listen(Number(process.env.PORT), "127.0.0.1");

process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pgl.release();
});
