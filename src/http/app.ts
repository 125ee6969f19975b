import { createServer, type Server } from "node:http";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import express, { type ErrorRequestHandler } from "express";
import type { GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { pinoHttp } from "pino-http";
import type { DataSource } from "typeorm";
import { type WebSocket, WebSocketServer } from "ws";
import type { Config } from "../config";
import { callerOf } from "../graphql/auth";
import { type ContextDeps, clientOf, createContext, type ResponseTicket } from "../graphql/context";
import { tooManySubscriptions } from "../graphql/errors";
import { subscriptionRootDirectivesRefused } from "../graphql/http-operations";
import type { ResponseCache } from "../graphql/response-cache";
import { startGraphQLServer } from "../graphql/server";
import { wsOperations } from "../graphql/ws-operations";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { answerFromCache } from "./cached-answers";
import { ConnectionLimits, connectionRoom, defaultMaxConnections, openFileLimit } from "./connection-limits";
import { dashboardRouter } from "./dashboard";
import { HttpDrain } from "./drain";
import { healthRouter } from "./health";
import { listen } from "./listen";
import { metricsRouter } from "./metrics";

export interface HttpDeps {
  config: Pick<Config, "http" | "graphql" | "nodeEnv" | "database" | "feed">;
  logger: Logger;
  dataSource: DataSource;
  schema: GraphQLSchema;
  context: ContextDeps;
  metrics: Metrics;
  responseCache: ResponseCache;
}

export interface HttpService {
  server: Server;
  /** Refuses new connections at once; every answer still to come closes its connection (HttpDrain). */
  close(): void;
  /** close(), ends subscriptions and waits for the requests in flight, cutting what is left at `deadline` (epoch ms). */
  stop(deadline: number): Promise<void>;
}

const BODY_LIMIT = "100kb";

export async function startHttp(deps: HttpDeps): Promise<HttpService> {
  const app = express();
  app.disable("x-powered-by");
  const { http } = deps.config;
  const server = createServer(
    {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      keepAliveTimeout: http.keepAliveTimeoutMs,
      // How often Node looks for connections past those timeouts (its default, 30 s, would let them overstay).
      connectionsCheckingInterval: Math.min(1_000, Math.floor(http.headersTimeoutMs / 2)),
    },
    app,
  );
  const openFiles = openFileLimit();
  const { poolMax } = deps.config.database;
  if (http.maxConnections !== undefined && http.maxConnections > connectionRoom(openFiles, poolMax)) {
    deps.logger.warn(
      { maxConnections: http.maxConnections, openFileLimit: openFiles, poolMax },
      "HTTP_MAX_CONNECTIONS leaves too few file descriptors for the database pool: a flood of connections could make database connections fail (EMFILE)",
    );
  }
  const limits = new ConnectionLimits(server, {
    total: http.maxConnections ?? defaultMaxConnections(openFiles, poolMax),
    perAddress: http.maxConnectionsPerAddress,
  });
  deps.metrics.observeConnections(limits);
  const drain = new HttpDrain(server);

  const graphqlOptions = {
    schema: deps.schema,
    development: deps.config.nodeEnv === "development",
    introspection: deps.config.graphql.introspection,
    limits: deps.config.graphql,
    logger: deps.logger,
  };
  // Subscriptions (graphql-transport-ws) share the /graphql path with HTTP, and its limits and error format.
  const wsServer = new WebSocketServer({ server, path: "/graphql", maxPayload: 100 * 1024 });
  const operations = wsOperations(graphqlOptions);
  // One signal per socket, aborted when it closes: per operation, a socket running query after
  // query would gather "close" listeners until it closed.
  const sockets = new Map<WebSocket, AbortController>();
  const closedSignal = (socket: WebSocket): AbortSignal => {
    const known = sockets.get(socket);
    if (known) return known.signal;
    const closed = new AbortController();
    sockets.set(socket, closed);
    socket.once("close", () => {
      closed.abort();
      sockets.delete(socket);
    });
    return closed.signal;
  };
  const ws = useServer(
    {
      schema: deps.schema,
      context: (ctx) => {
        const authorization = ctx.connectionParams?.authorization ?? ctx.extra.request.headers.authorization;
        return createContext(
          deps.context,
          callerOf(typeof authorization === "string" ? authorization : undefined, deps.context.adminToken),
          closedSignal(ctx.extra.socket),
          clientOf(ctx.extra.request),
        );
      },
      // graphql-ws counts the operation being started among the socket's own.
      onSubscribe: (ctx, _id, payload) => {
        const max = deps.config.feed.maxSubscriptionsPerSocket;
        if (Object.keys(ctx.subscriptions).length > max) {
          deps.metrics.refusedSubscription();
          return [tooManySubscriptions(max)];
        }
        return operations.admit(payload);
      },
      onNext: operations.onNext,
      onError: operations.onError,
    },
    wsServer,
  );
  quietClientErrors(wsServer, deps.logger);

  const apollo = await startGraphQLServer({
    ...graphqlOptions,
    production: deps.config.nodeEnv === "production",
    plugins: [deps.metrics.graphqlPlugin(), deps.responseCache.plugin()],
  });

  app.use(deps.metrics.httpMiddleware());
  app.use(requestLog(deps.logger));
  // With METRICS_PORT, health and metrics have their own listener (src/http/ops.ts) and stay off this one.
  if (http.metricsPort === undefined) {
    app.use(healthRouter(deps.dataSource, deps.logger));
    app.use(metricsRouter(deps.metrics.registry));
  }
  const origins = http.corsOrigins;
  app.use(
    "/graphql",
    cors({ origin: origins.includes("*") ? "*" : origins.length ? origins : false }),
    express.json({ limit: BODY_LIMIT }),
    subscriptionRootDirectivesRefused(deps.schema),
    answerFromCache(deps.responseCache, () => deps.context.ingestion.state().nextRunAt),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        // A client that hangs up releases its long poll at once (after an answer, there is nothing to release).
        const gone = new AbortController();
        res.once("close", () => {
          if (!res.writableFinished) gone.abort();
        });
        const context = createContext(
          deps.context,
          callerOf(req.headers.authorization, deps.context.adminToken),
          gone.signal,
          clientOf(req),
        );
        context.responseTicket = res.locals.responseTicket as ResponseTicket | undefined;
        return context;
      },
    }),
  );
  app.use(dashboardRouter(deps.logger));
  app.use(errorHandler(deps.logger));

  await listen(server, http.port, http.host);
  deps.logger.debug(
    {
      maxConnections: server.maxConnections,
      maxConnectionsPerAddress: http.maxConnectionsPerAddress || "no cap",
      headersTimeoutMs: http.headersTimeoutMs,
      requestTimeoutMs: http.requestTimeoutMs,
      keepAliveTimeoutMs: http.keepAliveTimeoutMs,
    },
    "HTTP limits",
  );
  return {
    server,
    close: () => drain.close(),
    async stop(deadline) {
      drain.close();
      for (const closed of sockets.values()) closed.abort();
      // WebSockets are connections of the server too: the drain ends when they have closed (or at the deadline).
      await Promise.all([ws.dispose(), drain.drained(deadline)]);
      await apollo.stop();
    },
  };
}

