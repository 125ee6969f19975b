import { parseArgs } from "node:util";

/** How much data the generator loads: every asset gets one USD quote a minute for `days` days. */
export interface Scale {
  name: string;
  assets: number;
  days: number;
}

export const SCALES: Record<string, Scale> = {
  // The full scale: 100 × 180 × 1,440 = 25.92 million quotes.
  full: { name: "full", assets: 100, days: 180 },
  // The scale of the table: 4.32 million quotes.
  month: { name: "month", assets: 100, days: 30 },
  // --quick: 1.008 million quotes, so that a run takes minutes.
  week: { name: "week", assets: 100, days: 7 },
};

export interface Settings {
  quick: boolean;
  scale: Scale;
  /** The bench's own database, created (and filled) when missing. */
  databaseUrl: string;
  /** Connections autocannon keeps open against each target. */
  connections: number;
  warmupSeconds: number;
  timedSeconds: number;
  rounds: number;
  /** Which parts to run; default all. */
  only: Set<string>;
  /** Load the data again even when the database already holds this scale. */
  regenerate: boolean;
}

export const PARTS = ["reads", "ingestion", "fanout", "start"] as const;

const USAGE = `npm run bench [-- --quick] [-- --scale full|month|week] [-- --only reads,ingestion,fanout,start] [-- --regenerate]
  BENCH_DATABASE_URL  the PostgreSQL database to create and fill (default postgres://postgres@127.0.0.1:5432/quotegraph_bench)`;

export function readSettings(argv: string[] = process.argv.slice(2), env = process.env): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      scale: { type: "string" },
      only: { type: "string" },
      regenerate: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const scaleName = values.scale ?? (quick ? "week" : "month");
  const scale = SCALES[scaleName];
  if (!scale) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(", ")} (got ${scaleName})`);
  const only = new Set(values.only ? values.only.split(",").map((p) => p.trim()) : PARTS);
  for (const part of only) {
    if (!(PARTS as readonly string[]).includes(part)) throw new Error(`--only takes ${PARTS.join(",")} (got ${part})`);
  }
  return {
    quick,
    scale,
    databaseUrl: env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/quotegraph_bench",
    connections: 50,
    // A timed window must hold many answers of the slowest target: on a busy machine a request
    // waits seconds at 50 connections, and a 3 s window counted none for some targets.
    warmupSeconds: quick ? 2 : 3,
    timedSeconds: quick ? 6 : 10,
    rounds: 2,
    only,
    regenerate: values.regenerate ?? false,
  };
}
