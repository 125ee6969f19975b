import type { RequestHandler } from "express";
import { quoteDataCacheControl } from "../graphql/cache-control";
import type { ResponseCache } from "../graphql/response-cache";

/**
 * Ahead of Apollo on /graphql (after CORS and the JSON body): answers a request the response cache
 * holds without running anything, and gives every other request a ticket (`res.locals.responseTicket`,
 * handed to the GraphQL context), so that its answer is kept once sent, if it may be.
 * `Cache-Control` is worked out anew for each hit: until the next tick, as of now.
 */
export function answerFromCache(cache: ResponseCache, nextRunAt: () => Date | null): RequestHandler {
  return (req, res, next) => {
    if (!cache.enabled) return next();
    const key = cache.keyOf(req.method, req.headers.accept, req.body);
    if (key === undefined) return next();
    const hit = cache.get(key);
    if (hit) {
      res.setHeader("content-type", hit.contentType);
      res.setHeader("cache-control", quoteDataCacheControl(nextRunAt()));
      // The one Express gave the first answer: the same bytes, and no hashing them again.
      if (hit.etag) res.setHeader("etag", hit.etag);
      res.send(hit.body);
      return;
    }
    const ticket = cache.ticket(key);
    if (ticket) {
      res.locals.responseTicket = ticket;
      res.once("finish", () => {
        const [contentType, etag] = [res.getHeader("content-type"), res.getHeader("etag")];
        if (typeof contentType !== "string") return;
        cache.keep(ticket, res.statusCode, { contentType, etag: typeof etag === "string" ? etag : undefined });
      });
    }
    next();
  };
}
