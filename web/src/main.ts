import type { ResultOf } from "gql.tada";
import { ApiError, request } from "./api";
import { retryDelayMs } from "./backoff";
import { CandleChart, type ChartColors, INTERVALS, type Interval } from "./chart";
import { type Connection, QuoteFeed } from "./feed";
import { type Asset, BootQuery, type Ingestion, IngestionQuery, type Quote } from "./graphql";
import { refreshIngestionTimes, renderIngestion } from "./ingestion";
import { enableRowKeys, refreshTimes, renderRows, type SortKey, type TableState } from "./table";

/** How long after a planned run its outcome is asked for. */
const RUN_SETTLE_MS = 3_000;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

const table = byId<HTMLTableElement>("assets");
const body = table.tBodies[0] as HTMLTableSectionElement;
const connectionLine = byId<HTMLElement>("connection");
const problem = byId<HTMLElement>("problem");
const currencyPicker = byId<HTMLLabelElement>("currency-picker");
const currencySelect = byId<HTMLSelectElement>("currency");
const ingestionList = byId<HTMLElement>("ingestion");
const intervalGroup = byId<HTMLElement>("intervals");
const chart = new CandleChart(byId("chart"), byId("chart-note"));

/** Everything the page knows: assets by id, and each asset's newest quote per currency. */
const assets = new Map<string, Asset>();
const quotes = new Map<string, Quote>();
const quoteKey = (assetId: string, convert: string) => `${assetId} ${convert}`;
const state: TableState & { convert: string; interval: Interval } = {
  sort: "marketCap",
  descending: true,
  selected: undefined,
  convert: "USD",
  // Quotes come every few minutes on a real schedule: a minute's candle would mostly be a single price.
  interval: "FIFTEEN_MINUTES",
};
let connected = false;
/** The next run the ingestion panel shows, and whether the state after it has been asked for. */
let nextRun: { at: number; asked: boolean } | undefined;

function render(): void {
  const rows = [...assets.values()].map((asset) => ({ asset, quote: quotes.get(quoteKey(asset.id, state.convert)) }));
  renderRows(body, rows, state, state.convert, select);
  for (const th of table.tHead?.querySelectorAll<HTMLTableCellElement>("th[data-key]") ?? []) {
    const sorted = th.dataset.key === state.sort;
    th.setAttribute("aria-sort", sorted ? (state.descending ? "descending" : "ascending") : "none");
  }
}

function select(symbol: string): void {
  if (state.selected === symbol && chart.view?.symbol === symbol) return;
  state.selected = symbol;
  render();
  showChart();
}

function showChart(): void {
  for (const button of intervalGroup.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.interval === state.interval));
  }
  if (!state.selected) return;
  chart.show({ symbol: state.selected, interval: state.interval, convert: state.convert }).catch(report);
}

function keep(incoming: Quote[]): void {
  for (const quote of incoming) {
    if (!assets.has(quote.asset.id)) assets.set(quote.asset.id, quote.asset);
    const key = quoteKey(quote.asset.id, quote.convert);
    const known = quotes.get(key);
    if (!known || Date.parse(known.lastUpdated) <= Date.parse(quote.lastUpdated)) quotes.set(key, quote);
  }
}

function showIngestion(ingestion: Ingestion): void {
  renderIngestion(ingestionList, ingestion);
  nextRun = ingestion.nextRunAt ? { at: Date.parse(ingestion.nextRunAt), asked: false } : undefined;
  const converts = ingestion.converts;
  if (!converts.includes(state.convert)) state.convert = converts[0] ?? state.convert;
  currencyPicker.hidden = converts.length < 2;
  if (currencySelect.options.length !== converts.length) {
    currencySelect.replaceChildren(...converts.map((code) => new Option(code, code)));
  }
  currencySelect.value = state.convert;
}

function refreshIngestion(): void {
  request(IngestionQuery, {})
    .then(({ ingestion }) => showIngestion(ingestion))
    .catch(report);
}

