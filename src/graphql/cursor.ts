import type { FeedPosition } from "../db/store/feed";
import { badUserInput, quoted } from "./errors";

/*
 * Cursors are opaque to clients: a kind tag plus a value, base64url-encoded. Each list has its own
 * kind, so a cursor of one list is refused by another, and every number in a cursor is checked to
 * fit the column it is compared with before it reaches PostgreSQL.
 */

const INT4_MAX = 2_147_483_647n;
const INT8_MAX = 9_223_372_036_854_775_807n;
const INT8_MIN = -9_223_372_036_854_775_808n;

function encode(kind: string, value: string): string {
  return Buffer.from(`${kind}:${value}`, "utf8").toString("base64url");
}

function refuse(cursor: string) {
  return badUserInput(
    `${quoted(cursor)} is not a cursor of this list: pass an endCursor this field returned, or omit it`,
  );
}

/** The value inside a cursor of `kind`, or a BAD_USER_INPUT error when it is not one (or not canonical). */
function decode(kind: string, cursor: string, pattern: RegExp): RegExpExecArray {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  const value = decoded.startsWith(`${kind}:`) ? decoded.slice(kind.length + 1) : "";
  const match = pattern.exec(value);
  if (!match || encode(kind, value) !== cursor) throw refuse(cursor);
  return match;
}

function within(cursor: string, text: string, min: bigint, max: bigint): bigint {
  const value = BigInt(text);
  if (value < min || value > max) throw refuse(cursor);
  return value;
}

/** `assets` pages: the last asset row id returned. */
export const assetCursor = {
  encode: (rowId: number): string => encode("asset", String(rowId)),
  decode(cursor: string): number {
    const [, id] = decode("asset", cursor, /^(\d{1,10})$/);
    return Number(within(cursor, id, 0n, INT4_MAX));
  },
};

export type HistoryOrder = "ASC" | "DESC";

/**
 * History pages: the order and the epoch microseconds of the last row's `lastUpdated`. A cursor
 * names a position in one order: taken while paging DESC it means "older than this", which ASC would
 * read as "newer than this" and so replay rows already seen, so a cursor used with the other order
 * is refused, naming the order it belongs to. It carries no asset, currency or range: like any keyset
 * position it stays valid when those change.
 */
export const historyCursor = {
  encode: (order: HistoryOrder, position: string): string => encode("quote", `${order}:${position}`),
  /** The position (epoch microseconds, as text) a cursor of this order continues after. */
  decode(cursor: string, order: HistoryOrder): string {
    const [, cursorOrder, position] = decode("quote", cursor, /^(ASC|DESC):(-?\d{1,19})$/);
    if (cursorOrder !== order) {
      throw badUserInput(
        `cursor ${quoted(cursor)} continues a list in ${cursorOrder} order: pass order: ${cursorOrder} with it, ` +
          `or omit after to start the ${order} list from its beginning`,
      );
    }
    return String(within(cursor, position, INT8_MIN, INT8_MAX));
  },
};

/** The polling feed (`quoteUpdates`): a position in commit order. */
export const updatesCursor = {
  encode: (position: FeedPosition): string => encode("updates", `${position.txId}.${position.id}`),
  decode(cursor: string): FeedPosition {
    const [, txId, id] = decode("updates", cursor, /^(\d{1,19})\.(\d{1,19})$/);
    return { txId: within(cursor, txId, 0n, INT8_MAX), id: within(cursor, id, 0n, INT8_MAX) };
  },
};
