import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { graphql } from "./graphql";

/** What a client following the quote feed of one replica saw, until it stopped or its replica went away. */
export interface FeedFollower {
  /** Quote ids in the order they arrived. */
  ids: number[];
  /** HTTP status of every answer (pollers); a WebSocket follower has none. */
  statuses: number[];
  /** Why it ended, when it did not end by stop(): the connection error or close. */
  ended: Promise<string | undefined>;
  /** What `ended` resolved to, once it has: for a failure message. */
  endedWith(): string | undefined;
  stop(): Promise<void>;
}

const LONG_POLL = `query($c: String!) { quoteUpdates(after: $c, waitSeconds: 5) { cursor quotes { id } } }`;

/**
 * A dashboard polling one replica over HTTP: `quoteUpdates` without a cursor once, then long polls
 * with the cursor each answer returns. `start` is the position (txId, id) the first cursor stands
 * for: the follower must see every quote stored after it.
 */
export async function followByPolling(url: string): Promise<FeedFollower & { start: { txId: bigint; id: bigint } }> {
  const first = await graphql(url, "{ quoteUpdates { cursor } }");
  let cursor: string = first.body.data.quoteUpdates.cursor;
  const [txId, id] = Buffer.from(cursor, "base64url").toString("utf8").replace("updates:", "").split(".");
  const ids: number[] = [];
  const statuses = [first.status];
  let stopping = false;
  const ended = (async () => {
    while (!stopping) {
      try {
        const { status, body } = await graphql(url, LONG_POLL, { c: cursor });
        statuses.push(status);
        if (status !== 200) return `HTTP ${status}: ${JSON.stringify(body.errors)}`;
        ids.push(...body.data.quoteUpdates.quotes.map((q: { id: string }) => Number(q.id)));
        cursor = body.data.quoteUpdates.cursor;
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        return cause?.code ?? (error as Error).message;
      }
    }
    return undefined;
  })();
  let endedWith: string | undefined;
  ended.then((reason) => (endedWith = reason ?? "stopped"));
  return {
    ids,
    statuses,
    ended,
    endedWith: () => endedWith,
    start: { txId: BigInt(txId), id: BigInt(id) },
    async stop() {
      stopping = true;
      await ended;
    },
  };
}

/** A client of `quoteAdded` over graphql-ws on one replica; it does not reconnect. */
export function followBySubscription(url: string): FeedFollower {
  const client = createClient({
    url: `${url.replace("http", "ws")}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    // A replica going away is reported to the subscription's sink, not printed.
    onNonLazyError: () => undefined,
  });
  const ids: number[] = [];
  const ended = new Promise<string | undefined>((resolve) =>
    client.subscribe<{ quoteAdded: { id: string } }>(
      { query: "subscription { quoteAdded { id } }" },
      {
        next: ({ data, errors }) => {
          if (errors) resolve(`errors: ${JSON.stringify(errors)}`);
          if (data) ids.push(Number(data.quoteAdded.id));
        },
        error: (error) => {
          const { code, reason } = error as { code?: number; reason?: string };
          resolve(code === undefined ? String(error) : `closed ${code} ${reason}`);
        },
        complete: () => resolve(undefined),
      },
    ),
  );
  let endedWith: string | undefined;
  ended.then((reason) => (endedWith = reason ?? "stopped"));
  return {
    ids,
    statuses: [],
    ended,
    endedWith: () => endedWith,
    async stop() {
      await client.dispose();
    },
  };
}
