# syntax=docker/dockerfile:1
#
# quotegraph's production image. The service expects a configured PostgreSQL (DATABASE_URL or
# DB_HOST/DB_USER/DB_PASS/DB_NAME, e.g. Amazon RDS): the embedded PostgreSQL that `npm start`
# uses by default is left out of this image. Deployment guide: docs/deploy-aws.md.
#
# test/deploy-image.test.ts replays these steps without a Docker engine (WORKDIR, COPY and RUN in
# temporary folders, then CMD and HEALTHCHECK against a real database), and
# test/deploy-files.test.ts checks the rules below; keep the steps plain enough for both.

# Both stages use the same pinned Node LTS; bump them together (the tests read the version here).
FROM node:24.22.3-trixie-slim AS build
WORKDIR /app
# The lockfile alone decides this layer, so source changes reuse the installed dependencies.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts schema.graphql ./
COPY src ./src
# The dashboard (served at /): bundled by Vite into dist/dashboard, typed against schema.graphql.
COPY web ./web
RUN npm run build

FROM node:24.22.3-trixie-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked. --omit=optional drops the PostgreSQL binaries
# (@embedded-postgres/*, optional dependencies of embedded-postgres) and other optional packages
# the service never loads (test/deploy-files.test.ts names each). --ignore-scripts: no package in
# this tree needs an install script to work, so none runs.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
# The files above stay owned by root: the service can read its code but not change it.
USER node
EXPOSE 4000
# Slim images have no curl; Node has fetch. PORT is honoured in case the listener was moved.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.METRICS_PORT || process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node receives SIGTERM from `docker stop` itself and shuts down in order (10 s at most).
# The base image's entrypoint only `exec`s this command, so no shell stays in between.
CMD ["node", "dist/src/main.js"]
