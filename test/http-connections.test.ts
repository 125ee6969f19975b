import { once } from "node:events";
import { Agent } from "node:http";
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { useApi } from "./support/api";
import { graphql, graphqlVia } from "./support/graphql";

/** A raw connection to the service, from `from` (any 127.x address is this machine), with what it received. */
async function open(
  url: string,
  from: string,
): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), localAddress: from });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  // A connection closed on arrival may end in a reset: that is the point, not a failure.
  socket.on("error", () => undefined);
  const closed = once(socket, "close").then(() => undefined);
  await once(socket, "connect");
  return { socket, received: () => Buffer.concat(chunks).toString(), closed };
}

/** GET `path` on an open raw connection (Connection: close): the status line and the body. */
async function get(
  connection: Awaited<ReturnType<typeof open>>,
  path: string,
): Promise<{ status: string; body: string }> {
  connection.socket.write(`GET ${path} HTTP/1.1\r\nHost: quotegraph\r\nConnection: close\r\n\r\n`);
  await connection.closed;
  const [head, body] = connection.received().split("\r\n\r\n");
  return { status: head.split("\r\n")[0], body };
}

/** The samples of the connection metrics in a /metrics body. */
const connectionSamples = (body: string) => body.split("\n").filter((line) => line.startsWith("quotegraph_http_conn"));

const TIMED_OUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";
/**
 * Node looks for connections past their timeouts every `connectionsCheckingInterval`: 30 s by
 * default, which would keep a connection open up to 30 s beyond a 1 s timeout. This bound holds
 * the service to checking often enough (it checks at least every half timeout).
 */
const CLOSED_WELL_BEFORE_NODES_DEFAULT_CHECK = { timeout: 10_000 };

describe("slow clients: header and request timeouts", () => {
  const api = useApi({ env: { HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "1000" } });

  it(
    "closes a connection that dribbles its header, a line at a time, past HTTP_HEADERS_TIMEOUT_MS, with 408",
    CLOSED_WELL_BEFORE_NODES_DEFAULT_CHECK,
    async () => {
      const loris = await open(api.url, "127.0.0.1");
      loris.socket.write("POST /graphql HTTP/1.1\r\nHost: quotegraph\r\n");
      // Busy all along, never done: only a deadline on the whole header stops it.
      const dribble = setInterval(() => loris.socket.write("X-Slow: 1\r\n"), 250);
      await loris.closed;
      clearInterval(dribble);
      expect(loris.received()).toBe(TIMED_OUT);
    },
  );

  it("closes a connection that never sends a byte, with 408", CLOSED_WELL_BEFORE_NODES_DEFAULT_CHECK, async () => {
    const silent = await open(api.url, "127.0.0.1");
    await silent.closed;
    expect(silent.received()).toBe(TIMED_OUT);
  });

  it("lets a long poll wait longer than HTTP_REQUEST_TIMEOUT_MS: that bounds receiving the request, not the answer", async () => {
    const { body } = await graphql(api.url, "{ quoteUpdates { cursor } }");
    const cursor = body.data.quoteUpdates.cursor;
    const poll = await graphql(
      api.url,
      "query($c: String!) { quoteUpdates(after: $c, waitSeconds: 2) { quotes { id } hasMore } }",
      { c: cursor },
    );
    expect(poll).toEqual({ status: 200, body: { data: { quoteUpdates: { quotes: [], hasMore: false } } } });
  });
});

describe("caps on open connections", () => {
  describe("per client address", () => {
    const api = useApi({ env: { HTTP_MAX_CONNECTIONS_PER_ADDRESS: "4" } });

    it("closes the connections of one address over HTTP_MAX_CONNECTIONS_PER_ADDRESS at once, serves the rest, and counts them", async () => {
      const held = [];
      for (let i = 0; i < 4; i++) held.push(await open(api.url, "127.0.0.2"));
      const extra = [];
      for (let i = 0; i < 3; i++) extra.push(await open(api.url, "127.0.0.2"));
      await Promise.all(extra.map((c) => c.closed));
      expect(extra.map((c) => c.received())).toEqual(["", "", ""]);

      // Another address is served meanwhile (on a connection kept open, so the count below is exact).
      const agent = new Agent({ keepAlive: true });
      expect(await graphqlVia(agent, api.url, "{ assets { nodes { symbol } } }")).toEqual({
        status: 200,
        connection: "keep-alive",
        body: { data: { assets: { nodes: [] } } },
      });
      const scrape = await get(held[0], "/metrics");
      expect(scrape.status).toBe("HTTP/1.1 200 OK");
      expect(connectionSamples(scrape.body)).toEqual([
        // The four held (one of them scraping) and the agent's.
        "quotegraph_http_connections 5",
        'quotegraph_http_connections_refused_total{reason="total"} 0',
        'quotegraph_http_connections_refused_total{reason="per_address"} 3',
      ]);
      // The ones held are served too: the cap refused only the ones over it.
      expect(await Promise.all(held.slice(1).map(async (c) => (await get(c, "/healthz")).status))).toEqual([
        "HTTP/1.1 200 OK",
        "HTTP/1.1 200 OK",
        "HTTP/1.1 200 OK",
      ]);
      agent.destroy();
    });
  });

  describe("in total", () => {
    const api = useApi({ env: { HTTP_MAX_CONNECTIONS: "5", HTTP_MAX_CONNECTIONS_PER_ADDRESS: "0" } });

    it("closes connections over HTTP_MAX_CONNECTIONS at once, from any address, and counts them", async () => {
      const held = [];
      for (let i = 0; i < 5; i++) held.push(await open(api.url, "127.0.0.3"));
      const extra = [await open(api.url, "127.0.0.4"), await open(api.url, "127.0.0.5")];
      await Promise.all(extra.map((c) => c.closed));
      expect(extra.map((c) => c.received())).toEqual(["", ""]);

      const scrape = await get(held[0], "/metrics");
      expect(connectionSamples(scrape.body)).toEqual([
        // The five held, one of them scraping.
        "quotegraph_http_connections 5",
        'quotegraph_http_connections_refused_total{reason="total"} 2',
        'quotegraph_http_connections_refused_total{reason="per_address"} 0',
      ]);
      expect((await get(held[1], "/healthz")).status).toBe("HTTP/1.1 200 OK");
      for (const connection of held.slice(2)) connection.socket.destroy();
    });
  });
});
