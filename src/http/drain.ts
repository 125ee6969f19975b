import type { Server, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";

/**
 * Stops an HTTP server without cutting an answer short, in two steps so that the service can wake
 * its long polls in between:
 *
 * - `close()` refuses new connections at once and makes every answer still to come say
 *   `Connection: close`: Node closes a connection once such an answer is sent, and a keep-alive
 *   client opens a new connection for its next request (refused: it goes to another replica)
 *   instead of sending it into a connection that is being closed under it (ECONNRESET).
 * - `drained(deadline)` waits until every request has been answered (or its client has gone),
 *   closing idle connections each time none is left in flight; at the deadline it closes every
 *   connection left, answered or not.
 *
 * Not Node's `server.close()` for the first step: it also destroys at once the connections whose
 * answer has been ended but not yet flushed to a slow client (their `finished` is already true),
 * and stops the header and request timeouts while connections are still open.
 */
export class HttpDrain {
  readonly #server: Server;
  readonly #inFlight = new Set<ServerResponse>();
  readonly #sockets = new Set<Socket>();
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(server: Server) {
    this.#server = server;
    server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
    // Before the app's listener, so that the header is set before any handler can answer.
    server.prependListener("request", (_req, res) => {
      if (this.#closing) res.setHeader("connection", "close");
      this.#inFlight.add(res);
      // "close" follows "finish" once the answer is flushed to the socket, or comes when the client hangs up.
      res.once("close", () => {
        this.#inFlight.delete(res);
        // Answered connections wait for their client to close them: no need once none is in flight.
        if (this.#closing && this.#inFlight.size === 0) this.#server.closeIdleConnections();
      });
    });
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    for (const res of this.#inFlight) if (!res.headersSent) res.setHeader("connection", "close");
    this.#closed = new Promise((resolve) => NetServer.prototype.close.call(this.#server, () => resolve()));
    if (this.#inFlight.size === 0) this.#server.closeIdleConnections();
  }

  /** Resolves when every connection is closed: WebSockets must be ended meanwhile (they count too). */
  async drained(deadline: number): Promise<void> {
    this.close();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
    await Promise.race([this.#closed, late]);
    clearTimeout(timer);
    for (const socket of this.#sockets) socket.destroy();
    await this.#closed;
    // Node's own close, now that nothing is open: stops its header and request timeout checks.
    this.#server.close();
  }
}
