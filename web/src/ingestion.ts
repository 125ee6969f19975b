import { formatCountdown, formatExact, formatInteger, formatRelative } from "./format";
import type { Ingestion } from "./graphql";

/** Sources whose prices are made up: CMC's public sandbox and the local simulator. */
const MOCK_SOURCES = new Set(["coinmarketcap-sandbox", "simulator"]);

function entry(term: string, ...details: (Node | string)[]): HTMLElement[] {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.append(...details);
  return [dt, dd];
}

function badge(text: string, kind: string): HTMLElement {
  const span = document.createElement("span");
  span.className = `badge ${kind}`;
  span.textContent = text;
  return span;
}

function timeElement(iso: string, className: string): HTMLTimeElement {
  const time = document.createElement("time");
  time.dateTime = iso;
  time.className = className;
  return time;
}

/** The ingestion state as a description list; times are filled in by refreshIngestionTimes(). */
export function renderIngestion(list: HTMLElement, state: Ingestion): void {
  const source: (Node | string)[] = [state.source];
  if (MOCK_SOURCES.has(state.source)) source.push(" ", badge("mock data", "mock"));
  if (!state.enabled) source.push(" ", badge("stopped", "failed"));

  const next = state.nextRunAt
    ? [timeElement(state.nextRunAt, "countdown"), " ", timeElement(state.nextRunAt, "exact-time")]
    : [state.enabled ? "not planned" : "none: ingestion is stopped"];

  const run = state.lastRun;
  const last: (Node | string)[] = !run
    ? ["no run yet"]
    : run.status === "RUNNING"
      ? [badge("running", "ok"), " started ", timeElement(run.startedAt, "relative-time")]
      : [
          badge(
            run.status.toLowerCase(),
            run.status === "FAILED" ? "failed" : run.status === "PARTIAL" ? "partial" : "ok",
          ),
          " ",
          timeElement(run.finishedAt ?? run.startedAt, "relative-time"),
          `, ${formatInteger(run.quotesInserted)} quotes stored`,
        ];
  if (run?.error) {
    const error = document.createElement("span");
    error.className = "error";
    error.textContent = run.error;
    last.push(error);
  }

  const meter = document.createElement("meter");
  meter.min = 0;
  meter.max = state.monthlyCreditBudget;
  meter.value = Math.min(state.projectedMonthlyCredits, state.monthlyCreditBudget);
  meter.high = state.monthlyCreditBudget * 0.9;
  meter.optimum = 0;
  meter.setAttribute("aria-label", "Projected credits against the monthly budget");
  const share = Math.round((state.projectedMonthlyCredits / state.monthlyCreditBudget) * 100);
  const credits = `${formatInteger(state.projectedMonthlyCredits)} of ${formatInteger(state.monthlyCreditBudget)} a month (${share} %)`;

  list.replaceChildren(
    ...entry("Source", ...source),
    ...entry("Schedule", code(state.schedule)),
    ...entry("Next run", ...next),
    ...entry("Last run", ...last),
    ...entry("Credits projected", credits, " ", meter),
  );
  refreshIngestionTimes(list, new Date());
}

function code(text: string): HTMLElement {
  const element = document.createElement("code");
  element.textContent = text;
  return element;
}

export function refreshIngestionTimes(list: HTMLElement, now: Date): void {
  for (const time of list.querySelectorAll<HTMLTimeElement>("time")) {
    const at = new Date(time.dateTime);
    if (time.className === "countdown") {
      time.textContent = at > now ? `in ${formatCountdown(at, now)}` : "due now";
    } else if (time.className === "exact-time") {
      time.textContent = `(${formatExact(at, now)})`;
    } else {
      time.textContent = formatRelative(at, now);
      time.title = formatExact(at, now);
    }
  }
}
