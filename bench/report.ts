import type { FanoutFigures } from "./fanout.ts";
import type { IngestionFigures } from "./ingestion.ts";
import type { LoadResult } from "./load.ts";
import { type ReadFigures, summarise } from "./read-bench.ts";
import type { Settings } from "./settings.ts";

export interface Figures {
  started: Date;
  cores: number;
  node: string;
  settings: Settings;
  targets: string[];
  reads?: ReadFigures[];
  /** candles(DAY) over all the data, one connection, by target. */
  dayLatency?: Map<string, LoadResult>;
  ingestion?: IngestionFigures;
  fanout?: FanoutFigures;
  startMs?: number[];
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "–");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "–");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : Number.NaN;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : Number.NaN;
};
/** a ≥ factor × b; undefined (not judged) when either side had no answers to measure. */
const atLeast = (a: number, factor: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a >= factor * b : undefined;
const verdict = (met: boolean | undefined) =>
  met === undefined ? "not judged (no answers, or scale)" : met ? "met" : "**missed**";

const PEER = "PostGraphile v5";
const BARE = "bare http+pg";
const UNCACHED = "quotegraph uncached";
const SERVED = "quotegraph as served";

/** The run as Markdown: the reads table, the other figures, and each target of issue 10 met or missed. */
export function report(figures: Figures): string {
  const { settings } = figures;
  const s = settings.scale;
  const lines: string[] = [];
  lines.push(
    `Run of ${figures.started.toISOString().slice(0, 16).replace("T", " ")} UTC · ${figures.cores} cores · Node ${figures.node} · ` +
      `scale \`${s.name}\`: ${s.assets} assets × ${s.days} days = ${(s.assets * s.days * 1440).toLocaleString("en")} quotes` +
      (settings.quick ? " · `--quick`" : ""),
    "",
  );
  const checks: [string, string, boolean | undefined][] = [];
  if (figures.reads) {
    lines.push(
      `Reads: ${settings.connections} connections, ${settings.rounds} rounds of ${settings.warmupSeconds} s warm-up + ` +
        `${settings.timedSeconds} s timed per target, targets alternating. A cell: req/s · server CPU ms per request · ` +
        "p50/p99 ms (· errors when any).",
      "",
      `| read | ${figures.targets.join(" | ")} | uncached ÷ PostGraphile | uncached ÷ bare | as served ÷ PostGraphile |`,
      `|---|${figures.targets.map(() => "---").join("|")}|---|---|---|`,
    );
    const dbLines: string[] = [];
    for (const { read, results } of figures.reads) {
      const sum = new Map([...results].map(([name, r]) => [name, summarise(r)]));
      const cell = (name: string) => {
        const x = sum.get(name);
        if (!x) return "–";
        return `${f0(x.rps)} · ${f2(x.cpuMs)} · ${f0(x.p50Ms)}/${f0(x.p99Ms)}${x.errors ? ` · ${x.errors} errors` : ""}`;
      };
      const rps = (name: string) => sum.get(name)?.rps ?? Number.NaN;
      lines.push(
        `| ${read.label} | ${figures.targets.map(cell).join(" | ")} | ${ratio(rps(UNCACHED), rps(PEER))} | ${ratio(rps(UNCACHED), rps(BARE))} | ${ratio(rps(SERVED), rps(PEER))} |`,
      );
      dbLines.push(
        `| ${read.label} | ${figures.targets.map((t) => f2(sum.get(t)?.dbCpuMs ?? Number.NaN)).join(" | ")} |`,
      );
      const bare = sum.get(BARE);
      const uncached = sum.get(UNCACHED);
      if (read.name !== "candlesDay" && bare && uncached) {
        checks.push([
          `1. uncached ${read.name} ≥ 0.7× bare req/s`,
          ratio(uncached.rps, bare.rps),
          atLeast(uncached.rps, 0.7, bare.rps),
        ]);
        checks.push([
          `1. uncached ${read.name} CPU/request ≤ 1.5× bare`,
          `${f2(uncached.cpuMs)} vs ${f2(bare.cpuMs)} ms (${ratio(uncached.cpuMs, bare.cpuMs)})`,
          atLeast(1.5 * bare.cpuMs, 1, uncached.cpuMs),
        ]);
      }
      const served = sum.get(SERVED);
      const peer = sum.get(PEER);
      if (["latestQuotes", "assets", "candlesHour"].includes(read.name) && served && peer) {
        checks.push([
          `2. as served ${read.name} ≥ 5× PostGraphile`,
          ratio(served.rps, peer.rps),
          atLeast(served.rps, 5, peer.rps),
        ]);
      }
      if (read.name === "candlesHour" && uncached && peer) {
        checks.push([
          "3. candles(HOUR) 30 days ≥ 10× PostGraphile's date_bin (uncached)",
          ratio(uncached.rps, peer.rps) + (s.days < 30 ? ` (over ${s.days} days: scale too small to judge)` : ""),
          s.days < 30 ? undefined : atLeast(uncached.rps, 10, peer.rps),
        ]);
      }
    }
    lines.push(
      "",
      "PostgreSQL CPU ms per request (all backends of the bench database, same runs):",
      "",
      `| read | ${figures.targets.join(" | ")} |`,
      `|---|${figures.targets.map(() => "---").join("|")}|`,
      ...dbLines,
      "",
    );
  }
  if (figures.dayLatency) {
    const parts = [...figures.dayLatency].map(
      ([name, r]) => `${name} p50 ${f1(r.p50Ms)} ms (${f0(r.requests / r.seconds)} req/s)`,
    );
    lines.push(`candles(DAY) over all ${s.days} days of one asset, one connection: ${parts.join(" · ")}.`, "");
    const mine = figures.dayLatency.get(UNCACHED);
    if (mine) {
      checks.push([
        "3. candles(DAY) six months of one asset < 20 ms p50 (uncached, one connection, full scale)",
        `${f1(mine.p50Ms)} ms over ${s.days} days`,
        s.name === "full" ? mine.p50Ms < 20 : undefined,
      ]);
    }
  }
  if (figures.ingestion) {
    const g = figures.ingestion;
    const store = median(g.storeMs);
    const copy = median(g.copyMs);
    const perQuote = (g.perQuoteMs * g.quotes) / g.perQuoteOf;
    lines.push(
      `Ingestion, one run of ${g.quotes.toLocaleString("en")} quotes: the service's store ${f0(store)} ms (median of ${g.storeMs.map(f0).join(", ")}) · ` +
        `COPY ${f0(copy)} ms (median of ${g.copyMs.map(f0).join(", ")}) · a new connection and one INSERT per quote ` +
        `${f0(perQuote)} ms` +
        (g.perQuoteOf < g.quotes
          ? ` (measured: ${g.perQuoteOf.toLocaleString("en")} quotes in ${f0(g.perQuoteMs)} ms, the time budget; scaled to ${g.quotes.toLocaleString("en")})`
          : "") +
        ".",
      "",
    );
    checks.push([
      "4. store ≥ 50× faster than a connection and INSERT per quote",
      ratio(perQuote, store),
      perQuote >= 50 * store,
    ]);
    checks.push(["4. store within 2× of COPY", `${ratio(store, copy)} COPY's time`, store <= 2 * copy]);
  }
  if (figures.fanout) {
    const x = figures.fanout;
    const all = [...x.pollMs, ...x.subscriptionMs];
    lines.push(
      `Fan-out, ${x.commits} commits (after ${x.warmupLastClientMs.length} not counted, last client ` +
        `${x.warmupLastClientMs.map(f0).join(", ")} ms) to 1,000 waiting long polls + 1,000 subscriptions: commit → client ` +
        `p50 ${f0(percentile(all, 0.5))} ms, p99 ${f0(percentile(all, 0.99))} ms, max ${f0(Math.max(...all))} ms ` +
        `(long polls p99 ${f0(percentile(x.pollMs, 0.99))} ms, subscriptions p99 ${f0(percentile(x.subscriptionMs, 0.99))} ms; ` +
        `last client per commit ${x.lastClientMs.map(f0).join(", ")} ms); service RSS ${f0(x.idleRssMb)} MB before, ${f0(x.maxRssMb)} MB at most; ` +
        `${x.pollErrors} long polls answered with an error (sent again after 1 s), ${x.reconnects} WebSockets reconnected.`,
      "",
    );
    for (const [kind, n] of Object.entries(x.pollErrorKinds)) lines.push(`- ${n} × ${kind}`);
    if (x.pollErrors) lines.push("");
    checks.push([
      "5. fan-out commit → last client p99 < 250 ms",
      `${f0(percentile(all, 0.99))} ms`,
      percentile(all, 0.99) < 250,
    ]);
    checks.push(["5. fan-out RSS < 300 MB", `${f0(x.maxRssMb)} MB`, x.maxRssMb < 300]);
  }
  if (figures.startMs) {
    const m = median(figures.startMs);
    lines.push(
      `Warm start to /readyz (migrated database, ${figures.startMs.length} starts): median ${f0(m)} ms (${figures.startMs.map(f0).join(", ")}).`,
      "",
    );
    checks.push(["5. warm start to /readyz < 2 s", `${f0(m)} ms`, m < 2000]);
  }
  if (checks.length) {
    lines.push("| target (issue 10) | measured | |", "|---|---|---|");
    for (const [what, measured, met] of checks) lines.push(`| ${what} | ${measured} | ${verdict(met)} |`);
  }
  return lines.join("\n");
}
