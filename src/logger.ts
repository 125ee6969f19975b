import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "./config";

export type { Logger };

/**
 * In a terminal, one short readable line per entry (time, level, message); JSON lines otherwise (a pipe, a file, a log
 * shipper) and always in production. Pretty output is written synchronously, so nothing is lost
 * when the process exits right after logging.
 */
export function createLogger(
  config: Pick<Config, "logLevel" | "nodeEnv">,
  terminal: boolean = process.stdout.isTTY === true,
): Logger {
  const options = {
    level: config.logLevel,
    base: { service: "quotegraph" },
    redact: {
      paths: ["password", "*.password", "apiKey", "*.apiKey", "req.headers.authorization", "headers.authorization"],
      censor: "[redacted]",
    },
  };
  if (!terminal || config.nodeEnv === "production") return pino(options);
  return pino(
    options,
    // The message alone: each says what happened in words; the fields are for machines (JSON).
    pretty({ sync: true, hideObject: true, translateTime: "SYS:HH:MM:ss" }),
  );
}
