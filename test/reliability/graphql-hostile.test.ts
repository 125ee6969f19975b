import { readFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import fc from "fast-check";
import type { GraphQLFormattedError } from "graphql";
import { createClient, type Client as WsClient } from "graphql-ws";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { REQUEST_STATEMENTS } from "../../src/graphql/context";
import { reliabilitySeed, tally, writeReliabilityReport } from "../support/cmc-reliability";
import {
  type CaseDraw,
  CONTRACT_CODES,
  caseDraw,
  type GeneratedOperation,
  LEAKS,
  operationOf,
} from "../support/hostile-graphql";
import { isReady, type ServiceProcess, spawnService } from "../support/service-process";
import { simulatorServiceEnv, useSimulatorAndDatabase } from "../support/simulator";

/**
 * Hostile GraphQL against the built service while it ingests every second from the CMC simulator:
 * a few thousand seeded documents, variables and bodies (fast-check) over POST, GET, WebSocket and
 * odd transports; then an abuse storm of the heaviest admitted queries; then a hostile WebSocket
 * client. No 5xx, codes from the contract only, no stack trace, SQL or internal message in any
 * answer or log line above debug, bounded memory, health answering and ingestion ticking throughout.
 */
const SCENARIO = "graphql-hostile";
const CASES = 2_000;
const WORKERS = 6;
const ADMIN_TOKEN = "hostile-admin-token-7f3a";
// What the service's RSS may grow by over a phase: the audit's alias bombs took it from 132 MB to 1.97 GB.
const RSS_BOUND_MB = 400;
const STORM_WORKERS = 16;
const STORM_TICKS = 20;
const WS_SOCKETS = 20;
const SUBSCRIPTION_WAIT_MS = 5_000;

const seed = reliabilitySeed(SCENARIO);

interface Answer {
  transport: string;
  status: number;
  text: string;
  /** The close code of a WebSocket the operation ended. */
  closed?: number;
}

/** VmRSS of a process, in MB, from /proc; 0 once it has exited. */
function rssOf(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
    return line ? Math.round(Number(line[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/**
 * One `/healthz` probe on a connection of its own, as a load balancer's checker makes it: the status,
 * or why there is none. (A pooled keep-alive connection can be closed by the server's idle timeout
 * just as a busy client reuses it, "other side closed": that is the client's race, not the service.)
 */
function probeHealth(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpGet(`${url}/healthz`, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.statusCode)));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", (error: NodeJS.ErrnoException) => resolve(`${error.code ?? ""} ${error.message}`.trim()));
  });
}

/**
 * What runs beside a phase: a /healthz prober, an RSS sampler and the pool gauge of /metrics.
 * `stop()` gives the figures.
 */
function watch(url: string, pid: number) {
  const start = rssOf(pid);
  let peak = start;
  let poolWaitingPeak = 0;
  const connectionsRefused: Record<string, number> = {};
  const health = { ok: 0, failed: 0, slowestMs: 0, failures: [] as string[] };
  let running = true;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 100);
  const pace = () => new Promise((resolve) => setTimeout(resolve, 100));
  const prober = (async () => {
    while (running) {
      const sent = performance.now();
      const answer = await probeHealth(url);
      health.slowestMs = Math.max(health.slowestMs, Math.round(performance.now() - sent));
      if (answer === "200") health.ok++;
      else {
        health.failed++;
        health.failures.push(answer);
      }
      const metrics = await fetch(`${url}/metrics`).then(
        (r) => r.text(),
        () => "",
      );
      const waiting = metrics.match(/^quotegraph_db_pool_connections\{pool="api",state="waiting"\} (\d+)$/m);
      if (waiting) poolWaitingPeak = Math.max(poolWaitingPeak, Number(waiting[1]));
      // Which connections the service turned away at the door (a failed probe may be one of them).
      for (const [, reason, count] of metrics.matchAll(
        /^quotegraph_http_connections_refused_total\{reason="(\w+)"\} (\d+)$/gm,
      )) {
        connectionsRefused[reason] = Number(count);
      }
      await pace();
    }
  })();
  return {
    async stop() {
      running = false;
      await prober;
      clearInterval(sampler);
      const end = rssOf(pid);
      return {
        rssMb: { start, peak: Math.max(peak, end), end },
        health: { ...health, failures: [...health.failures] },
        poolWaitingPeak,
        connectionsRefused: { ...connectionsRefused },
      };
    },
  };
}

