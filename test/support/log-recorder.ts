import { Writable } from "node:stream";
import pino from "pino";

/** A logger at trace level that keeps every line it writes, parsed. */
export function logRecorder() {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: "trace" }, sink) };
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
