import { formatChange, formatCompact, formatExact, formatPrice, formatRelative } from "./format";
import type { Asset, Quote } from "./graphql";

export type SortKey =
  | "symbol"
  | "price"
  | "percentChange1h"
  | "percentChange24h"
  | "percentChange7d"
  | "marketCap"
  | "volume24h"
  | "lastUpdated";

export interface Row {
  asset: Asset;
  quote: Quote | undefined;
}

export interface TableState {
  sort: SortKey;
  descending: boolean;
  selected: string | undefined;
}

function sortValue(row: Row, key: SortKey): number | string | null {
  if (key === "symbol") return row.asset.symbol;
  const quote = row.quote;
  if (!quote) return null;
  if (key === "lastUpdated") return Date.parse(quote.lastUpdated);
  return quote[key];
}

/** Rows in the chosen order; assets without a quote (or without that figure) always last. */
export function sortRows(rows: Row[], state: TableState): Row[] {
  const direction = state.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, state.sort);
    const y = sortValue(b, state.sort);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return (x < y ? -1 : x > y ? 1 : 0) * direction;
  });
}

function cell(className: string, text: string, value?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.className = className;
  td.textContent = text;
  if (value !== undefined) td.dataset.value = value;
  return td;
}

function changeCell(percent: number | null): HTMLTableCellElement {
  const change = formatChange(percent);
  const td = cell(`num change ${change.direction}`, "", percent === null ? "" : String(percent));
  const arrow = document.createElement("span");
  arrow.setAttribute("aria-hidden", "true");
  arrow.textContent = change.direction === "up" ? "▲ " : change.direction === "down" ? "▼ " : "";
  td.append(arrow, change.text);
  return td;
}

/** "12 seconds ago" over the exact local time, both kept current by refreshTimes(). */
function updatedCell(lastUpdated: string | undefined, now: Date): HTMLTableCellElement {
  const td = cell("num updated", "");
  if (!lastUpdated) {
    td.textContent = "no quote yet";
    return td;
  }
  const time = document.createElement("time");
  time.dateTime = lastUpdated;
  const relative = document.createElement("span");
  relative.className = "relative";
  const exact = document.createElement("span");
  exact.className = "exact";
  time.append(relative, exact);
  td.append(time);
  fillTime(time, now);
  return td;
}

function fillTime(time: HTMLTimeElement, now: Date): void {
  const at = new Date(time.dateTime);
  const [relative, exact] = time.children;
  if (relative) relative.textContent = formatRelative(at, now);
  if (exact) exact.textContent = formatExact(at, now);
}

export function refreshTimes(root: ParentNode, now: Date): void {
  for (const time of root.querySelectorAll<HTMLTimeElement>("time[datetime]")) fillTime(time, now);
}

/** The table body for these rows; `onSelect` when a row is chosen (click, Enter or Space on its button). */
export function renderRows(
  body: HTMLTableSectionElement,
  rows: Row[],
  state: TableState,
  convert: string,
  onSelect: (symbol: string) => void,
): void {
  const now = new Date();
  const focused = (document.activeElement as HTMLElement | null)?.closest("tr")?.dataset.symbol;
  const trs = sortRows(rows, state).map(({ asset, quote }) => {
    const tr = document.createElement("tr");
    tr.dataset.symbol = asset.symbol;
    const selected = asset.symbol === state.selected;
    tr.classList.toggle("selected", selected);
    tr.addEventListener("click", () => onSelect(asset.symbol));

    const th = document.createElement("th");
    th.scope = "row";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "select";
    button.setAttribute("aria-pressed", String(selected));
    button.title = `Chart ${asset.name}`;
    const symbol = document.createElement("span");
    symbol.className = "symbol";
    symbol.textContent = asset.symbol;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = asset.name;
    button.append(symbol, name);
    th.append(button);

    tr.append(
      th,
      quote ? cell("num price", formatPrice(quote.price, convert), String(quote.price)) : cell("num price", "–", ""),
      changeCell(quote?.percentChange1h ?? null),
      changeCell(quote?.percentChange24h ?? null),
      changeCell(quote?.percentChange7d ?? null),
      cell("num", formatCompact(quote?.marketCap ?? null, convert), String(quote?.marketCap ?? "")),
      cell("num", formatCompact(quote?.volume24h ?? null, convert), String(quote?.volume24h ?? "")),
      updatedCell(quote?.lastUpdated, now),
    );
    return tr;
  });
  body.replaceChildren(...trs);
  if (focused) body.querySelector<HTMLElement>(`tr[data-symbol="${CSS.escape(focused)}"] button`)?.focus();
}

/** Arrow keys move between rows (and Home / End to the first and last), as in a list. */
export function enableRowKeys(body: HTMLTableSectionElement): void {
  body.addEventListener("keydown", (event) => {
    const buttons = [...body.querySelectorAll<HTMLButtonElement>("button.select")];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const target =
      event.key === "ArrowDown"
        ? buttons[index + 1]
        : event.key === "ArrowUp"
          ? buttons[index - 1]
          : event.key === "Home"
            ? buttons[0]
            : event.key === "End"
              ? buttons.at(-1)
              : undefined;
    if (!target) return;
    event.preventDefault();
    target.focus();
  });
}
