/** What Apollo Sandbox opens with: the dashboard's queries and its polling loop, ready to run. */
export const STARTER_DOCUMENT = `# A dashboard's first request: the latest price of every tracked asset,
# plus the cursor to poll from.
query Start {
  quoteUpdates {
    cursor
    quotes { asset { symbol name } convert price percentChange24h lastUpdated }
  }
  ingestion { source schedule nextRunAt lastSuccessAt }
}

# Then, in a loop: pass the returned cursor as $after. Every quote arrives exactly once;
# waitSeconds makes the request wait (up to 30 s) until something new is stored.
query Poll($after: String!) {
  quoteUpdates(after: $after, waitSeconds: 25) {
    cursor
    hasMore
    quotes { asset { symbol } convert price lastUpdated }
  }
}

# A chart: the newest 48 hourly candles.
query Chart {
  candles(symbol: "BTC", interval: HOUR, limit: 48) { start open high low close samples }
}

# Raw history, a page at a time (pass pageInfo.endCursor as after).
query History {
  priceHistory(symbol: "BTC", first: 20) {
    nodes { price lastUpdated }
    pageInfo { hasNextPage endCursor }
  }
}

# Live, over WebSocket (graphql-transport-ws on this same /graphql path).
subscription Live {
  quoteAdded(symbols: ["BTC", "ETH"]) { asset { symbol } convert price lastUpdated }
}
`;
