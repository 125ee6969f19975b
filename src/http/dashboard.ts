import { existsSync } from "node:fs";
import path from "node:path";
import express, { type Response, Router } from "express";
import type { Logger } from "../logger";

/** Where `npm run build` writes the dashboard (web/, bundled by Vite): dist/dashboard, beside dist/src. */
export const DASHBOARD_DIR = path.resolve(__dirname, "../../dashboard");

/**
 * The page runs only its own bundled script and stylesheet and talks only to this origin's /graphql:
 * no inline script or style, nothing from another origin, no framing.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Vite names every file under assets/ by a hash of its content: a changed file gets a new name. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * The dashboard's static files at `/`. index.html is revalidated on every load (ETag), so a new
 * build is picked up at once; the hashed assets it names are cached for a year.
 */
export function dashboardRouter(logger: Logger, dir = DASHBOARD_DIR): Router {
  const router = Router();
  if (!existsSync(path.join(dir, "index.html"))) {
    logger.warn({ dir }, "the dashboard is not built (npm run build): / answers 404");
    router.get("/", (_req, res) => {
      res.status(404).type("text/plain").send("The dashboard is not built: run `npm run build`.\n");
    });
    return router;
  }
  router.use(
    express.static(dir, {
      cacheControl: false,
      redirect: false,
      setHeaders(res: Response, file: string) {
        const asset = path.relative(dir, file).startsWith(`assets${path.sep}`);
        res.setHeader("Cache-Control", asset ? IMMUTABLE : "no-cache");
        res.setHeader("Content-Security-Policy", DASHBOARD_CSP);
        res.setHeader("X-Content-Type-Options", "nosniff");
        res.setHeader("Referrer-Policy", "no-referrer");
        res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      },
    }),
  );
  return router;
}
