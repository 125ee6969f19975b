import { once } from "node:events";
import { createServer, type Server, Socket } from "node:net";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, openDatabase } from "../src/db/data-source";
import { TrackedSymbolTaken, trackAsset, untrackAsset } from "../src/db/store/assets";
import { type CommitKind, FeedListener } from "../src/db/store/feed-listener";
import { insertQuotes } from "../src/db/store/quotes";
import { rebuildRollups } from "../src/db/store/rollups";
import { insertSampleAssets, quietLogger, testConfig, useDatabase } from "./support/database";
import { logRecorder } from "./support/log-recorder";
import { newQuote } from "./support/store-fixtures";

describe("FeedListener: the LISTEN side of the quote feed", () => {
  const db = useDatabase({ dataSource: "migrated" });
  let listener: FeedListener;
  let minute = 0;
  let notifications = 0;
  const commits: CommitKind[] = [];
  const recorder = logRecorder();

  /** Stores a BTC quote from a connection the listener does not own, as another replica would. */
  const storeQuote = (at = ++minute) =>
    insertQuotes(db.ds, [newQuote({ assetId: 1, price: "100", lastUpdated: new Date(Date.UTC(2026, 0, 1, 0, at)) })]);

  beforeAll(async () => {
    await insertSampleAssets(db.ds);
    listener = new FeedListener(db.ds, recorder.logger);
    listener.events.on("notified", () => notifications++);
    listener.events.on("committed", (kind) => commits.push(kind));
    expect(listener.connected).toBe(false);
    await listener.start();
    expect(listener.connected).toBe(true);
  });
  afterAll(() => listener?.stop());

  it("announces each transaction that stored quotes, when it commits", async () => {
    const before = notifications;
    // No timer anywhere: only the notification can end this wait.
    const notified = once(listener.events, "notified");
    await storeQuote();
    await notified;
    expect(notifications - before).toBe(1);
  });

  it("announces nothing for a commit that stored nothing new", async () => {
    const first = once(listener.events, "notified");
    await storeQuote();
    await first;
    const before = notifications;
    expect(await storeQuote(minute)).toBe(0);
    // Notifications arrive in commit order on one connection: had the repeat announced itself, its
    // notification would come before this one's.
    const notified = once(listener.events, "notified");
    await storeQuote();
    await notified;
    expect(notifications - before).toBe(1);
  });

  it("announces each commit of rollups:rebuild as one of quotes (what candles answer changed)", async () => {
    // Listening before the write: its notification may arrive before the insert's own answer.
    const stored = once(listener.events, "notified");
    await storeQuote();
    await stored;
    commits.length = 0;
    const { chunks } = await rebuildRollups(db.ds);
    expect(chunks).toBeGreaterThan(0);
    // The rebuild's notifications may still be on their way; they come in commit order, so once the
    // marker's (a commit of another kind) has come, every one of the rebuild's has too.
    const marker = new Promise<void>((resolve) => {
      const assets = (kind: CommitKind) => {
        if (kind !== "assets") return;
        listener.events.off("committed", assets);
        resolve();
      };
      listener.events.on("committed", assets);
    });
    await trackAsset(db.ds, { cmcId: 74, symbol: "DOGE", name: "Dogecoin", slug: "dogecoin", rank: 8 });
    await marker;
    expect(commits).toEqual([...Array(chunks).fill("quotes"), "assets"]);
  });

  it("announces each commit that changed assets (trackAsset, untrackAsset), and none that changed nothing", async () => {
    const sol = { cmcId: 5426, symbol: "SOL", name: "Solana", slug: "solana", rank: 5 };
    const kinds = async (write: () => Promise<unknown>) => {
      commits.length = 0;
      await write();
      // Notifications arrive in commit order: once this quote's has come, any of the write's has too.
      const notified = once(listener.events, "notified");
      await storeQuote();
      await notified;
      return [...commits];
    };
    expect(await kinds(() => trackAsset(db.ds, sol))).toEqual(["assets", "quotes"]);
    expect(await kinds(() => untrackAsset(db.ds, { symbol: "sol" }))).toEqual(["assets", "quotes"]);
    expect(await kinds(() => untrackAsset(db.ds, { cmcId: 5426 }))).toEqual(["assets", "quotes"]);
    // Nothing tracked under that symbol any more: no row changed, nothing announced.
    expect(await kinds(() => untrackAsset(db.ds, { symbol: "SOL" }))).toEqual(["quotes"]);
    // Refused (BTC is tracked as CMC id 1): the failed statement announces nothing.
    const impostor = { ...sol, cmcId: 30938, symbol: "BTC" };
    expect(await kinds(() => expect(trackAsset(db.ds, impostor)).rejects.toBeInstanceOf(TrackedSymbolTaken))).toEqual([
      "quotes",
    ]);
  });

  it("reconnects after its connection is killed, says so, and announces commits again", async () => {
    const admin = new Client({ connectionString: inject("postgresUrl") });
    await admin.connect();
    const before = notifications;
    try {
      const lost = once(listener.events, "lost");
      const connected = once(listener.events, "connected");
      const [{ killed }] = (
        await admin.query(
          `SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity
           WHERE datname = $1 AND (query LIKE 'LISTEN %' OR query LIKE '%heartbeat of the LISTEN connection%')`,
          [db.name],
        )
      ).rows;
      expect(killed).toBe(1);
      await lost;
      expect(listener.connected).toBe(false);
      await connected;
      expect(listener.connected).toBe(true);
      expect(recorder.lines.map((l) => l.msg)).toEqual([
        "lost the LISTEN connection for new quotes; reconnecting",
        "listening for new quotes again",
      ]);
    } finally {
      await admin.end();
    }
    // The loss itself counts as "look again": what was stored meanwhile is in the table.
    expect(notifications - before).toBe(1);
    const notified = once(listener.events, "notified");
    await storeQuote();
    await notified;
    expect(notifications - before).toBe(2);
  });

  it("says stopped once stop() is called", async () => {
    const stopped = once(listener.events, "stopped");
    await listener.stop();
    await stopped;
    expect(listener.stopped).toBe(true);
  });
});

