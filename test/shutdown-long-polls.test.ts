import { Agent } from "node:http";
import { describe, expect, it } from "vitest";
import { updatesCursor } from "../src/graphql/cursor";
import { useDatabase } from "./support/database";
import { graphqlVia, type Outcome } from "./support/graphql";
import { isReady, spawnService } from "./support/service-process";

const POLLS = 300;
const QUERIES = 20;
const POLL = `query($c: String!) { quoteUpdates(after: $c, waitSeconds: 30) { cursor hasMore quotes { id } } }`;

/** Requests in a row on one keep-alive agent, as a real client sends them, until one ends in a socket error. */
async function client(next: (previous: Outcome | undefined) => Promise<Outcome>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let last: Outcome | undefined;
  do {
    last = await next(last);
    outcomes.push(last);
  } while (!("error" in last));
  return outcomes;
}

async function waiters(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^quotegraph_long_poll_waiters (\d+)$/m.exec(text)?.[1]);
}

describe("SIGTERM with long polls waiting and queries in flight", () => {
  const db = useDatabase();

  it("answers every waiting long poll with HTTP 200, its cursor and Connection: close, refuses the next, and exits 0", async () => {
    const service = spawnService({
      DATABASE_URL: db.url,
      // Nothing to ingest from: the start-up run fails at once and the next is a year away.
      CMC_BASE_URL: "http://127.0.0.1:9",
      INGEST_CRON: "0 0 1 1 *",
      // Every client of this test shares one address.
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: "0",
    });
    const url = String((await service.waitForLog(isReady)).url).replace(/\/graphql$/, "");
    const agent = new Agent({ keepAlive: true });
    const start = await graphqlVia(agent, url, "{ quoteUpdates { cursor } }");
    if ("error" in start) throw new Error(start.error);
    const cursor: string = start.body.data.quoteUpdates.cursor;

    // Each poller polls again with the cursor it got, as a dashboard does.
    const pollers = Array.from({ length: POLLS }, () =>
      client((previous) =>
        graphqlVia(agent, url, POLL, {
          c: previous && "body" in previous ? previous.body.data.quoteUpdates.cursor : cursor,
        }),
      ),
    );
    const queries = Array.from({ length: QUERIES }, () =>
      client(() => graphqlVia(agent, url, "{ latestQuotes { price } ingestion { enabled } }")),
    );
    await expect.poll(() => waiters(url), { timeout: 20_000, interval: 50 }).toBe(POLLS);

    service.child.kill("SIGTERM");
    const polled = await Promise.all(pollers);
    const queried = await Promise.all(queries);
    expect(await service.exited).toEqual({ code: 0, signal: null });
    agent.destroy();

    // The waiting poll is answered, empty, with a cursor from where it stood; its connection closes
    // with the answer, so the next poll asks for a new one, which is refused: no reset connection.
    const after = updatesCursor.decode(cursor);
    const shapes = polled.map((outcomes) =>
      outcomes.map((o) =>
        "error" in o
          ? o.error
          : {
              status: o.status,
              connection: o.connection,
              page: { ...o.body.data.quoteUpdates, cursor: "…" },
              from: updatesCursor.decode(o.body.data.quoteUpdates.cursor).txId >= after.txId,
            },
      ),
    );
    const answered = {
      status: 200,
      connection: "close",
      page: { quotes: [], hasMore: false, cursor: "…" },
      from: true,
    };
    expect(shapes).toEqual(Array.from({ length: POLLS }, () => [answered, "ECONNREFUSED"]));
    // Ordinary queries were answered in full until their connections were closed.
    for (const outcomes of queried) {
      expect(outcomes.slice(0, -1).map((o) => ("status" in o ? o.status : o.error))).toEqual(
        outcomes.slice(0, -1).map(() => 200),
      );
    }
  });
});
