import { Router } from "express";
import type { DataSource } from "typeorm";

/** Liveness says the process answers; readiness says it can serve data. */
export function healthRouter(dataSource: DataSource): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    try {
      await dataSource.query("SELECT 1");
      if (await dataSource.showMigrations()) {
        res.status(503).json({ status: "unavailable", reason: "database migrations are pending" });
        return;
      }
      res.json({ status: "ready" });
    } catch (error) {
      res.status(503).json({ status: "unavailable", reason: `database unreachable: ${(error as Error).message}` });
    }
  });
  return router;
}