/** A request's failure: the feed shows an unreachable service; anything else is said here. */
function report(error: unknown): void {
  if (error instanceof ApiError && error.kind === "unreachable") return;
  problem.hidden = false;
  problem.textContent = error instanceof Error ? error.message : String(error);
}

function showConnection(connection: Connection): void {
  connected = connection.state === "live";
  connectionLine.dataset.state = connection.state;
  delete connectionLine.dataset.attempt;
  delete connectionLine.dataset.retryMs;
  if (connection.state === "live") {
    connectionLine.textContent = "Live";
  } else if (connection.state === "paused") {
    connectionLine.textContent = "Paused while this tab is hidden";
  } else {
    connectionLine.dataset.attempt = String(connection.attempt);
    connectionLine.dataset.retryMs = String(connection.retryMs);
    const seconds = Math.ceil(connection.retryMs / 1000);
    connectionLine.textContent = `Reconnecting… ${connection.reason}; attempt ${connection.attempt}, next try in ${seconds} s`;
  }
}

function chartColors(): ChartColors {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    background: read("--surface"),
    text: read("--text"),
    grid: read("--grid"),
    up: read("--up"),
    down: read("--down"),
  };
}

function wireControls(): void {
  for (const th of table.tHead?.querySelectorAll<HTMLTableCellElement>("th[data-key]") ?? []) {
    th.querySelector("button")?.addEventListener("click", () => {
      const key = th.dataset.key as SortKey;
      state.descending = state.sort === key ? !state.descending : key !== "symbol";
      state.sort = key;
      render();
    });
  }
  enableRowKeys(body);
  intervalGroup.append(
    ...INTERVALS.map(({ value, label, name }) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.interval = value;
      button.textContent = label;
      button.setAttribute("aria-label", name);
      button.addEventListener("click", () => {
        state.interval = value;
        showChart();
      });
      return button;
    }),
  );
  byId("older").addEventListener("click", () => chart.older());
  byId("latest").addEventListener("click", () => chart.latest());
  currencySelect.addEventListener("change", () => {
    state.convert = currencySelect.value;
    render();
    showChart();
  });
  const dark = matchMedia("(prefers-color-scheme: dark)");
  chart.applyColors(chartColors());
  dark.addEventListener("change", () => chart.applyColors(chartColors()));
  setInterval(() => {
    const now = new Date();
    refreshTimes(body, now);
    refreshIngestionTimes(ingestionList, now);
    // A run that stores nothing new sends no quote: its outcome and the next run are asked for once.
    if (connected && nextRun && !nextRun.asked && now.getTime() > nextRun.at + RUN_SETTLE_MS) {
      nextRun.asked = true;
      refreshIngestion();
    }
  }, 1000);
}

/** Loads the page's data, retrying with the feed's back-off while the service cannot be reached. */
async function boot(attempt = 1): Promise<void> {
  let data: ResultOf<typeof BootQuery>;
  try {
    data = await request(BootQuery, {});
  } catch (error) {
    if (!(error instanceof ApiError && error.kind === "unreachable")) return report(error);
    const retryMs = retryDelayMs(attempt);
    showConnection({ state: "reconnecting", attempt, retryMs, reason: error.message });
    setTimeout(() => void boot(attempt + 1), retryMs);
    return;
  }
  for (const asset of data.assets.nodes) assets.set(asset.id, asset);
  keep(data.quoteUpdates.quotes);
  showIngestion(data.ingestion);
  state.selected = [...assets.values()].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity))[0]?.symbol;
  render();
  showChart();
  new QuoteFeed(data.quoteUpdates.cursor, {
    quotes(incoming) {
      keep(incoming);
      render();
      refreshIngestion();
      const view = chart.view;
      if (view && incoming.some((q) => q.asset.symbol === view.symbol && q.convert === view.convert)) {
        chart.refreshLatest().catch(report);
      }
    },
    connection: showConnection,
    recovered() {
      problem.hidden = true;
      refreshIngestion();
      showChart();
    },
  }).start();
}

wireControls();
void boot();
