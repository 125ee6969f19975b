import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

export const MAIN = path.resolve(__dirname, "../../dist/src/main.js");

/** The line that ends the start-up: the service serves, and says where (its `url` field is the GraphQL URL). */
export const isReady = (log: Record<string, unknown>): boolean => String(log.msg).startsWith("ready: ");

/** A child process with its output kept line by line, and stdout's JSON lines parsed as log entries. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Every line written to stdout and stderr so far. */
  output: string[];
  /** Parsed JSON log lines from stdout. */
  logs: Record<string, unknown>[];
  waitForLog(predicate: (log: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnService(
  env: Record<string, string>,
  options: { detached?: boolean; main?: string } = {},
): ServiceProcess {
  const child = spawn(process.execPath, [options.main ?? MAIN], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  return watchProcess(child);
}

/** Keeps a child's output (stdout and stderr) line by line and lets a test await a log line. */
export function watchProcess(child: ChildProcess): ServiceProcess {
  const output: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (log: Record<string, unknown>) => boolean;
    resolve: (log: Record<string, unknown>) => void;
  }[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const collect = (stream: NodeJS.ReadableStream, json: boolean) => {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        output.push(line);
        if (!json) continue;
        try {
          const log = JSON.parse(line) as Record<string, unknown>;
          logs.push(log);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(log)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(log);
            }
          }
        } catch {
          // not a log line
        }
      }
    });
  };
  collect(child.stdout as NodeJS.ReadableStream, true);
  collect(child.stderr as NodeJS.ReadableStream, false);
  return {
    child,
    output,
    logs,
    exited,
    waitForLog(predicate) {
      const seen = logs.find(predicate);
      if (seen) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiters.push({ predicate, resolve })),
        exited.then(({ code }) => {
          throw new Error(`service exited (code ${code}) before the awaited log line:\n${output.join("\n")}`);
        }),
      ]);
    },
  };
}
