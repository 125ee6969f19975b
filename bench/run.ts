/*
 * npm run bench [-- --quick]: the figures of issue 10, side by side with PostGraphile v5 and a bare
 * http + pg server on the same data. See README.md for the method.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { fanoutFigures } from "./fanout.ts";
import { prepareData, recordRecentRun } from "./generate.ts";
import { ingestionFigures } from "./ingestion.ts";
import { load } from "./load.ts";
import { LOG_DIR, type Server } from "./processes.ts";
import { timeReads, verify } from "./read-bench.ts";
import { reads } from "./reads.ts";
import { type Figures, report } from "./report.ts";
import { readSettings } from "./settings.ts";
import { bare, postgraphile, quotegraph, type Target } from "./targets.ts";

const settings = readSettings();
const database = new URL(settings.databaseUrl).pathname.slice(1);
const targets: Target[] = [
  postgraphile(settings.databaseUrl),
  bare(settings.databaseUrl),
  quotegraph(settings.databaseUrl, "quotegraph uncached", "0"),
  quotegraph(settings.databaseUrl, "quotegraph as served"),
];
const figures: Figures = {
  started: new Date(),
  cores: cpus().length,
  node: process.version,
  settings,
  targets: targets.map((t) => t.name),
};
const say = (message: string) => console.log(`[bench] ${message}`);
say(
  `${figures.started.toISOString()} · ${figures.cores} cores · Node ${process.version} · scale ${settings.scale.name} ` +
    `(${settings.scale.assets} assets × ${settings.scale.days} days) · server logs in ${LOG_DIR}`,
);

await prepareData(settings.databaseUrl, settings.scale, settings.regenerate);

if (settings.only.has("reads")) {
  const running: [Target, Server][] = [];
  try {
    for (const target of targets) running.push([target, await target.start()]);
    const list = reads(settings.scale);
    await verify(list, running);
    figures.reads = await timeReads(settings, database, list, running);
    // One client at a time: the latency of the longest candles read, without queueing.
    const day = list.find((r) => r.name === "candlesDay");
    figures.dayLatency = new Map();
    for (const [target, server] of running.filter(([t]) => t.name !== "quotegraph as served")) {
      if (!day) break;
      say(`candles(DAY), one connection: ${target.name}`);
      figures.dayLatency.set(
        target.name,
        await load({
          url: server.url,
          pid: server.pid,
          database,
          request: day.request[target.kind],
          connections: 1,
          warmupSeconds: settings.warmupSeconds,
          timedSeconds: settings.timedSeconds,
        }),
      );
    }
  } finally {
    await Promise.all(running.map(([, server]) => server.stop()));
  }
}

if (settings.only.has("ingestion")) {
  say("ingestion: 5,000 quotes three ways");
  figures.ingestion = await ingestionFigures(settings.databaseUrl, 3, settings.quick ? 20_000 : 60_000);
}

const service = targets[3];
if (settings.only.has("fanout")) {
  say("fan-out: 1,000 long polls + 1,000 subscriptions");
  await recordRecentRun(settings.databaseUrl);
  const server = await service.start();
  try {
    figures.fanout = await fanoutFigures(settings.databaseUrl, server, settings.quick ? 5 : 10);
  } finally {
    await server.stop();
  }
}

if (settings.only.has("start")) {
  figures.startMs = [];
  for (let i = 0; i < 3; i++) {
    await recordRecentRun(settings.databaseUrl);
    const server = await service.start();
    figures.startMs.push(server.startedMs);
    await server.stop();
  }
}

const markdown = report(figures);
const out = path.join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
const file = path.join(
  out,
  `${figures.started.toISOString().replace(/[:.]/g, "-")}${settings.quick ? "-quick" : ""}.md`,
);
writeFileSync(file, `${markdown}\n`);
console.log(`\n${markdown}\n`);
say(`written to ${path.relative(process.cwd(), file)}`);
