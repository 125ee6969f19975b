import { describe, expect, it } from "vitest";
import { CmcClient } from "../src/coinmarketcap/client";
import { Secret } from "../src/config";
import { createLogger } from "../src/logger";

// Only what the client decides before any request; HTTP behaviour is tested against the CMC simulator.
describe("CmcClient arguments", () => {
  const logger = createLogger({ logLevel: "silent", nodeEnv: "test" });
  // Port 9 (discard) is refused by fetch itself, so a stray request could not reach anything.
  const client = new CmcClient({ baseUrl: "http://127.0.0.1:9/", apiKey: new Secret("test-key"), logger });

  it("refuses an invalid base URL or timeout at construction", () => {
    expect(() => new CmcClient({ baseUrl: "not a url", apiKey: new Secret("k"), logger })).toThrow(TypeError);
    expect(() => new CmcClient({ baseUrl: "http://x", apiKey: new Secret("k"), logger, timeoutMs: 0 })).toThrow(
      RangeError,
    );
  });

  it("asks nothing for no ids or no symbols", async () => {
    await expect(client.quotesLatest([], ["USD"])).resolves.toEqual({
      result: { quotes: [], skipped: [], creditCount: 0, notice: null },
      error: null,
    });
    await expect(client.map([" ", ""])).resolves.toEqual([]);
  });

  it("refuses ids that are not CMC ids and an empty currency list", async () => {
    await expect(client.quotesLatest([0], ["USD"])).rejects.toThrow(RangeError);
    await expect(client.quotesLatest([1.5], ["USD"])).rejects.toThrow(RangeError);
    await expect(client.quotesLatest([1], [])).rejects.toThrow(RangeError);
    await expect(client.quotesLatest([1], [" "])).rejects.toThrow(RangeError);
  });
});
