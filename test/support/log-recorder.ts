import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import pino from "pino";

/**
 * A logger at trace level that keeps every line it writes, parsed, so a test can read them, count
 * a message, or await its next line instead of waiting for time to pass.
 */
export function logRecorder() {
  const lines: Record<string, any>[] = [];
  const logged = new EventEmitter<{ line: [Record<string, any>] }>();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split("\n")) {
        if (!text) continue;
        const line = JSON.parse(text);
        lines.push(line);
        logged.emit("line", line);
      }
      done();
    },
  });
  return {
    lines,
    logger: pino({ level: "trace" }, sink),
    /** How many lines with this message were logged so far. */
    count: (message: string) => lines.filter((l) => l.msg === message).length,
    /** Resolves at the next line with this message. */
    next: (message: string) =>
      new Promise<void>((resolve) => {
        const check = (line: Record<string, any>) => {
          if (line.msg !== message) return;
          logged.off("line", check);
          resolve();
        };
        logged.on("line", check);
      }),
  };
}

/** Whitespace folded, as `sqlRecorder` shows a statement. */
export const oneLine = (sql: string): string => sql.replace(/\s+/g, " ").trim();

/** A logger at trace level whose `sql` lines (the statements run) are collected. */
export function sqlRecorder() {
  const { lines, logger } = logRecorder();
  return {
    get statements() {
      return lines.filter((l) => l.msg === "sql").map((l) => oneLine(String(l.sql)));
    },
    clear: () => {
      lines.length = 0;
    },
    logger,
  };
}
