import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_CSP } from "../src/http/dashboard";
import { type CmcSimulator, startCmcSimulator } from "../tools/cmc-simulator/server";
import { formatPrice } from "../web/src/format";
import { CHROMIUM_PATH, chromiumPresent, launchChromium } from "./support/browser";
import { useDatabase } from "./support/database";
import { graphql } from "./support/graphql";
import { simulatorIngestion } from "./support/ingestion";
import { isReady, type ServiceProcess, spawnService } from "./support/service-process";

const REPO = path.resolve(__dirname, "..");
/** Screenshots of every run (git-ignored); docs/dashboard.png, the README's, when UPDATE_DOCS_SCREENSHOT=1. */
const ARTEFACTS = path.join(REPO, "test-results");

const TRACKED = ["BTC", "ETH", "SOL", "DOGE", "SHIB"];
/** History ingested before the page opens, one run every 3 minutes: candles to draw at every interval. */
const HISTORY_RUNS = 40;
const HISTORY_STEP_MINUTES = 3;
const SERVICE_START_MS = 60_000;

/** Generous: the page, the service and the browser share a busy 2-core machine. */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });

interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

if (!chromiumPresent()) {
  it(`needs ${CHROMIUM_PATH} (apt-get install chromium), and fails for its absence in CI only`, () => {
    const message = `no Chromium at ${CHROMIUM_PATH}: the dashboard's browser test did not run (apt-get install chromium, or set CHROMIUM_PATH)`;
    if (process.env.CI) throw new Error(message);
    process.stderr.write(`${message}\n`);
  });
} else {
  describe("the dashboard at /, in headless Chromium", dashboardTests);
}