/**
 * graphql-ws prints every error of a socket with its stack (console.error). Those errors are the
 * client's or its network's (a message over maxPayload, a broken frame, a reset), and `ws` has
 * already closed the socket with the protocol's code: one info line each, without a stack.
 * Registered after useServer, so that its listener is the one replaced.
 */
function quietClientErrors(wsServer: WebSocketServer, logger: Logger): void {
  wsServer.on("connection", (socket) => {
    socket.removeAllListeners("error");
    socket.on("error", (error: NodeJS.ErrnoException) =>
      logger.info({ code: error.code, reason: error.message }, "WebSocket closed: the client broke the protocol"),
    );
  });
}

/**
 * One line per request: method, path (query strings dropped: GET queries carry whole documents),
 * status and time. No headers (Authorization) and no bodies. Probes and scrapes log at debug.
 */
function requestLog(logger: Logger) {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    // A 503 is a passing outage (database away, statement timeout), already told once by what met it.
    customLogLevel: (req, res, error) =>
      res.statusCode === 503
        ? "warn"
        : error || res.statusCode >= 500
          ? "error"
          : ["/healthz", "/readyz", "/metrics"].includes(req.url?.split("?")[0] ?? "")
            ? "debug"
            : "info",
    // pino-http makes up an Error for any 5xx: its stack shows pino-http, not the trouble, which the
    // code that met it logs (errorHandler, OutageAnswers, the readiness probe).
    customErrorObject: (_req, _res, _error, { err: _err, ...line }) => line,
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split("?")[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  });
}

/** Body-parser and other middleware errors become short JSON answers with their HTTP status. */
function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const status = typeof error?.status === "number" && error.status >= 400 && error.status < 600 ? error.status : 500;
    if (status >= 500) logger.error({ err: error }, "request failed");
    const message =
      status === 413
        ? `request body larger than ${BODY_LIMIT}`
        : status < 500 && error?.expose
          ? String(error.message)
          : "internal server error";
    // A malformed or oversized body is the client's to fix: it says so with a code, as GraphQL errors do.
    res.status(status).json({
      errors: [{ message, extensions: { code: status < 500 ? "BAD_REQUEST" : "INTERNAL_SERVER_ERROR" } }],
    });
  };
}
