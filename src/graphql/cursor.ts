import { badUserInput } from "./errors";

/** Cursors are opaque to clients: a kind tag plus a value, base64url-encoded. */
export function encodeCursor(kind: string, value: string): string {
  return Buffer.from(`${kind}:${value}`, "utf8").toString("base64url");
}

export function decodeCursor(kind: string, cursor: string, pattern: RegExp): string {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  const value = decoded.startsWith(`${kind}:`) ? decoded.slice(kind.length + 1) : undefined;
  if (value === undefined || !pattern.test(value) || encodeCursor(kind, value) !== cursor) {
    throw badUserInput(`"${cursor}" is not a cursor of this list: pass an endCursor this field returned, or omit it`);
  }
  return value;
}
