import { chmod, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

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
