import { DATA_START } from "./generate.ts";
import type { Scale } from "./settings.ts";

/** The targets a read is sent to; `quotegraph` is the service (uncached and as served). */
export type TargetKind = "postgraphile" | "bare" | "quotegraph";

/** One HTTP request as autocannon sends it. */
export interface Request {
  method: "GET" | "POST";
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface Read {
  name: string;
  /** What the table calls it, with the scale's numbers. */
  label: string;
  request: Record<TargetKind, Request>;
  /** Each target's answer as comparable rows (numbers as numbers, times as ISO strings). */
  rows: Record<TargetKind, (answer: any) => unknown[]>;
}

const graphql = (query: string): Request => ({
  method: "POST",
  path: "/graphql",
  body: JSON.stringify({ query }),
  headers: { "content-type": "application/json" },
});
const bare = (path: string, params: Record<string, string | number>): Request => ({
  method: "GET",
  path: `${path}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`,
});

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const iso = (v: unknown) => new Date(v as string).toISOString();

const QUOTE_FIELDS = `id convert price volume24h marketCap percentChange1h percentChange24h percentChange7d circulatingSupply lastUpdated ingestedAt`;
const PG_QUOTE_FIELDS = `rowId convert price volume24H marketCap percentChange1H percentChange24H percentChange7D circulatingSupply lastUpdated ingestedAt`;

/** A quote's 11 fields, from the service's GraphQL names, PostGraphile's, or the store's row. */
function quoteRow(q: any): unknown[] {
  return [
    String(q.id ?? q.rowId),
    q.convert,
    num(q.price),
    num(q.volume24h ?? q.volume24H),
    num(q.marketCap),
    num(q.percentChange1h ?? q.percentChange1H),
    num(q.percentChange24h ?? q.percentChange24H),
    num(q.percentChange7d ?? q.percentChange7D),
    num(q.circulatingSupply),
    iso(q.lastUpdated),
    iso(q.ingestedAt),
  ];
}
const candleRow = (c: any) => [iso(c.start), num(c.open), num(c.high), num(c.low), num(c.close), num(c.samples)];
const data = (answer: any, field: string) => {
  if (answer.errors) throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors).slice(0, 500)}`);
  return answer.data[field];
};

const DAY_MS = 86_400_000;

/** The reads of the table, and candles(DAY) over all the data, on asset A042 where one asset is read. */
export function reads(scale: Scale): Read[] {
  const symbol = "A042";
  // A whole day inside the data, away from its edges.
  const dayFrom = new Date(DATA_START.getTime() + Math.min(3, scale.days - 1) * DAY_MS).toISOString();
  const dayTo = new Date(Date.parse(dayFrom) + DAY_MS).toISOString();
  const hourDays = Math.min(30, scale.days);
  const hourTo = new Date(DATA_START.getTime() + hourDays * DAY_MS).toISOString();
  const allTo = new Date(DATA_START.getTime() + scale.days * DAY_MS).toISOString();
  const from = DATA_START.toISOString();
  const candles = (interval: string, width: string, pgWidth: string, to: string, limit: number): Read["request"] => ({
    quotegraph: graphql(
      `{ candles(symbol: "${symbol}", interval: ${interval}, convert: "USD", from: "${from}", to: "${to}", limit: ${limit}) { start open high low close samples } }`,
    ),
    postgraphile: graphql(
      `{ benchCandles(symbol: "${symbol}", convert: "USD", width: ${pgWidth}, from: "${from}", to: "${to}") { nodes { start open high low close samples } } }`,
    ),
    bare: bare("/candles", { symbol, convert: "USD", width, from, to, limit }),
  });
  const candleRows: Read["rows"] = {
    quotegraph: (a) => data(a, "candles").map(candleRow),
    postgraphile: (a) => data(a, "benchCandles").nodes.map(candleRow),
    bare: (a) => a.map(candleRow),
  };
  return [
    {
      name: "latestQuotes",
      label: `\`latestQuotes\` (${scale.assets} assets, 11 fields)`,
      request: {
        quotegraph: graphql(`{ latestQuotes(convert: "USD") { ${QUOTE_FIELDS} } }`),
        postgraphile: graphql(
          `{ allAssets(condition: {tracked: true}, orderBy: PRIMARY_KEY_ASC) { nodes { priceQuotesByAssetId(condition: {convert: "USD"}, orderBy: LAST_UPDATED_DESC, first: 1) { nodes { ${PG_QUOTE_FIELDS} } } } } }`,
        ),
        bare: bare("/latestQuotes", { convert: "USD" }),
      },
      rows: {
        quotegraph: (a) => data(a, "latestQuotes").map(quoteRow),
        postgraphile: (a) => data(a, "allAssets").nodes.flatMap((n: any) => n.priceQuotesByAssetId.nodes.map(quoteRow)),
        bare: (a) => a.map(quoteRow),
      },
    },
    {
      name: "priceHistory",
      label: "`priceHistory(first: 1000)` one day",
      request: {
        quotegraph: graphql(
          `{ priceHistory(symbol: "${symbol}", convert: "USD", from: "${dayFrom}", to: "${dayTo}", first: 1000) { nodes { ${QUOTE_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
        ),
        postgraphile: graphql(
          `{ benchPriceHistory(symbol: "${symbol}", convert: "USD", from: "${dayFrom}", to: "${dayTo}", first: 1000) { nodes { ${PG_QUOTE_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
        ),
        bare: bare("/priceHistory", { symbol, convert: "USD", from: dayFrom, to: dayTo, first: 1000 }),
      },
      rows: {
        quotegraph: (a) => data(a, "priceHistory").nodes.map(quoteRow),
        postgraphile: (a) => data(a, "benchPriceHistory").nodes.map(quoteRow),
        bare: (a) => a.map(quoteRow),
      },
    },
    {
      name: "candlesHour",
      label: `\`candles(HOUR)\` ${hourDays} days (${(hourDays * 1440).toLocaleString("en")} quotes)`,
      request: candles("HOUR", "1 hour", "{hours: 1}", hourTo, 1000),
      rows: candleRows,
    },
    {
      name: "assets",
      label: `\`assets(first: 100) { latestQuote }\``,
      request: {
        quotegraph: graphql(
          `{ assets(first: 100) { nodes { symbol name latestQuote(convert: "USD") { price marketCap lastUpdated } } } }`,
        ),
        postgraphile: graphql(
          `{ allAssets(first: 100, orderBy: PRIMARY_KEY_ASC) { nodes { symbol name priceQuotesByAssetId(condition: {convert: "USD"}, orderBy: LAST_UPDATED_DESC, first: 1) { nodes { price marketCap lastUpdated } } } } }`,
        ),
        bare: bare("/assets", { first: 100, convert: "USD" }),
      },
      rows: {
        quotegraph: (a) => data(a, "assets").nodes.map((n: any) => [n.symbol, n.name, ...latest(n.latestQuote)]),
        postgraphile: (a) =>
          data(a, "allAssets").nodes.map((n: any) => [n.symbol, n.name, ...latest(n.priceQuotesByAssetId.nodes[0])]),
        bare: (a) => a.map((n: any) => [n.symbol, n.name, ...latest(n.latestQuote)]),
      },
    },
    {
      name: "candlesDay",
      label: `\`candles(DAY)\` ${scale.days} days (${(scale.days * 1440).toLocaleString("en")} quotes)`,
      request: candles("DAY", "24 hours", "{hours: 24}", allTo, 1000),
      rows: candleRows,
    },
  ];
}

const latest = (q: any) => (q ? [num(q.price), num(q.marketCap), iso(q.lastUpdated)] : [null, null, null]);
