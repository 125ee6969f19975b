import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Debian's `chromium` package (`.ci/run` installs it); CHROMIUM_PATH names another build. Playwright's
 * own browser downloads are not used: they come from outside the package registries.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function chromiumPresent(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * A headless Chromium with a fresh profile (Playwright's launch() makes a temporary user-data-dir)
 * that calls nothing of its own on the network: no sync, updates, QUIC or background requests.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
