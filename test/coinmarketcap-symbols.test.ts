import { describe, expect, it } from "vitest";
import type { CmcMapEntry } from "../src/coinmarketcap/schemas";
import { pickBestMatch } from "../src/coinmarketcap/symbols";

const entry = (cmcId: number, symbol: string, rank: number | null, isActive: boolean): CmcMapEntry => ({
  cmcId,
  symbol,
  name: `coin ${cmcId}`,
  slug: `coin-${cmcId}`,
  rank,
  isActive,
});

describe("pickBestMatch", () => {
  const entries = [
    entry(30938, "BTC", null, false),
    entry(1027, "ETH", 2, true),
    entry(31652, "BTC", 4120, true),
    entry(1, "BTC", 1, true),
  ];

  it("picks the active, best-ranked coin and lists every candidate best first", () => {
    const match = pickBestMatch(entries, "btc");
    expect(match.best?.cmcId).toBe(1);
    expect(match.candidateIds).toEqual([1, 31652, 30938]);
  });

  it("prefers an active coin to a better-ranked inactive one", () => {
    const match = pickBestMatch([entry(646, "ETC", 1, false), entry(1321, "ETC", 30, true)], "ETC");
    expect(match.best?.cmcId).toBe(1321);
    expect(match.candidateIds).toEqual([1321, 646]);
  });

  it("puts unranked coins after ranked ones and breaks ties by the older id", () => {
    const match = pickBestMatch([entry(9, "X", null, true), entry(8, "X", null, true), entry(10, "X", 500, true)], "x");
    expect(match.candidateIds).toEqual([10, 8, 9]);
  });

  it("returns no match for an unknown symbol", () => {
    expect(pickBestMatch(entries, "DOGE")).toEqual({ best: null, candidateIds: [] });
  });

  it("is unambiguous for a symbol only one coin has", () => {
    expect(pickBestMatch(entries, " eth ")).toEqual({ best: entries[1], candidateIds: [1027] });
  });
});
