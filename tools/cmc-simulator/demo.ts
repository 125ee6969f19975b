/**
 * `npm run demo`: the service fed by the CMC simulator, fully offline, so a dashboard can be built
 * without a key. The simulator's clock is the real one, and its prices move every DEMO_MINUTE_MS
 * (default 5000 ms) instead of every minute as CMC's do; the schedule runs at each move, so the
 * dashboard changes every few seconds and "updated 3 s ago" is true. Mock prices go to their own
 * embedded cluster (data/postgres-simulator), never to a database with real prices.
 */
import { startCmcSimulator } from "./server";

const minuteMs = Number(process.env.DEMO_MINUTE_MS ?? 5000);
if (!Number.isInteger(minuteMs) || minuteMs < 1000 || minuteMs > 60_000 || 60_000 % minuteMs !== 0) {
  process.stderr.write("quotegraph demo: DEMO_MINUTE_MS must be whole seconds that divide a minute (1000 to 60000)\n");
  process.exit(2);
}

// A simulated month passes in hours at demo speed: the simulator must not run out of credits.
startCmcSimulator({
  minuteMs,
  stepMs: minuteMs,
  startTime: new Date(),
  apiKeys: ["demo-key"],
  monthlyCredits: 1_000_000_000,
}).then(
  (simulator) => {
    Object.assign(process.env, {
      CMC_BASE_URL: simulator.url,
      CMC_API_KEY: "demo-key",
      QUOTEGRAPH_SOURCE: "simulator",
      INGEST_CRON: `*/${minuteMs / 1000} * * * * *`,
      TRACKED_SYMBOLS: process.env.TRACKED_SYMBOLS ?? "BTC,ETH,SOL,DOGE",
      // Simulated credits cost nothing; a real-time projection of a 5-second "minute" would only alarm.
      CMC_MONTHLY_CREDITS: process.env.CMC_MONTHLY_CREDITS ?? "100000000",
    });
    const stop = () => void simulator.close();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    // The service itself, exactly as `npm start` runs it, reading the environment set above.
    require("../../src/main");
  },
  (error: unknown) => {
    process.stderr.write(`quotegraph demo: the CMC simulator did not start: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