/**
 * Answers below GraphQL, from the transport itself: Node's parser refuses a request line or headers
 * over 16 kB (a GET with a long query) with a bare 431, and `ws` closes a socket whose message is
 * over 100 KiB (the limit of an HTTP body) with 1009.
 */
const TRANSPORT_REFUSALS = new Set(["431", "ws-1009"]);

/** Every way an answer may break the contract; empty when it keeps it. */
function violations(answer: Answer): string[] {
  const found: string[] = [];
  if (TRANSPORT_REFUSALS.has(answer.transport === "ws" ? `ws-${answer.closed}` : String(answer.status))) return found;
  if (answer.status >= 500) found.push(`HTTP ${answer.status}`);
  for (const [what, pattern] of LEAKS) if (pattern.test(answer.text)) found.push(`holds ${what}`);
  if (answer.text.includes(ADMIN_TOKEN)) found.push("holds the admin token");
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    found.push("not JSON");
    return found;
  }
  for (const error of errorsOf(body)) {
    const code = (error as { extensions?: { code?: unknown } })?.extensions?.code;
    if (typeof code !== "string" || !CONTRACT_CODES.has(code)) found.push(`error code ${String(code)}`);
  }
  return found;
}

function errorsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body.flatMap(errorsOf);
  const errors = (body as { errors?: unknown })?.errors;
  return Array.isArray(errors) ? errors : [];
}

function codesOf(answer: Answer): string[] {
  try {
    return errorsOf(JSON.parse(answer.text)).map((e) =>
      String((e as { extensions?: { code?: unknown } }).extensions?.code),
    );
  } catch {
    return [];
  }
}

const CONTENT_TYPES = [
  "text/plain",
  "application/graphql",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/graphql-response+json",
  "application/json; charset=utf-8",
];

