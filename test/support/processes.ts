import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { filledByBeforeAll } from "./lifecycle";

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A fresh temporary folder that user `postgres` can enter (embedded PostgreSQL runs as it under root). */
export async function makeDataDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `quotegraph-${prefix}-`));
  await chmod(dir, 0o755);
  return dir;
}

/** For one describe block: a folder from makeDataDir, made in beforeAll and removed in afterAll. */
export function useDataDir(prefix: string): { path: string } {
  const { handle, fill } = filledByBeforeAll<{ path: string }>(`useDataDir("${prefix}")`);
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await makeDataDir(prefix);
    fill({ path: dir });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return handle;
}
