import { createServer, type Server } from "node:http";
import express from "express";
import type { Registry } from "prom-client";
import type { DataSource } from "typeorm";
import type { Logger } from "../logger";
import { healthRouter } from "./health";
import { listen, urlOf } from "./listen";
import { metricsRouter } from "./metrics";

export interface OpsHttp {
  server: Server;
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  stop(): Promise<void>;
}

/**
 * Health and metrics on a listener of their own (METRICS_PORT), so that the public port carries
 * only the API and the dashboard, and a firewall can open this one to the monitoring source alone.
 */
export async function startOpsHttp(deps: {
  host: string;
  port: number;
  dataSource: DataSource;
  logger: Logger;
  registry: Registry;
}): Promise<OpsHttp> {
  const app = express();
  app.disable("x-powered-by");
  app.use(healthRouter(deps.dataSource, deps.logger));
  app.use(metricsRouter(deps.registry));
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: "not found: this port serves /healthz, /readyz and /metrics" }] });
  });
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, app);
  await listen(server, deps.port, deps.host);
  return {
    server,
    url: urlOf(server),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
