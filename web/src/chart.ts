import type { VariablesOf } from "gql.tada";
import {
  type CandlestickData,
  CandlestickSeries,
  ColorType,
  createChart,
  type IChartApi,
  type ISeriesApi,
  TickMarkType,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { request } from "./api";
import { formatPrice } from "./format";
import { type Candle, CandlesQuery } from "./graphql";

export type Interval = VariablesOf<typeof CandlesQuery>["interval"];

export const INTERVALS: { value: Interval; label: string; name: string }[] = [
  { value: "MINUTE", label: "1m", name: "1 minute" },
  { value: "FIVE_MINUTES", label: "5m", name: "5 minutes" },
  { value: "FIFTEEN_MINUTES", label: "15m", name: "15 minutes" },
  { value: "HOUR", label: "1h", name: "1 hour" },
  { value: "FOUR_HOURS", label: "4h", name: "4 hours" },
  { value: "DAY", label: "1D", name: "1 day" },
  { value: "WEEK", label: "1W", name: "1 week" },
];

export interface ChartView {
  symbol: string;
  interval: Interval;
  convert: string;
}

export interface ChartColors {
  background: string;
  text: string;
  grid: string;
  up: string;
  down: string;
}

/** Buckets per request, and how close to the left edge (in bars) scrolling fetches older ones. */
const PAGE = 500;
const PREFETCH_BARS = 10;
/** Bars drawn across the chart when a view opens. */
const VISIBLE_BARS = 120;

type Bar = CandlestickData<UTCTimestamp>;

function toBar(candle: Candle): Bar {
  const { open, high, low, close } = candle;
  return { time: (Date.parse(candle.start) / 1000) as UTCTimestamp, open, high, low, close };
}

const tickFormats: Record<number, Intl.DateTimeFormatOptions> = {
  [TickMarkType.Year]: { year: "numeric" },
  [TickMarkType.Month]: { month: "short" },
  [TickMarkType.DayOfMonth]: { day: "numeric", month: "short" },
  [TickMarkType.Time]: { hour: "numeric", minute: "2-digit" },
  [TickMarkType.TimeWithSeconds]: { hour: "2-digit", minute: "2-digit", second: "2-digit" },
};

/** Axis labels and the crosshair's time in the viewer's own time zone (the library would show UTC). */
function localTime(time: Time, options: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(undefined, options).format(new Date((time as number) * 1000));
}

/**
 * The candlestick chart of one asset, interval and currency: the newest buckets first, older ones
 * fetched (`candles` with `to`) as the view scrolls back, the last ones refreshed as quotes arrive.
 * The element's data-bars holds the series' data as drawn, for tests and curious readers.
 */
export class CandleChart {
  readonly #element: HTMLElement;
  readonly #note: HTMLElement;
  readonly #chart: IChartApi;
  readonly #series: ISeriesApi<"Candlestick">;
  #view: ChartView | undefined;
  #bars: Bar[] = [];
  #exhausted = false;
  #loadingOlder = false;
  /** Bumped by every show(): answers for an older view are dropped. */
  #generation = 0;

  constructor(element: HTMLElement, note: HTMLElement) {
    this.#element = element;
    this.#note = note;
    this.#chart = createChart(element, {
      autoSize: true,
      // Its logo adds an inline <style>, which the Content-Security-Policy refuses: the footer credits it.
      layout: { attributionLogo: false, fontFamily: "system-ui, sans-serif" },
      localization: { timeFormatter: (time: Time) => localTime(time, { dateStyle: "medium", timeStyle: "short" }) },
      timeScale: {
        timeVisible: true,
        secondsVisible: false,
        maxBarSpacing: 40,
        tickMarkFormatter: (time: Time, type: TickMarkType) => localTime(time, tickFormats[type] ?? {}),
      },
    });
    this.#series = this.#chart.addSeries(CandlestickSeries, { borderVisible: false });
    this.#chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
      if (range && range.from < PREFETCH_BARS) void this.#loadOlder();
    });
  }

  get view(): ChartView | undefined {
    return this.#view;
  }

  applyColors(colors: ChartColors): void {
    this.#chart.applyOptions({
      layout: { background: { type: ColorType.Solid, color: colors.background }, textColor: colors.text },
      grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
    });
    this.#series.applyOptions({
      upColor: colors.up,
      downColor: colors.down,
      wickUpColor: colors.up,
      wickDownColor: colors.down,
    });
  }

  /** The newest buckets of a view, replacing what is drawn. */
  async show(view: ChartView): Promise<void> {
    const generation = ++this.#generation;
    this.#view = view;
    this.#exhausted = false;
    this.#note.textContent = "Loading…";
    const candles = await this.#fetch(view, {});
    if (generation !== this.#generation) return;
    this.#bars = candles.map(toBar);
    this.#exhausted = candles.length < PAGE;
    const scale = this.#bars.at(-1)?.close ?? 1;
    this.#series.applyOptions({
      priceFormat: {
        type: "custom",
        formatter: (price: number) => formatPrice(price, view.convert),
        minMove: tick(scale),
      },
    });
    this.#series.setData(this.#bars);
    this.#frameNewest();
    this.#publish();
  }

  /** Redraws the newest buckets from the last one drawn on: new quotes move its close or open a new one. */
  async refreshLatest(): Promise<void> {
    const view = this.#view;
    const last = this.#bars.at(-1);
    if (!view) return;
    if (!last) return this.show(view);
    const generation = this.#generation;
    const candles = await this.#fetch(view, { from: new Date(last.time * 1000).toISOString() });
    if (generation !== this.#generation) return;
    for (const bar of candles.map(toBar)) {
      this.#series.update(bar);
      if (bar.time === this.#bars.at(-1)?.time) this.#bars[this.#bars.length - 1] = bar;
      else this.#bars.push(bar);
    }
    this.#publish();
  }

  /** Scrolls back by one screen; reaching the oldest bars drawn fetches older ones. */
  older(): void {
    const scale = this.#chart.timeScale();
    const range = scale.getVisibleLogicalRange();
    if (!range) return;
    const width = range.to - range.from;
    scale.setVisibleLogicalRange({ from: range.from - width, to: range.to - width });
  }

  latest(): void {
    this.#frameNewest();
  }

  /** The newest VISIBLE_BARS fill the width; fewer are spread out (up to maxBarSpacing). */
  #frameNewest(): void {
    const count = this.#bars.length;
    const scale = this.#chart.timeScale();
    if (count <= VISIBLE_BARS) scale.fitContent();
    else scale.setVisibleLogicalRange({ from: count - VISIBLE_BARS, to: count });
  }

  async #loadOlder(): Promise<void> {
    const view = this.#view;
    const first = this.#bars[0];
    if (!view || !first || this.#exhausted || this.#loadingOlder) return;
    this.#loadingOlder = true;
    const generation = this.#generation;
    try {
      const candles = await this.#fetch(view, { to: new Date(first.time * 1000).toISOString() });
      if (generation !== this.#generation) return;
      this.#exhausted = candles.length < PAGE;
      if (candles.length === 0) return;
      this.#bars = [...candles.map(toBar), ...this.#bars];
      this.#series.setData(this.#bars);
      this.#publish();
    } catch {
      // The feed reports an unreachable service; scrolling back again retries.
    } finally {
      this.#loadingOlder = false;
    }
  }

  #fetch(view: ChartView, range: { from?: string; to?: string }): Promise<Candle[]> {
    return request(CandlesQuery, { ...view, ...range, limit: PAGE }).then((data) => data.candles);
  }

  #publish(): void {
    const view = this.#view;
    if (!view) return;
    Object.assign(this.#element.dataset, {
      symbol: view.symbol,
      interval: view.interval,
      convert: view.convert,
      bars: JSON.stringify(this.#series.data()),
    });
    const name = INTERVALS.find((i) => i.value === view.interval)?.name ?? view.interval;
    this.#element.setAttribute("aria-label", `${view.symbol} in ${view.convert}, ${name} candles`);
    this.#note.textContent =
      this.#bars.length === 0
        ? `No ${name} candles for ${view.symbol} in ${view.convert} yet.`
        : `${this.#bars.length} candles of ${name}${this.#exhausted ? ", back to the first quote" : ""}.`;
  }
}

/** The price step the axis works in: about four significant digits of the asset's price. */
function tick(price: number): number {
  return 10 ** Math.min(-2, Math.floor(Math.log10(Math.abs(price) || 1)) - 3);
}