function dashboardTests() {
  const db = useDatabase({ dataSource: "migrated" });
  let sim: CmcSimulator;
  let service: ServiceProcess;
  let browser: Browser;
  let page: Page;
  let base: string;
  let port: string;
  /** Every request the page made, with the GraphQL operation it named. */
  const requests: { url: string; operation: string | undefined }[] = [];
  const consoleErrors: { at: number; text: string }[] = [];

  const serviceEnv = () => ({
    DATABASE_URL: db.url,
    CMC_BASE_URL: sim.url,
    CMC_API_KEY: "sim-key",
    QUOTEGRAPH_SOURCE: "simulator",
    TRACKED_SYMBOLS: TRACKED.join(","),
    CONVERT: "USD,EUR",
    // Every second: a minute of the simulator's clock (moved by the test) is stored within a second.
    INGEST_CRON: "* * * * * *",
    CMC_MONTHLY_CREDITS: "100000000",
  });

  async function startService(env: Record<string, string>): Promise<string> {
    service = spawnService({ ...serviceEnv(), ...env });
    const serving = await service.waitForLog(isReady);
    return String(serving.url).replace(/\/graphql$/, "");
  }

  /** The simulator's minute turns; resolves once the service has stored that minute's quotes. */
  async function nextMinute(): Promise<void> {
    const seen = service.logs.length;
    sim.advanceMinute();
    await service.waitForLog(
      (l) => service.logs.indexOf(l) >= seen && l.msg === "ingestion run succeeded" && Number(l.inserted) > 0,
    );
  }

  async function apiPrices(convert: string): Promise<Record<string, number>> {
    const { body } = await graphql(
      base,
      `query ($c: String) { latestQuotes(convert: $c) { price asset { symbol } } }`,
      {
        c: convert,
      },
    );
    return Object.fromEntries(
      body.data.latestQuotes.map((q: { price: number; asset: { symbol: string } }) => [q.asset.symbol, q.price]),
    );
  }

  async function apiBars(symbol: string, interval: string, convert: string): Promise<Bar[]> {
    const { body } = await graphql(
      base,
      `query ($s: String!, $i: CandleInterval!, $c: String) { candles(symbol: $s, interval: $i, convert: $c, limit: 500) { start open high low close } }`,
      { s: symbol, i: interval, c: convert },
    );
    return body.data.candles.map((c: { start: string } & Omit<Bar, "time">) => ({
      time: Date.parse(c.start) / 1000,
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
    }));
  }

  /** What the table shows: each row's symbol, its price as written and the number behind it. */
  function tablePrices() {
    return page.$$eval("#assets tbody tr", (rows) =>
      rows.map((row) => {
        const price = row.querySelector("td.price");
        return {
          symbol: row.getAttribute("data-symbol") ?? undefined,
          text: price?.textContent,
          value: Number(price?.getAttribute("data-value")),
        };
      }),
    );
  }

  function chartState() {
    return page.$eval("#chart", (chart) => ({
      symbol: chart.getAttribute("data-symbol") ?? undefined,
      interval: chart.getAttribute("data-interval") ?? undefined,
      convert: chart.getAttribute("data-convert") ?? undefined,
      bars: JSON.parse(chart.getAttribute("data-bars") ?? "[]") as Bar[],
    }));
  }

  const expected = (prices: Record<string, number>, convert: string) =>
    TRACKED.map((symbol) => {
      const value = prices[symbol] as number;
      return { symbol, text: formatPrice(value, convert, "en-US"), value };
    }).sort((a, b) => a.symbol.localeCompare(b.symbol));
  const bySymbol = <T extends { symbol?: string }>(rows: T[]) =>
    [...rows].sort((a, b) => String(a.symbol).localeCompare(String(b.symbol)));

  beforeAll(async () => {
    // The simulator's clock ends the history at the current minute, so "updated … ago" reads true.
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    sim = await startCmcSimulator({
      manualClock: true,
      rateLimitPerMinute: 0,
      syntheticCoins: 10,
      monthlyCredits: 100_000_000,
      startTime: new Date(now - HISTORY_RUNS * HISTORY_STEP_MINUTES * 60_000),
    });
    const { ingestion } = simulatorIngestion(
      sim,
      db.ds,
      { TRACKED_SYMBOLS: TRACKED.join(","), CONVERT: "USD,EUR" },
      { runner: { now: () => sim.now() } },
    );
    await ingestion.prepare();
    for (let run = 0; run < HISTORY_RUNS; run += 1) {
      await ingestion.runNow();
      sim.advanceMinute(HISTORY_STEP_MINUTES);
    }
    base = await startService({});
    port = new URL(base).port;
    // Its first tick stores the minute the history ended on.
    await service.waitForLog((l) => l.msg === "ingestion run succeeded" && Number(l.inserted) > 0);
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      locale: "en-US",
      timezoneId: "Europe/Paris",
    });
    page = await context.newPage();
    page.on("request", (request) =>
      requests.push({
        url: request.url(),
        operation: /^\s*query (\w+)/.exec(request.postDataJSON()?.query ?? "")?.[1],
      }),
    );
    page.on("console", (message: ConsoleMessage) => {
      if (message.type() === "error") consoleErrors.push({ at: Date.now(), text: message.text() });
    });
    page.on("pageerror", (error) => consoleErrors.push({ at: Date.now(), text: `uncaught: ${error.message}` }));
    await mkdir(ARTEFACTS, { recursive: true });
  }, SERVICE_START_MS + 60_000);

  afterAll(async () => {
    await browser?.close();
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill("SIGTERM");
      await service.exited;
    }
    await sim?.close();
  });

  it("serves the page and its assets with a strict Content-Security-Policy, their content types and caching", async () => {
    const index = await fetch(`${base}/`);
    const html = await index.text();
    expect({
      status: index.status,
      type: index.headers.get("content-type"),
      cache: index.headers.get("cache-control"),
      csp: index.headers.get("content-security-policy"),
      nosniff: index.headers.get("x-content-type-options"),
    }).toEqual({
      status: 200,
      type: "text/html; charset=utf-8",
      cache: "no-cache",
      csp: DASHBOARD_CSP,
      nosniff: "nosniff",
    });
    expect(html).not.toMatch(/<style|style=|<script>|<script(?![^>]*\bsrc=)/);
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.map((a) => path.extname(a)).sort()).toEqual([".css", ".js"]);
    for (const asset of assets) {
      const response = await fetch(`${base}${asset}`);
      expect({ status: response.status, cache: response.headers.get("cache-control") }).toEqual({
        status: 200,
        cache: "public, max-age=31536000, immutable",
      });
      expect(response.headers.get("content-type")).toBe(
        asset.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
      );
    }
  });

  it("shows every tracked asset at exactly the API's price, the ingestion state with its mock data badge, and the chart of the first asset", async () => {
    await page.goto(`${base}/`);
    await eventually(() => page.textContent("#connection")).toBe("Live");
    const prices = await apiPrices("USD");
    await eventually(async () => bySymbol(await tablePrices())).toEqual(expected(prices, "USD"));
    // 0.00000002931-sized prices keep four significant digits.
    expect((await tablePrices()).find((row) => row.symbol === "SHIB")?.text).toMatch(/^\$0\.0+[1-9]\d{3}$/);

    const ingestion = await page.textContent("#ingestion");
    expect(ingestion).toContain("simulator mock data");
    expect(ingestion).toContain("* * * * * *");
    expect(await page.isVisible("#currency-picker")).toBe(true);
    expect(await page.$$eval("#currency option", (options) => options.map((o) => o.textContent))).toEqual([
      "USD",
      "EUR",
    ]);

    // One candle per run in MINUTE: the history, and the minute the service stored at its first tick.
    expect(await apiBars("BTC", "MINUTE", "USD")).toHaveLength(HISTORY_RUNS + 1);
    const bars = await apiBars("BTC", "FIFTEEN_MINUTES", "USD");
    await eventually(chartState).toEqual({ symbol: "BTC", interval: "FIFTEEN_MINUTES", convert: "USD", bars });

    await page.screenshot({ path: path.join(ARTEFACTS, "dashboard-desktop.png"), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") {
      await page.screenshot({ path: path.join(REPO, "docs/dashboard.png") });
    }
  });

  it("updates the table and the chart's last candle when a quote is stored, without reloading", async () => {
    await page.evaluate(() => {
      (globalThis as any).sameDocument = true;
    });
    const before = await chartState();
    await nextMinute();
    const prices = await apiPrices("USD");
    await eventually(async () => bySymbol(await tablePrices())).toEqual(expected(prices, "USD"));
    const bars = await apiBars("BTC", "FIFTEEN_MINUTES", "USD");
    expect(bars.slice(0, -1)).toEqual(before.bars.slice(0, bars.length - 1));
    expect(bars.at(-1)).not.toEqual(before.bars.at(-1));
    await eventually(async () => (await chartState()).bars).toEqual(bars);
    expect(await page.evaluate(() => (globalThis as any).sameDocument)).toBe(true);
  });

  it("draws each interval's candles as the API's candles gives them, for the row chosen, in the currency chosen", async () => {
    for (const [label, interval] of [
      ["1 minute", "MINUTE"],
      ["5 minutes", "FIVE_MINUTES"],
      ["1 hour", "HOUR"],
      ["1 day", "DAY"],
      ["1 week", "WEEK"],
    ] as const) {
      await page.click(`#intervals button[aria-label="${label}"]`);
      const bars = await apiBars("BTC", interval, "USD");
      await eventually(chartState).toEqual({ symbol: "BTC", interval, convert: "USD", bars });
      expect(await page.getAttribute(`#intervals button[aria-label="${label}"]`, "aria-pressed")).toBe("true");
    }
    await page.click('#intervals button[aria-label="15 minutes"]');
    // By keyboard: from the first row's button, ArrowDown then Enter charts the second row.
    await page.focus("#assets tbody tr:first-child button");
    await page.keyboard.press("ArrowDown");
    const second = await page.$eval("#assets tbody tr:nth-child(2)", (row) => row.getAttribute("data-symbol"));
    await page.keyboard.press("Enter");
    await page.selectOption("#currency", "EUR");
    const eth = String(second);
    await eventually(chartState).toEqual({
      symbol: eth,
      interval: "FIFTEEN_MINUTES",
      convert: "EUR",
      bars: await apiBars(eth, "FIFTEEN_MINUTES", "EUR"),
    });
    await eventually(async () => bySymbol(await tablePrices())).toEqual(expected(await apiPrices("EUR"), "EUR"));
    await page.selectOption("#currency", "USD");
  });

  /** What the browser does when the tab goes to the background or comes back. */
  async function setVisibility(state: "hidden" | "visible"): Promise<void> {
    await page.evaluate((visibility) => {
      const document = (globalThis as any).document;
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility });
      document.dispatchEvent(new Event("visibilitychange"));
    }, state);
  }

  it("stops polling while the tab is hidden, and catches up when it is shown again", async () => {
    const polls = () => requests.filter((r) => r.operation === "Poll").length;
    const shown = await tablePrices();
    await setVisibility("hidden");
    await eventually(() => page.getAttribute("#connection", "data-state")).toBe("paused");
    const pollsWhenHidden = polls();
    await nextMinute();
    // The new quotes are there to be had: a page still polling would have asked for them by now.
    const prices = await apiPrices("USD");
    expect(polls()).toBe(pollsWhenHidden);
    expect(await tablePrices()).toEqual(shown);

    await setVisibility("visible");
    await eventually(() => page.getAttribute("#connection", "data-state")).toBe("live");
    await eventually(async () => bySymbol(await tablePrices())).toEqual(expected(prices, "USD"));
  });

  it("says it is reconnecting, backing off, while the service is down, and recovers by itself when it is back", async () => {
    const outageStarted = Date.now();
    service.child.kill("SIGTERM");
    expect((await service.exited).code).toBe(0);
    const polls = () => requests.filter((r) => r.operation === "Poll").length;
    const beforeOutage = polls();
    // The poll the stop ended answers empty at once, which asks for a pause of a few seconds.
    await eventually(() => page.getAttribute("#connection", "data-state")).toBe("reconnecting");
    await eventually(async () => Number(await page.getAttribute("#connection", "data-attempt"))).toBe(2);
    // The second retry waits 1 to 2 s (doubling from 1 s, the upper half of each step drawn at random).
    const retryMs = Number(await page.getAttribute("#connection", "data-retry-ms"));
    expect(retryMs).toBeGreaterThanOrEqual(1000);
    expect(retryMs).toBeLessThanOrEqual(2000);
    expect(await page.textContent("#connection")).toMatch(/^Reconnecting… the service cannot be reached; attempt 2/);
    // No storm: one poll per attempt (and perhaps the one the stop ended), never more.
    expect(polls() - beforeOutage).toBeLessThanOrEqual(3);

    await startService({ PORT: port });
    const outageEnded = Date.now();
    await eventually(() => page.getAttribute("#connection", "data-state")).toBe("live");
    await nextMinute();
    const prices = await apiPrices("USD");
    await eventually(async () => bySymbol(await tablePrices())).toEqual(expected(prices, "USD"));
    const { symbol, interval, convert } = await chartState();
    const bars = await apiBars(String(symbol), String(interval), String(convert));
    await eventually(async () => (await chartState()).bars).toEqual(bars);

    // The browser reports each refused connection; nothing else went wrong, before, during or after.
    const outside = consoleErrors.filter((e) => e.at < outageStarted || e.at > outageEnded + 10_000);
    const during = consoleErrors.filter((e) => !outside.includes(e));
    expect(outside).toEqual([]);
    for (const error of during) expect(error.text).toMatch(/net::ERR_CONNECTION_REFUSED|net::ERR_EMPTY_RESPONSE/);
  }, 90_000);

  it("loads nothing from another origin, and fits a phone's width", async () => {
    // The favicon is an empty data: URL (index.html), which asks nothing of any server.
    const origins = new Set(requests.filter((r) => !r.url.startsWith("data:")).map((r) => new URL(r.url).origin));
    expect([...origins]).toEqual([new URL(base).origin]);
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => {
      const page = globalThis as any;
      return page.document.documentElement.scrollWidth - page.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTEFACTS, "dashboard-phone.png"), fullPage: true });
  });
}
