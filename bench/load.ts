import autocannon from "autocannon";
import { cpuSeconds, databaseCpu, databaseCpuBetween } from "./processes.ts";
import type { Request } from "./reads.ts";

export interface LoadResult {
  requests: number;
  seconds: number;
  /** Non-2xx answers, socket errors and timeouts. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** The server process's CPU seconds over the timed part. */
  serverCpu: number;
  /** PostgreSQL backends' CPU seconds over the timed part (all backends of the bench database). */
  databaseCpu: number;
}

function fire(url: string, request: Request, connections: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: url + request.path,
        method: request.method,
        body: request.body,
        headers: request.headers,
        connections,
        duration: seconds,
        // Candles at 50 connections answer in seconds on a busy machine.
        timeout: 60,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** Warm-up (discarded), then the timed run with the server's and the database's CPU read from /proc around it. */
export async function load(options: {
  url: string;
  pid: number;
  database: string;
  request: Request;
  connections: number;
  warmupSeconds: number;
  timedSeconds: number;
}): Promise<LoadResult> {
  await fire(options.url, options.request, options.connections, options.warmupSeconds);
  const cpuBefore = cpuSeconds(options.pid);
  const dbBefore = databaseCpu(options.database);
  const result = await fire(options.url, options.request, options.connections, options.timedSeconds);
  const serverCpu = cpuSeconds(options.pid) - cpuBefore;
  const dbCpu = databaseCpuBetween(dbBefore, databaseCpu(options.database));
  return {
    requests: result.requests.total,
    seconds: result.duration,
    errors: result.errors + result.timeouts + result.non2xx,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    serverCpu,
    databaseCpu: dbCpu,
  };
}
