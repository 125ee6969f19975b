import { isDeepStrictEqual } from "node:util";
import { type LoadResult, load } from "./load.ts";
import type { Server } from "./processes.ts";
import type { Read } from "./reads.ts";
import type { Settings } from "./settings.ts";
import type { Target } from "./targets.ts";

export interface ReadFigures {
  read: Read;
  /** By target name: every round's timed result. */
  results: Map<string, LoadResult[]>;
}

/** Sends each read once to every target and fails unless all return the same rows. */
export async function verify(reads: Read[], running: [Target, Server][]): Promise<void> {
  for (const read of reads) {
    let reference: { target: string; rows: unknown[] } | undefined;
    for (const [target, server] of running) {
      const request = read.request[target.kind];
      const response = await fetch(server.url + request.path, {
        method: request.method,
        body: request.body,
        headers: request.headers,
      });
      const text = await response.text();
      if (response.status !== 200)
        throw new Error(`${read.name} on ${target.name}: HTTP ${response.status} ${text.slice(0, 300)}`);
      const rows = read.rows[target.kind](JSON.parse(text));
      if (rows.length === 0) throw new Error(`${read.name} on ${target.name}: no rows`);
      if (!reference) {
        reference = { target: target.name, rows };
        continue;
      }
      if (!isDeepStrictEqual(rows, reference.rows)) {
        const at = rows.findIndex((row, i) => !isDeepStrictEqual(row, reference?.rows[i]));
        throw new Error(
          `${read.name}: ${target.name} returned other rows than ${reference.target} ` +
            `(${rows.length} vs ${reference.rows.length} rows; first difference at row ${at}: ` +
            `${JSON.stringify(rows[at])} vs ${JSON.stringify(reference.rows[at])})`,
        );
      }
    }
    console.log(`[reads] ${read.name}: ${reference?.rows.length} rows, the same from every target`);
  }
}

/**
 * Every read against every target, `rounds` times; within a round the targets take turns read by
 * read, and each round starts with the next target, so none always runs first or last.
 */
export async function timeReads(
  settings: Settings,
  database: string,
  reads: Read[],
  running: [Target, Server][],
): Promise<ReadFigures[]> {
  const figures = reads.map((read) => ({ read, results: new Map<string, LoadResult[]>() }));
  for (let round = 0; round < settings.rounds; round++) {
    const order = running.map((_, i) => running[(i + round) % running.length]);
    for (const figure of figures) {
      for (const [target, server] of order) {
        const result = await load({
          url: server.url,
          pid: server.pid,
          database,
          request: figure.read.request[target.kind],
          connections: settings.connections,
          warmupSeconds: settings.warmupSeconds,
          timedSeconds: settings.timedSeconds,
        });
        const list = figure.results.get(target.name) ?? [];
        list.push(result);
        figure.results.set(target.name, list);
        console.log(
          `[reads] round ${round + 1} ${figure.read.name} ${target.name}: ${(result.requests / result.seconds).toFixed(1)} req/s, ` +
            `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.errors} errors, ` +
            (result.requests > 0
              ? `${((result.serverCpu / result.requests) * 1000).toFixed(2)} ms CPU/req`
              : `no answer within the window, ${result.serverCpu.toFixed(2)} s CPU`),
        );
      }
    }
  }
  return figures;
}

/** Rounds added up: requests over seconds, CPU over requests; latencies the mean of the rounds'. */
export function summarise(results: LoadResult[]) {
  const requests = results.reduce((s, r) => s + r.requests, 0);
  const seconds = results.reduce((s, r) => s + r.seconds, 0);
  const per = (cpu: number) => (requests > 0 ? (cpu / requests) * 1000 : Number.NaN);
  // Latencies of rounds that counted answers only (autocannon reports 0 for a window without any).
  const answered = results.filter((r) => r.requests > 0);
  const mean = (f: (r: LoadResult) => number) => answered.reduce((s, r) => s + f(r), 0) / answered.length;
  return {
    rps: requests / seconds,
    cpuMs: per(results.reduce((s, r) => s + r.serverCpu, 0)),
    dbCpuMs: per(results.reduce((s, r) => s + r.databaseCpu, 0)),
    p50Ms: mean((r) => r.p50Ms),
    p99Ms: mean((r) => r.p99Ms),
    errors: results.reduce((s, r) => s + r.errors, 0),
  };
}
