import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A Node.js binary of the given version, from the npm registry's `node-<platform>-<arch>`
 * package (the official build, repackaged). Kept under the temporary folder by version, so later
 * runs on this machine reuse it; after a cleaned /tmp it comes from npm's own cache, without the
 * network (`--prefer-offline`: the version is exact, so a cached copy is the right one). Only the
 * first run on a machine needs the registry; without it this throws, saying so.
 */
export async function nodeBinary(version: string): Promise<string> {
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = path.join(tmpdir(), `quotegraph-${pkg}-${version}`);
  const bin = path.join(dir, "bin", "node");
  if (!existsSync(bin)) {
    // Unpacked beside the final folder and renamed into place, so a half-unpacked copy is never used.
    const staging = await mkdtemp(`${dir}.partial-`);
    try {
      const argv = ["pack", `${pkg}@${version}`, "--json", "--prefer-offline", "--pack-destination", staging];
      const { stdout } = await run("npm", argv, { maxBuffer: 64 * 1024 * 1024 }).catch((error: Error) => {
        throw new Error(
          `Node ${version} (the Docker image's) is fetched from the npm registry once per machine, and ` +
            `\`npm ${argv.slice(0, 2).join(" ")}\` failed; connect this machine to the registry once:\n${error.message}`,
        );
      });
      const [packed] = JSON.parse(stdout) as { filename: string }[];
      if (!packed) throw new Error(`npm pack ${pkg}@${version} named no tarball`);
      const tarball = path.join(staging, packed.filename);
      await run("tar", ["-xzf", tarball, "-C", staging, "--strip-components=1"]);
      await rm(tarball);
      // A non-root container user must be able to run it.
      await chmod(staging, 0o755);
      await rename(staging, dir).catch((error: unknown) => {
        // Another test run finished the same download first: use that one.
        if (!existsSync(bin)) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const { stdout } = await run(bin, ["--version"]);
  if (stdout.trim() !== `v${version}`) throw new Error(`${bin} is ${stdout.trim()}, expected v${version}`);
  return bin;
}
