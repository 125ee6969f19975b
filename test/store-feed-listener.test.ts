import { once } from "node:events";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FeedListener } from "../src/db/store/feed-listener";
import { insertQuotes } from "../src/db/store/quotes";
import { insertSampleAssets, quietLogger, useDatabase } from "./support/database";
import { newQuote } from "./support/store-fixtures";

/** The longest any wait here may take: far beyond a test's timeout, so only a notification can end it. */
const FOREVER_MS = 3_600_000;

describe("FeedListener: the LISTEN side of the quote feed", () => {
  const db = useDatabase({ dataSource: "migrated" });
  let listener: FeedListener;
  let minute = 0;

  /** Stores a BTC quote from a connection the listener does not own, as another replica would. */
  const storeQuote = () =>
    insertQuotes(db.ds, [
      newQuote({ assetId: 1, price: "100", lastUpdated: new Date(Date.UTC(2026, 0, 1, 0, ++minute)) }),
    ]);

  beforeAll(async () => {
    await insertSampleAssets(db.ds);
    listener = new FeedListener(db.ds, quietLogger);
    await listener.start();
  });
  afterAll(() => listener?.stop());

  it("wakes every waiter when a transaction that stored quotes commits", async () => {
    const waits = [listener.wait(FOREVER_MS), listener.wait(FOREVER_MS)];
    expect(listener.waiters).toBe(2);
    await storeQuote();
    expect(await Promise.all(waits)).toEqual(["notified", "notified"]);
    expect(listener.waiters).toBe(0);
  });

  it("is not woken by a commit that stored nothing new", async () => {
    await storeQuote();
    const repeat = insertQuotes(db.ds, [
      newQuote({ assetId: 1, price: "100", lastUpdated: new Date(Date.UTC(2026, 0, 1, 0, minute)) }),
    ]);
    expect(await repeat).toBe(0);
    expect(await listener.wait(200)).toBe("timeout");
  });

  it("ends a wait when its signal aborts", async () => {
    const aborted = new AbortController();
    const wait = listener.wait(FOREVER_MS, aborted.signal);
    aborted.abort();
    expect(await wait).toBe("aborted");
  });

  it("reconnects after its connection is killed and is woken again", async () => {
    const admin = new Client({ connectionString: inject("postgresUrl") });
    await admin.connect();
    try {
      const lost = once(listener.events, "lost");
      const connected = once(listener.events, "connected");
      const [{ killed }] = (
        await admin.query(
          `SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity
           WHERE datname = $1 AND query LIKE 'LISTEN %'`,
          [db.name],
        )
      ).rows;
      expect(killed).toBe(1);
      await lost;
      await connected;
    } finally {
      await admin.end();
    }
    const wait = listener.wait(FOREVER_MS);
    await storeQuote();
    expect(await wait).toBe("notified");
  });

  it("answers waits at once after stop()", async () => {
    const pending = listener.wait(FOREVER_MS);
    await listener.stop();
    expect(await pending).toBe("stopped");
    expect(await listener.wait(FOREVER_MS)).toBe("stopped");
  });
});
