import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { assetCursor, historyCursor, updatesCursor } from "../src/graphql/cursor";

/** A cursor as a client could forge one: base64url of the text. */
const forge = (text: string) => Buffer.from(text, "utf8").toString("base64url");

/** The BAD_USER_INPUT error `decode` throws, as { message, code }. */
function refusal(decode: () => unknown): { message: string; code: unknown } {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return { message: (error as GraphQLError).message, code: (error as GraphQLError).extensions.code };
  }
  throw new Error("expected the cursor to be refused");
}

const notACursor = (cursor: string) => ({
  message: `"${cursor}" is not a cursor of this list: pass an endCursor this field returned, or omit it`,
  code: "BAD_USER_INPUT",
});

describe("assetCursor", () => {
  it.each([
    [42, "YXNzZXQ6NDI"],
    [0, "YXNzZXQ6MA"],
    [2_147_483_647, "YXNzZXQ6MjE0NzQ4MzY0Nw"],
  ])("encodes row id %i as %s and back", (rowId, cursor) => {
    expect(assetCursor.encode(rowId)).toBe(cursor);
    expect(assetCursor.decode(cursor)).toBe(rowId);
  });

  it("reads leading zeros as the number they write", () => {
    expect(assetCursor.decode(forge("asset:0042"))).toBe(42);
  });

  it.each([
    ["an id past int4", "asset:2147483648"],
    ["eleven digits", "asset:00000000001"],
    ["a negative id", "asset:-1"],
    ["a fraction", "asset:1.5"],
    ["text before the id", "asset:x1"],
    ["text after the id", "asset:1x"],
    ["no id", "asset:"],
    ["another list's kind", "quote:DESC:1"],
    ["a kind of the same length", "owner:42"],
    ["no kind", "42"],
  ])("refuses %s (%s)", (_name, text) => {
    const cursor = forge(text);
    expect(refusal(() => assetCursor.decode(cursor))).toEqual(notACursor(cursor));
  });

  it.each([
    ["padded", "YXNzZXQ6NDI="],
    ["standard base64 of other text", "YXNzZXQ6NDI+"],
    ["not base64 at all", "!!!"],
    ["empty", ""],
  ])("refuses a cursor that is not canonical base64url: %s", (_name, cursor) => {
    expect(refusal(() => assetCursor.decode(cursor))).toEqual(notACursor(cursor));
  });

  it("shows at most 40 characters of a refused cursor", () => {
    const forty = "A".repeat(40);
    expect(refusal(() => assetCursor.decode(forty)).message).toBe(
      `"${forty}" is not a cursor of this list: pass an endCursor this field returned, or omit it`,
    );
    expect(refusal(() => assetCursor.decode(`${forty}BCD`)).message).toBe(
      `"${forty}"… is not a cursor of this list: pass an endCursor this field returned, or omit it`,
    );
  });
});

describe("historyCursor", () => {
  it.each([
    ["DESC", "1772366400000000", "cXVvdGU6REVTQzoxNzcyMzY2NDAwMDAwMDAw"],
    ["ASC", "-1", "cXVvdGU6QVNDOi0x"],
  ] as const)("encodes %s at %s as %s and back", (order, position, cursor) => {
    expect(historyCursor.encode(order, position)).toBe(cursor);
    expect(historyCursor.decode(cursor, order)).toBe(position);
  });

  it("takes the whole int8 range, written canonically", () => {
    const min = historyCursor.encode("ASC", "-9223372036854775808");
    const max = historyCursor.encode("ASC", "9223372036854775807");
    expect(historyCursor.decode(min, "ASC")).toBe("-9223372036854775808");
    expect(historyCursor.decode(max, "ASC")).toBe("9223372036854775807");
    expect(historyCursor.decode(forge("quote:ASC:-007"), "ASC")).toBe("-7");
  });

  it.each([
    "quote:ASC:9223372036854775808",
    "quote:ASC:-9223372036854775809",
    "quote:ASC:12345678901234567890",
    "quote:ASC:1.5",
    "quote:ASC:",
    "quote:asc:1",
    "quote:UP:1",
    "quote:ASC:1:2",
    "quote:1",
    "xquote:ASC:1",
    "asset:42",
  ])("refuses %s", (text) => {
    const cursor = forge(text);
    expect(refusal(() => historyCursor.decode(cursor, "ASC"))).toEqual(notACursor(cursor));
  });

  it.each([
    ["DESC", "quote:XDESC:1"],
    ["ASC", "quote:DESCASC:1"],
  ] as const)("refuses, for %s, text before the order (%s)", (order, text) => {
    const cursor = forge(text);
    expect(refusal(() => historyCursor.decode(cursor, order))).toEqual(notACursor(cursor));
  });

  it("refuses a cursor of the other order, naming the order it belongs to", () => {
    const cursor = historyCursor.encode("DESC", "1772366400000000");
    expect(refusal(() => historyCursor.decode(cursor, "ASC"))).toEqual({
      message:
        `cursor "${cursor}" continues a list in DESC order: pass order: DESC with it, ` +
        "or omit after to start the ASC list from its beginning",
      code: "BAD_USER_INPUT",
    });
  });
});

describe("updatesCursor", () => {
  it.each([
    [{ txId: 12n, id: 345n }, "dXBkYXRlczoxMi4zNDU"],
    [{ txId: 9_223_372_036_854_775_807n, id: 0n }, "dXBkYXRlczo5MjIzMzcyMDM2ODU0Nzc1ODA3LjA"],
  ])("encodes %o as %s and back", (position, cursor) => {
    expect(updatesCursor.encode(position)).toBe(cursor);
    expect(updatesCursor.decode(cursor)).toEqual(position);
  });

  it.each([
    "updates:9223372036854775808.1",
    "updates:1.9223372036854775808",
    "updates:-1.2",
    "updates:1.-2",
    "updates:1",
    "updates:1.",
    "updates:.2",
    "updates:1-2",
    "updates:1.2.3",
    "updates:x1.2",
    "updates:1.2x",
    "quote:ASC:1",
  ])("refuses %s", (text) => {
    const cursor = forge(text);
    expect(refusal(() => updatesCursor.decode(cursor))).toEqual(notACursor(cursor));
  });
});
