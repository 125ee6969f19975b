import { describe, expect, it } from "vitest";
import { connectionRoom, defaultMaxConnections, openFileLimit } from "../src/http/connection-limits";

const limits = (
  soft: string,
  hard: string,
) => `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max processes             96362                96362                processes 
Max open files            ${soft.padEnd(21)}${hard.padEnd(21)}files     
Max locked memory         8388608              8388608              bytes     
`;

describe("openFileLimit", () => {
  it.each([
    ["1024", "524288", 1024],
    ["20000", "20000", 20_000],
    ["1048576", "1048576", 1_048_576],
  ])("reads the soft limit %s (hard %s) from /proc/self/limits", (soft, hard, expected) => {
    expect(openFileLimit(limits(soft, hard))).toBe(expected);
  });

  it("assumes 1024, the usual default, when the file says unlimited, lacks the line or cannot be read", () => {
    expect(openFileLimit(limits("unlimited", "unlimited"))).toBe(1024);
    expect(openFileLimit("Limit Soft Limit Hard Limit Units\nMax processes 10 10 processes\n")).toBe(1024);
    expect(openFileLimit("")).toBe(1024);
  });
});

describe("defaultMaxConnections", () => {
  it.each([
    // open files, pool, cap: the room after the API pool, the writer's 3 and 128 of the process's own, at most 4096
    [1024, 10, 883],
    [1024, 100, 793],
    [4237, 10, 4096],
    [4236, 10, 4095],
    [65_536, 10, 4096],
    [20_000, 1000, 4096],
    [140, 10, 1],
    [100, 10, 1],
  ])("with %i open files and a pool of %i allows %i connections", (openFiles, poolMax, cap) => {
    expect(defaultMaxConnections(openFiles, poolMax)).toBe(cap);
  });

  it("leaves both pools and the process's own descriptors out of the room", () => {
    expect(connectionRoom(1024, 10)).toBe(883);
    expect(connectionRoom(100, 10)).toBe(-41);
  });
});
