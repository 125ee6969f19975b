import path from "node:path";
import { defineConfig } from "vite";

/** The dashboard, bundled into dist/dashboard, which the service serves at / (src/http/dashboard.ts). */
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: path.resolve(import.meta.dirname, "../dist/dashboard"),
    emptyOutDir: true,
    target: "es2022",
    // Every asset is a file of its own: the page's Content-Security-Policy allows nothing inline.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
