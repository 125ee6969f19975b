/**
 * Runs the CMC simulator on its own, for `npm run demo`. Compiled into dist/, so it may only use
 * Node built-ins and runtime dependencies.
 *
 * SIM_PORT (default 4010), SIM_MINUTE_MS (real ms per simulated minute, default 60000),
 * SIM_API_KEY (default "sim-key").
 */
import { startCmcSimulator } from "./server";

function integerFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const port = integerFromEnv("SIM_PORT", 4010, 0, 65_535);
  const minuteMs = integerFromEnv("SIM_MINUTE_MS", 60_000, 1, 86_400_000);
  const apiKey = process.env.SIM_API_KEY || "sim-key";
  const simulator = await startCmcSimulator({ port, minuteMs, apiKeys: [apiKey] });
  process.stderr.write(`CMC simulator listening on ${simulator.url} (one simulated minute every ${minuteMs} ms)\n`);
  // Closing the server is enough: nothing else keeps the process alive.
  const stop = () => {
    simulator.close().catch((error: unknown) => {
      process.stderr.write(`CMC simulator failed to stop: ${String(error)}\n`);
      process.exitCode = 1;
    });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`CMC simulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
