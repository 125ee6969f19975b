import { Router } from "express";
import type { DataSource } from "typeorm";
import { appliedMigrations } from "../db/store/migrations";
import type { Logger } from "../logger";

/** Liveness says the process answers; readiness says it can serve data. */
export function healthRouter(dataSource: DataSource, logger: Logger): Router {
  const expected = dataSource.migrations.flatMap((migration) => (migration.name ? [migration.name] : []));
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    let applied: Set<string>;
    try {
      applied = await appliedMigrations(dataSource);
    } catch (error) {
      // The detail names hosts and ports: for the log, one line a failing probe, not for the caller.
      logger.warn({ reason: (error as Error).message }, "not ready: database unreachable");
      res.status(503).json({ status: "unavailable", reason: "database unreachable" });
      return;
    }
    const pending = expected.filter((name) => !applied.has(name));
    if (pending.length > 0) {
      res.status(503).json({ status: "unavailable", reason: `database migrations are pending: ${pending.join(", ")}` });
      return;
    }
    res.json({ status: "ready" });
  });
  return router;
}
