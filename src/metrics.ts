import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Ingestion } from "./ingestion/ingestion";

/** Prometheus metrics of one service instance (its own registry, so several can share a process). */
export interface Metrics {
  registry: Registry;
}

export function createMetrics(ingestion: Ingestion): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const runs = new Counter({
    name: "quotegraph_ingestion_runs_total",
    help: "Ingestion runs recorded, by trigger and outcome.",
    labelNames: ["trigger", "status"] as const,
    registers,
  });
  const inserted = new Counter({
    name: "quotegraph_quotes_inserted_total",
    help: "Quotes stored by ingestion runs (repeats of a stored CMC minute excluded).",
    registers,
  });
  const credits = new Counter({
    name: "quotegraph_cmc_credits_used_total",
    help: "CoinMarketCap credits spent, per status.credit_count.",
    registers,
  });
  new Gauge({
    name: "quotegraph_buffered_quotes",
    help: "Fetched quotes waiting in memory for the database to come back.",
    registers,
    collect() {
      this.set(ingestion.buffer.size);
    },
  });
  new Gauge({
    name: "quotegraph_buffered_quotes_dropped",
    help: "Quotes dropped since start because the in-memory buffer was full.",
    registers,
    collect() {
      this.set(ingestion.buffer.dropped);
    },
  });
  new Gauge({
    name: "quotegraph_ingestion_enabled",
    help: "1 while ingestion is scheduled, 0 after CoinMarketCap refused the key.",
    registers,
    collect() {
      this.set(ingestion.state().enabled ? 1 : 0);
    },
  });
  ingestion.events.on("run", ({ run }) => {
    runs.inc({ trigger: run.trigger, status: run.status });
    inserted.inc(run.quotesInserted);
    credits.inc(run.creditsUsed);
  });
  return { registry };
}
