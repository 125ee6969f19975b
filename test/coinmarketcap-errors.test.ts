import { describe, expect, it } from "vitest";
import { CmcError, type CmcErrorKind, cmcErrorKind, isRetryableKind } from "../src/coinmarketcap/errors";

describe("cmcErrorKind", () => {
  it.each<[number | null, number | null, CmcErrorKind, boolean]>([
    [401, 1001, "auth", false],
    [401, 1002, "auth", false],
    [402, 1003, "payment", false],
    [402, 1004, "payment", false],
    [403, 1005, "forbidden", false],
    [403, 1006, "forbidden", false],
    [403, 1007, "forbidden", false],
    [429, 1008, "rate-limit-minute", true],
    [429, 1009, "quota-daily", false],
    [429, 1010, "quota-monthly", false],
    [429, 1011, "rate-limit-minute", true],
    [400, 400, "bad-request", false],
    [500, 500, "server", true],
    [500, null, "server", true],
    [503, null, "server", true],
    // CMC's code wins over a status that says otherwise, including a 200.
    [200, 1008, "rate-limit-minute", true],
    [200, 1010, "quota-monthly", false],
    [200, 1001, "auth", false],
    [200, 400, "bad-request", false],
    // Without a known code, the HTTP status decides.
    [401, null, "auth", false],
    [402, null, "payment", false],
    [403, null, "forbidden", false],
    [429, null, "rate-limit-minute", true],
    [429, 9999, "rate-limit-minute", true],
    [408, null, "timeout", true],
    [404, null, "bad-request", false],
    [301, null, "bad-request", false],
    [200, 9999, "server", true],
  ])("HTTP %s with error_code %s is %s (retryable: %s)", (httpStatus, errorCode, kind, retryable) => {
    expect(cmcErrorKind(httpStatus, errorCode)).toBe(kind);
    expect(isRetryableKind(kind)).toBe(retryable);
  });

  it.each<[CmcErrorKind, boolean]>([
    ["timeout", true],
    ["network", true],
    ["malformed", true],
  ])("%s errors are retryable: %s", (kind, retryable) => {
    expect(isRetryableKind(kind)).toBe(retryable);
  });
});

describe("CmcError", () => {
  it("carries the mapping's fields and derives retryable from the kind", () => {
    const error = new CmcError({
      kind: "quota-daily",
      endpoint: "/v2/cryptocurrency/quotes/latest",
      httpStatus: 429,
      errorCode: 1009,
      message: "You've exceeded your API Key's daily rate limit.",
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "CmcError", kind: "quota-daily", httpStatus: 429, errorCode: 1009 });
    expect(error.retryable).toBe(false);
  });

  it("cuts very long messages", () => {
    const error = new CmcError({
      kind: "server",
      endpoint: "/v1/key/info",
      httpStatus: 500,
      errorCode: null,
      message: "x".repeat(5000),
    });
    expect(error.message).toHaveLength(301);
  });

  it("puts U+FFFD in place of NUL characters, which a PostgreSQL text column cannot hold", () => {
    // V8 quotes the start of a body that is not JSON in its SyntaxError, NULs included.
    const error = new CmcError({
      kind: "malformed",
      endpoint: "/v2/cryptocurrency/quotes/latest",
      httpStatus: 200,
      errorCode: null,
      message: "response body is not JSON: Unexpected token '\u0000', \"\u0000a\u0000\" is not valid JSON",
    });
    expect(error.message).toBe(
      "response body is not JSON: Unexpected token '\ufffd', \"\ufffda\ufffd\" is not valid JSON",
    );
  });
});