/**
 * A TCP relay to PostgreSQL whose connections can be frozen: bytes stop flowing both ways while the
 * sockets stay open, as when a NAT or firewall forgets an idle flow. New connections still pass.
 */
async function freezableRelay(target: URL): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const frozen = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket().connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(from);
      from.on("data", (chunk) => {
        if (!frozen.has(from)) to.write(chunk);
      });
      from.on("error", () => to.destroy());
      from.on("close", () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => {
      for (const socket of sockets) frozen.add(socket);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("FeedListener on a connection the network drops without a word", () => {
  const db = useDatabase({ dataSource: "migrated" });
  const recorder = logRecorder();
  let relay: Awaited<ReturnType<typeof freezableRelay>>;
  let throughRelay: Database;
  let listener: FeedListener;

  beforeAll(async () => {
    await insertSampleAssets(db.ds);
    relay = await freezableRelay(new URL(db.url));
    const url = new URL(db.url);
    url.host = `127.0.0.1:${relay.port}`;
    throughRelay = await openDatabase(
      testConfig({ ...db, env: { ...db.env, DATABASE_URL: url.toString() } }),
      quietLogger,
    );
    listener = new FeedListener(throughRelay.writer, recorder.logger, { heartbeatMs: 100, heartbeatTimeoutMs: 300 });
    await listener.start();
  });
  afterAll(async () => {
    await listener?.stop();
    await relay?.close();
    await throughRelay?.close();
  });

  it("finds it gone by its heartbeat, says so, reconnects, and announces commits again", async () => {
    const lost = once(listener.events, "lost");
    const connected = once(listener.events, "connected");
    relay.freeze();
    // No reset, no error from the socket: only the heartbeat's unanswered query can tell.
    const [error] = (await lost) as [Error];
    expect(error.message).toBe("Query read timeout");
    await connected;
    expect(listener.connected).toBe(true);
    // A connection the pool kept idle through the relay is frozen too: the first retry may get it,
    // and give it up as the heartbeat did.
    const lines = recorder.lines.map((l) => [l.msg, l.reason]);
    expect(lines.at(-1)).toEqual(["listening for new quotes again", undefined]);
    expect(new Set(lines.slice(0, -1).map(String))).toEqual(
      new Set([["lost the LISTEN connection for new quotes; reconnecting", "Query read timeout"]].map(String)),
    );
    const notified = once(listener.events, "notified");
    await insertQuotes(db.ds, [newQuote({ assetId: 1, price: "100", lastUpdated: new Date(Date.UTC(2026, 0, 2)) })]);
    await notified;
  });
});
