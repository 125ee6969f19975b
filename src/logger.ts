import pino, { type Logger } from "pino";
import type { Config } from "./config";

export type { Logger };

function prettyAvailable(): boolean {
  try {
    require.resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}

/** JSON lines in production; readable lines in development when pino-pretty is installed. */
export function createLogger(config: Pick<Config, "logLevel" | "nodeEnv">): Logger {
  const pretty = config.nodeEnv === "development" && process.stdout.isTTY && prettyAvailable();
  return pino({
    level: config.logLevel,
    base: { service: "quotegraph" },
    redact: {
      paths: ["password", "*.password", "apiKey", "*.apiKey", "req.headers.authorization", "headers.authorization"],
      censor: "[redacted]",
    },
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l" } } } : {}),
  });
}
