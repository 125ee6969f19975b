/**
 * What a `use…()` helper returns while the describe block is being declared: its fields exist once
 * the helper's beforeAll has run. Reading one earlier (say, destructuring at declaration time)
 * throws, where a plain object would quietly give undefined.
 */
export function filledByBeforeAll<T extends object>(helper: string): { handle: T; fill(value: T): void } {
  let value: T | undefined;
  const handle = new Proxy({} as T, {
    get(_target, key) {
      if (value !== undefined) return Reflect.get(value, key);
      if (typeof key === "symbol") return undefined;
      throw new Error(`${helper}.${key} was read before its beforeAll ran: read it in a test or in a later hook`);
    },
  });
  return {
    handle,
    fill(filled) {
      value = filled;
    },
  };
}