/** Sends one case the way its draw says; a WebSocket case on a socket of its own. */
async function send(url: string, draw: CaseDraw, op: GeneratedOperation): Promise<Answer> {
  const body = JSON.stringify({ query: op.query, variables: op.variables, operationName: op.operationName });
  const pick = <T>(items: T[]) => items[Math.abs(draw.seed) % items.length];
  const http = async (init: RequestInit, target = `${url}/graphql`): Promise<Answer> => {
    const response = await fetch(target, { ...init, signal: AbortSignal.timeout(60_000) });
    return { transport: draw.transport, status: response.status, text: await response.text() };
  };
  const json = { "content-type": "application/json" };
  switch (draw.transport) {
    case "post":
      return http({
        method: "POST",
        headers: { ...json, authorization: pick(["", "Bearer wrong", `Bearer ${"x".repeat(500)}`]) },
        body,
      });
    case "get": {
      const params = new URLSearchParams({ query: op.query });
      if (op.variables) params.set("variables", JSON.stringify(op.variables));
      if (typeof op.operationName === "string") params.set("operationName", op.operationName);
      // Apollo's CSRF rule: a GET needs a header a browser form cannot send.
      const headers: Record<string, string> = draw.seed % 4 === 0 ? {} : { "apollo-require-preflight": "1" };
      return http({ method: "GET", headers }, `${url}/graphql?${params}`);
    }
    case "batch":
      return http({ method: "POST", headers: json, body: `[${body},${body}]` });
    case "content-type":
      return http({ method: "POST", headers: { "content-type": pick(CONTENT_TYPES) }, body: pick([body, op.query]) });
    case "raw":
      return http({ method: "POST", headers: json, body: draw.garbage });
    case "method":
      return http({ method: pick(["PUT", "DELETE", "PATCH", "OPTIONS"]), headers: json, body });
    case "ws": {
      const ws = createClient({
        url: `${url.replace("http", "ws")}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      try {
        return await overWs(ws, op);
      } finally {
        await ws.dispose();
      }
    }
  }
}

/**
 * One operation over the socket. A subscription is ended after its first event or error, or after
 * SUBSCRIPTION_WAIT_MS without one (a filter may match no quote the ticks bring).
 */
function overWs(ws: WsClient, op: GeneratedOperation): Promise<Answer> {
  return new Promise((resolve) => {
    const silent = setTimeout(
      () => settle({ transport: "ws", status: 200, text: JSON.stringify({ silent: SUBSCRIPTION_WAIT_MS }) }),
      SUBSCRIPTION_WAIT_MS,
    );
    const results: unknown[] = [];
    let settled = false;
    const settle = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(silent);
      unsubscribe();
      resolve(answer);
    };
    const unsubscribe = ws.subscribe(
      { query: op.query, variables: op.variables, operationName: op.operationName },
      {
        next: (result) => {
          results.push(result);
          if (op.kind === "subscription") settle({ transport: "ws", status: 200, text: JSON.stringify(results) });
        },
        error: (error) => {
          const closed = error as { code?: number; reason?: string };
          settle(
            Array.isArray(error)
              ? { transport: "ws", status: 200, text: JSON.stringify({ errors: error }) }
              : { transport: "ws", status: 0, closed: closed.code, text: `closed ${closed.code} ${closed.reason}` },
          );
        },
        complete: () => settle({ transport: "ws", status: 200, text: JSON.stringify(results) }),
      },
    );
  });
}

/** Log lines above debug that break the contract, and the level of each line. */
function logFindings(service: ServiceProcess, from: number) {
  const lines = service.logs.slice(from);
  const above = lines.filter((l) => Number(l.level) > 20);
  const findings: string[] = [];
  for (const line of above) {
    // A slow statement is logged with its SQL text on purpose (src/db/query-logger.ts), never its parameters.
    const { sql: _sql, ...rest } = line.msg === "slow sql" ? line : { ...line, sql: undefined };
    const text = JSON.stringify(rest);
    for (const [what, pattern] of LEAKS) if (pattern.test(text)) findings.push(`log "${line.msg}" holds ${what}`);
    if (text.includes(ADMIN_TOKEN)) findings.push(`log "${line.msg}" holds the admin token`);
    // Ingestion's own failures (a CMC call) are judged by the ticks they leave; anything else at error is a finding.
    if (Number(line.level) >= 50 && !String(line.msg).startsWith("ingestion run "))
      findings.push(`error log "${line.msg}"`);
  }
  return { findings, byLevel: tally(above.map((l) => String(l.level))) };
}

/** The figures of a phase, from its start: the watcher's, the ticks' and the logs'. */
interface Phase {
  from: Date;
  logFrom: number;
  outputFrom: number;
  watcher: ReturnType<typeof watch>;
}

describe("hostile GraphQL against the running service", () => {
  // Every second a tick; the simulated minute moves every second too, so each tick stores new quotes.
  const fx = useSimulatorAndDatabase({ manualClock: false, minuteMs: 1_000, syntheticCoins: 10 });
  let service: ServiceProcess;
  let url: string;
  let db: Client;
  const report: Record<string, unknown> = { seed };

  const startPhase = (): Phase => ({
    from: new Date(),
    logFrom: service.logs.length,
    outputFrom: service.output.length,
    watcher: watch(url, service.child.pid as number),
  });

  /** What a phase measured, and the contract it must have kept meanwhile. */
  async function endPhase(phase: Phase) {
    const figures = await phase.watcher.stop();
    const { rows } = await db.query<{ status: string; error: string | null; n: number }>(
      `SELECT status, error_message AS error, count(*)::int AS n FROM ingestion_run
       WHERE trigger = 'SCHEDULE' AND started_at >= $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [phase.from],
    );
    const lines = service.logs.slice(phase.logFrom);
    const logs = logFindings(service, phase.logFrom);
    const runMs = lines.filter((l) => l.msg === "ingestion run succeeded").map((l) => Number(l.ms));
    return {
      ...figures,
      ticks: Object.fromEntries(rows.map((r) => [r.error ? `${r.status} (${r.error})` : r.status, r.n])),
      ticksFailed: rows.filter((r) => r.status === "FAILED").reduce((n, r) => n + r.n, 0),
      ticksSucceeded: rows.filter((r) => r.status === "SUCCEEDED").reduce((n, r) => n + r.n, 0),
      tickErrors: lines.filter((l) => String(l.msg).startsWith("ingestion tick failed")).length,
      runMs: runMs.length ? { min: Math.min(...runMs), max: Math.max(...runMs) } : undefined,
      logsAboveDebugByLevel: logs.byLevel,
      logFindings: logs.findings,
      ingestionErrors: tally(lines.filter((l) => Number(l.level) >= 50).map((l) => String(l.msg))),
      // What the service wrote outside its JSON log (graphql-ws prints internal errors with their stack).
      stderr: service.output.slice(phase.outputFrom).filter((line) => line && !line.startsWith("{")),
    };
  }

  /** The contract of every phase: health answering, memory bounded, ingestion running, logs clean. */
  function expectPhaseKept(figures: Awaited<ReturnType<typeof endPhase>>) {
    expect(figures.logFindings).toEqual([]);
    expect(figures.health.failures).toEqual([]);
    expect(figures.rssMb.peak - figures.rssMb.start).toBeLessThan(RSS_BOUND_MB);
    expect(figures.ticksFailed).toBe(0);
    expect(figures.tickErrors).toBe(0);
    expect(figures.ticksSucceeded).toBeGreaterThan(0);
    // Ticks that found the previous run still going are recorded as SKIPPED with that reason, and counted.
    for (const tick of Object.keys(figures.ticks)) {
      expect(tick).toMatch(/^SUCCEEDED$|^RUNNING$|^SKIPPED \(the previous run is still in progress\)$/);
    }
    // At most the run in flight when the phase ended.
    expect(figures.ticks.RUNNING ?? 0).toBeLessThanOrEqual(1);
  }

  beforeAll(async () => {
    service = spawnService({
      ...simulatorServiceEnv(fx),
      ADMIN_TOKEN,
      NODE_ENV: "",
      GRAPHQL_INTROSPECTION: "false",
      MAX_WAITERS_PER_CLIENT: String(WS_SOCKETS * 10),
    });
    url = String((await service.waitForLog(isReady)).url).replace(/\/graphql$/, "");
    // A baseline: five runs while nothing else happens.
    let succeeded = 0;
    await service.waitForLog((l) => l.msg === "ingestion run succeeded" && ++succeeded === 5);
    report.baselineRunMs = service.logs.filter((l) => l.msg === "ingestion run succeeded").map((l) => l.ms);
    db = new Client({ connectionString: fx.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    if (service) {
      service.child.kill("SIGTERM");
      await service.exited;
    }
    writeReliabilityReport(SCENARIO, report);
  });

  it(`answers ${CASES} seeded hostile requests without a 5xx, an uncoded error or a leak`, async () => {
    const draws = fc.sample(caseDraw, { seed, numRuns: CASES });
    const phase = startPhase();
    const answers: Answer[] = [];
    const broken: { draw: CaseDraw; op: GeneratedOperation; answer: Answer; found: string[] }[] = [];
    let nextCase = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (nextCase < draws.length) {
          const draw = draws[nextCase++];
          const op = operationOf(draw);
          const answer = await send(url, draw, op);
          answers.push(answer);
          const found = violations(answer);
          if (found.length) broken.push({ draw, op, answer, found });
        }
      }),
    );
    const figures = await endPhase(phase);
    report.fuzz = {
      cases: answers.length,
      byTransport: tally(answers.map((a) => a.transport)),
      byStatus: tally(answers.map((a) => (a.closed ? `ws closed ${a.closed}` : String(a.status)))),
      byCode: tally(answers.flatMap(codesOf)),
      byFirstCode: tally(answers.map((a) => codesOf(a)[0] ?? "none")),
      fiveXx: answers.filter((a) => a.status >= 500).length,
      broken: broken.length,
      // One of each kind of broken answer, to replay (RELIABILITY_SEED) and read.
      examples: [...new Map(broken.map((b) => [`${b.draw.transport} ${b.answer.status} ${b.found}`, b])).values()].map(
        (b) => ({ found: b.found, transport: b.draw.transport, op: b.op, answer: b.answer.text.slice(0, 600) }),
      ),
      ...figures,
    };
    expect(broken.map((b) => b.found)).toEqual([]);
    expectPhaseKept(figures);
  });

  it(`stays up under ${STORM_WORKERS} parallel streams of the heaviest admitted queries for ${STORM_TICKS} ticks`, async () => {
    const quoteFields =
      "id convert price volume24h marketCap percentChange1h percentChange24h percentChange7d circulatingSupply lastUpdated ingestedAt";
    const assetFields = "id cmcId symbol name slug rank tracked";
    const aliased = (n: number, field: string) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;
    // Each at the limits: most root fields and aliases, biggest pages, deepest nesting the budget admits.
    const candidates = [
      (n: number) => aliased(n, `latestQuotes { ${quoteFields} asset { ${assetFields} } }`),
      (n: number) =>
        aliased(
          n,
          `priceHistory(symbol: "BTC", first: 1000) { nodes { ${quoteFields} asset { ${assetFields} } } edges { cursor } pageInfo { hasNextPage endCursor } }`,
        ),
      (n: number) =>
        aliased(n, `candles(symbol: "ETH", interval: MINUTE, limit: 1000) { start open high low close samples }`),
      (n: number) =>
        aliased(
          n,
          `latestQuotes { asset { latestQuote { asset { history(first: 5) { nodes { asset { candles(interval: MINUTE, limit: 20) { open } } } } } } } }`,
        ),
    ];
    // The heaviest of each the service admits: as many aliases as fit the budget and the caps.
    const storm: string[] = [];
    for (const candidate of candidates) {
      for (let n = 30; n >= 1; n--) {
        const { status, body } = await post(url, candidate(n));
        if (status === 200 && !body.errors) {
          storm.push(candidate(n));
          break;
        }
      }
    }
    expect(storm.map((q) => q.slice(0, 40))).toEqual(candidates.map((c) => c(1).slice(0, 40)));

    const phase = startPhase();
    const stormStart = Date.now();
    let ticks = 0;
    const enough = service.waitForLog(
      (l) => Number(l.time) >= stormStart && String(l.msg).startsWith("ingestion run") && ++ticks === STORM_TICKS,
    );
    let done = false;
    void enough.then(() => {
      done = true;
    });
    const answers: Answer[] = [];
    await Promise.all(
      Array.from({ length: STORM_WORKERS }, async (_, worker) => {
        for (let i = worker; !done; i++) {
          const { status, text } = await post(url, storm[i % storm.length]);
          answers.push({ transport: "post", status, text });
        }
      }),
    );
    const figures = await endPhase(phase);
    const broken = answers.filter((a) => violations(a).length > 0);
    report.storm = {
      queries: storm.map((q) => `${q.slice(0, 120)}… (${q.length} bytes)`),
      requests: answers.length,
      byStatus: tally(answers.map((a) => String(a.status))),
      byCode: tally(answers.flatMap(codesOf)),
      fiveXx: answers.filter((a) => a.status >= 500).length,
      broken: broken.slice(0, 3).map((a) => a.text.slice(0, 300)),
      ...figures,
    };
    expect(broken).toEqual([]);
    expectPhaseKept(figures);
    // One request holds at most REQUEST_STATEMENTS statements: the API pool's queue stays within the storm's.
    expect(figures.poolWaitingPeak).toBeLessThanOrEqual(STORM_WORKERS * REQUEST_STATEMENTS);
  });

  it("keeps serving through a hostile WebSocket client: too many subscriptions, huge and invalid messages", async () => {
    const phase = startPhase();
    const wsUrl = `${url.replace("http", "ws")}/graphql`;
    /** A raw socket speaking graphql-transport-ws, and how the server closed it. */
    const raw = (protocol = "graphql-transport-ws") => {
      const socket = new WebSocket(wsUrl, protocol);
      const messages: { type: string; id?: string; payload?: unknown }[] = [];
      socket.on("message", (data) => messages.push(JSON.parse(String(data))));
      const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
      const opened = new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      // A refused handshake is awaited through `closed`.
      opened.catch(() => undefined);
      return { socket, messages, closed, opened };
    };
    const sendRaw = (socket: WebSocket, message: unknown) =>
      socket.send(typeof message === "string" || Buffer.isBuffer(message) ? message : JSON.stringify(message));
    const acked = async (r: ReturnType<typeof raw>) => {
      await r.opened;
      sendRaw(r.socket, { type: "connection_init" });
      await expect.poll(() => r.messages.some((m) => m.type === "connection_ack"), { timeout: 30_000 }).toBe(true);
    };

    // Invalid messages: each closes its socket with the protocol's code, and nothing else.
    const protocolCases: [string, (r: ReturnType<typeof raw>) => Promise<void>, number][] = [
      ["garbage", async (r) => sendRaw(r.socket, "\u0000 not json {"), 4400],
      ["binary", async (r) => sendRaw(r.socket, Buffer.from([0xff, 0x00, 0xfe])), 4400],
      ["unknown type", async (r) => sendRaw(r.socket, { type: "drop_tables" }), 4400],
      [
        "subscribe before init",
        async (r) => sendRaw(r.socket, { id: "1", type: "subscribe", payload: { query: "{ ingestion { enabled } }" } }),
        4401,
      ],
      [
        "init twice",
        async (r) => {
          await acked(r);
          sendRaw(r.socket, { type: "connection_init" });
        },
        4429,
      ],
      [
        "the same id twice",
        async (r) => {
          await acked(r);
          const waiting = {
            id: "same",
            type: "subscribe",
            payload: { query: "subscription { quoteAdded { price } }" },
          };
          sendRaw(r.socket, waiting);
          sendRaw(r.socket, waiting);
        },
        4409,
      ],
      [
        "a message over 100 KiB",
        async (r) => {
          await acked(r);
          sendRaw(r.socket, { id: "big", type: "subscribe", payload: { query: `{ ${"a".repeat(110 * 1024)} }` } });
        },
        1009,
      ],
      ["no init within the wait", async () => undefined, 4408],
    ];
    const protocolCloses: Record<string, number> = {};
    await Promise.all(
      protocolCases.map(async ([name, act]) => {
        const r = raw();
        await r.opened;
        await act(r);
        protocolCloses[name] = await r.closed;
      }),
    );
    const wrongProtocol = raw("graphql-ws");
    // The server picks no subprotocol for it, so the client refuses the handshake (1006).
    protocolCloses["the old subscriptions-transport-ws protocol"] = await wrongProtocol.closed;

    // Subscriptions past the per-socket cap (20) on many sockets, past the per-client cap on waiters.
    const sockets = Array.from({ length: WS_SOCKETS }, () => raw());
    const refusals: string[] = [];
    await Promise.all(sockets.map(acked));
    for (const [i, r] of sockets.entries()) {
      for (let id = 0; id < 25; id++) {
        sendRaw(r.socket, {
          id: `s${id}`,
          type: "subscribe",
          payload: {
            query: `subscription { quoteAdded(symbols: ["${["BTC", "ETH", "SOL"][(i + id) % 3]}"]) { price } }`,
          },
        });
      }
    }
    const started = WS_SOCKETS * 25;
    await expect
      .poll(
        () => {
          refusals.length = 0;
          let streaming = 0;
          for (const r of sockets) {
            // A subscription refused before it starts is an `error` message; one its resolver refuses
            // (a cap on waiters) is a single `next` carrying errors, then `complete`.
            const refused = new Set<string | undefined>();
            for (const m of r.messages) {
              const errors =
                m.type === "error"
                  ? (m.payload as GraphQLFormattedError[])
                  : (m.payload as { errors?: GraphQLFormattedError[] } | undefined)?.errors;
              if (!errors || refused.has(m.id)) continue;
              refused.add(m.id);
              refusals.push(String(errors[0]?.extensions?.code));
            }
            streaming += new Set(r.messages.filter((m) => m.type === "next" && !refused.has(m.id)).map((m) => m.id))
              .size;
          }
          return refusals.length + streaming;
        },
        { timeout: 60_000 },
      )
      .toBe(started);
    const waiters = async () =>
      Number((await (await fetch(`${url}/metrics`)).text()).match(/^quotegraph_long_poll_waiters (\d+)$/m)?.[1]);
    const waitersDuring = await waiters();
    for (const r of sockets) r.socket.close(1000);
    await Promise.all(sockets.map((r) => r.closed));
    await expect.poll(waiters, { timeout: 30_000 }).toBe(0);

    // Still serving: a fresh subscription gets the next tick's quote.
    const after = raw();
    await acked(after);
    sendRaw(after.socket, {
      id: "after",
      type: "subscribe",
      payload: { query: `subscription { quoteAdded(symbols: ["BTC"]) { price } }` },
    });
    await expect.poll(() => after.messages.some((m) => m.type === "next"), { timeout: 30_000 }).toBe(true);
    after.socket.close(1000);

    const figures = await endPhase(phase);
    report.websocket = {
      protocolCloses,
      subscriptionsAsked: started,
      refusedByCode: tally(refusals),
      waitersDuring,
      ...figures,
    };
    expect(protocolCloses).toEqual({
      garbage: 4400,
      binary: 4400,
      "unknown type": 4400,
      "subscribe before init": 4401,
      "init twice": 4429,
      "the same id twice": 4409,
      "a message over 100 KiB": 1009,
      "no init within the wait": 4408,
      "the old subscriptions-transport-ws protocol": 1006,
    });
    // The client's cap on waiters (MAX_WAITERS_PER_CLIENT) streams exactly that many; the rest are refused with a code.
    expect(started - refusals.length).toBe(WS_SOCKETS * 10);
    expect(new Set(refusals)).toEqual(new Set(["TOO_MANY_SUBSCRIPTIONS", "TOO_MANY_WAITERS"]));
    expect(figures.stderr).toEqual([]);
    expectPhaseKept(figures);
  });
});

/** POSTs a query; the status and the parsed body. */
async function post(url: string, query: string) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { data?: unknown; errors?: unknown[] } };
}
