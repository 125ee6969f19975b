import { initGraphQLTada, type ResultOf } from "gql.tada";
import type { introspection } from "./graphql-env.d.ts";

/** Documents typed by the API's schema.graphql (web/generate-graphql-env.mjs). */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTimeISO: string };
  disableMasking: true;
}>();

const QuoteFields = graphql(`
  fragment QuoteFields on PriceQuote {
    id
    convert
    price
    volume24h
    marketCap
    percentChange1h
    percentChange24h
    percentChange7d
    lastUpdated
    asset { id symbol name rank }
  }
`);

const IngestionFields = graphql(`
  fragment IngestionFields on IngestionState {
    enabled
    source
    schedule
    nextRunAt
    lastSuccessAt
    projectedMonthlyCredits
    monthlyCreditBudget
    converts
    lastRun { status trigger startedAt finishedAt quotesInserted error }
  }
`);

const CandleFields = graphql(`
  fragment CandleFields on Candle { start open high low close samples }
`);

/** Everything the page shows at load: the feed starts from this cursor. */
export const BootQuery = graphql(
  `
  query Boot {
    ingestion { ...IngestionFields }
    assets(tracked: true, first: 1000) { nodes { id symbol name rank } }
    quoteUpdates { cursor quotes { ...QuoteFields } }
  }
`,
  [IngestionFields, QuoteFields],
);

/** The live feed: every quote stored after the cursor, in every configured currency. */
export const PollQuery = graphql(
  `
  query Poll($after: String!, $waitSeconds: Int!) {
    quoteUpdates(after: $after, waitSeconds: $waitSeconds) { cursor hasMore quotes { ...QuoteFields } }
  }
`,
  [QuoteFields],
);

export const IngestionQuery = graphql(
  `
  query Ingestion { ingestion { ...IngestionFields } }
`,
  [IngestionFields],
);

/** Without `from`, the newest `limit` buckets before `to` (or the newest of all). */
export const CandlesQuery = graphql(
  `
  query Candles($symbol: String!, $interval: CandleInterval!, $convert: String!, $from: DateTimeISO, $to: DateTimeISO, $limit: Int!) {
    candles(symbol: $symbol, interval: $interval, convert: $convert, from: $from, to: $to, limit: $limit) { ...CandleFields }
  }
`,
  [CandleFields],
);

export const DOCUMENTS = { BootQuery, PollQuery, IngestionQuery, CandlesQuery };

export type Quote = ResultOf<typeof QuoteFields>;
export type Ingestion = ResultOf<typeof IngestionFields>;
export type Candle = ResultOf<typeof CandleFields>;
export type Asset = ResultOf<typeof BootQuery>["assets"]["nodes"][number];
