import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/db/store/runs";
import { QuoteBuffer } from "../src/ingestion/quote-buffer";
import { newQuote } from "./support/store-fixtures";

/** A run's batch whose quotes are priced "<runId>.<n>", n from 1, so each quote says where it came from. */
function batch(runId: number, quotes: number): RunReport & { runId: number } {
  return {
    runId,
    trigger: "SCHEDULE",
    startedAt: new Date("2026-01-05T00:00:00Z"),
    finishedAt: new Date("2026-01-05T00:00:01Z"),
    quotesFetched: quotes + 1,
    entriesSkipped: 1,
    creditsUsed: runId,
    errorCode: null,
    errorMessage: null,
    quotes: Array.from({ length: quotes }, (_, index) =>
      newQuote({ assetId: 1, price: `${runId}.${index + 1}`, lastUpdated: new Date("2026-01-05T00:00:00Z") }),
    ),
  };
}

/** What the buffer holds, oldest first, emptying it: run ids and the prices of their quotes. */
function drain(buffer: QuoteBuffer): { runId: number; prices: string[] }[] {
  const held: { runId: number; prices: string[] }[] = [];
  for (let oldest = buffer.peek(); oldest; oldest = buffer.peek()) {
    held.push({ runId: oldest.runId ?? 0, prices: oldest.quotes.map((q) => q.price) });
    buffer.shift();
  }
  return held;
}

describe("QuoteBuffer", () => {
  it("hands batches back oldest first, peek without removing, shift removing", () => {
    const buffer = new QuoteBuffer(10);
    expect(buffer.add(batch(1, 2))).toBe(0);
    expect(buffer.add(batch(2, 1))).toBe(0);
    expect(buffer.size).toBe(3);
    expect(buffer.peek()).toEqual(batch(1, 2));
    expect(buffer.peek()).toEqual(batch(1, 2));
    buffer.shift();
    expect(buffer.size).toBe(1);
    expect(buffer.peek()).toEqual(batch(2, 1));
    buffer.shift();
    expect({ size: buffer.size, dropped: buffer.dropped, oldest: buffer.peek() }).toEqual({
      size: 0,
      dropped: 0,
      oldest: undefined,
    });
    buffer.shift();
    expect(buffer.size).toBe(0);
  });

  it("holds exactly its limit", () => {
    const buffer = new QuoteBuffer(3);
    expect(buffer.add(batch(1, 3))).toBe(0);
    expect({ size: buffer.size, dropped: buffer.dropped }).toEqual({ size: 3, dropped: 0 });
  });

  it("past its limit drops the oldest quotes of the oldest batch, counting them", () => {
    const buffer = new QuoteBuffer(3);
    buffer.add(batch(1, 2));
    expect(buffer.add(batch(2, 2))).toBe(1);
    expect({ size: buffer.size, dropped: buffer.dropped }).toEqual({ size: 3, dropped: 1 });
    // The batch keeps its run's figures: the run's record still shows what was fetched and paid for.
    expect(buffer.peek()).toMatchObject({ runId: 1, quotesFetched: 3, creditsUsed: 1 });
    expect(drain(buffer)).toEqual([
      { runId: 1, prices: ["1.2"] },
      { runId: 2, prices: ["2.1", "2.2"] },
    ]);
  });

  it("drops whole batches and goes on into the next, adding up what it dropped", () => {
    const buffer = new QuoteBuffer(3);
    buffer.add(batch(1, 2));
    buffer.add(batch(2, 1));
    expect(buffer.add(batch(3, 2))).toBe(2);
    expect(buffer.add(batch(4, 2))).toBe(2);
    expect({ size: buffer.size, dropped: buffer.dropped }).toEqual({ size: 3, dropped: 4 });
    expect(drain(buffer)).toEqual([
      { runId: 3, prices: ["3.2"] },
      { runId: 4, prices: ["4.1", "4.2"] },
    ]);
  });

  it("keeps only the newest quotes of a batch larger than the limit", () => {
    const buffer = new QuoteBuffer(2);
    expect(buffer.add(batch(1, 5))).toBe(3);
    expect({ size: buffer.size, dropped: buffer.dropped }).toEqual({ size: 2, dropped: 3 });
    expect(drain(buffer)).toEqual([{ runId: 1, prices: ["1.4", "1.5"] }]);
  });

  it("keeps its own copy of a batch's quotes", () => {
    const buffer = new QuoteBuffer(10);
    const added = batch(1, 2);
    buffer.add(added);
    (added.quotes as unknown[]).length = 0;
    expect(buffer.size).toBe(2);
    expect(drain(buffer)).toEqual([{ runId: 1, prices: ["1.1", "1.2"] }]);
  });
});
