import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Resolves once `server` listens on `port` and `host`; rejects with the listen error (EADDRINUSE…). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The base URL a local client reaches a listening server at, e.g. http://127.0.0.1:4000. */
export function urlOf(server: Server): string {
  const { address, family, port } = server.address() as AddressInfo;
  const host = family === "IPv6" ? `[${address}]` : address;
  return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
}

/** Whether it listens on every interface (0.0.0.0 or ::), where a person can use this machine's name. */
export function listensEverywhere(server: Server): boolean {
  const { address } = server.address() as AddressInfo;
  return address === "0.0.0.0" || address === "::";
}
