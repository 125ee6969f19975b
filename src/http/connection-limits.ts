import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { WRITER_CONNECTIONS } from "../db/data-source";

/** Why a connection was closed as soon as it was accepted. */
export type RefusalReason = "total" | "per_address";

export interface ConnectionCaps {
  /** Open connections in all. */
  total: number;
  /** Open connections from one client address; 0: no cap. */
  perAddress: number;
}

/** Descriptors kept for the process itself (stdio, libuv, CMC requests, /proc reads of the metrics, logs). */
const OWN_DESCRIPTORS = 128;
/** Enough for one instance: beyond, add replicas. */
const DEFAULT_MAX = 4096;

/** Descriptors the open-file limit leaves for connections after the database pools (the API's and the writer's) and the process's own. */
export function connectionRoom(openFiles: number, poolMax: number): number {
  return openFiles - (poolMax + WRITER_CONNECTIONS) - OWN_DESCRIPTORS;
}

/**
 * The default cap on open connections: the room the open-file limit leaves, at most 4096. A flood
 * of connections is then refused at the door instead of taking the descriptor the next database
 * connection needs (EMFILE).
 */
export function defaultMaxConnections(openFiles: number, poolMax: number): number {
  return Math.max(1, Math.min(DEFAULT_MAX, connectionRoom(openFiles, poolMax)));
}

/**
 * The soft limit on open files from `/proc/self/limits` (Linux); 1024, the usual default, where
 * that file is missing or says "unlimited" is not a number.
 */
export function openFileLimit(limits: string | undefined = readLimits()): number {
  const soft = limits && /^Max open files\s+(\d+)\s/m.exec(limits)?.[1];
  return soft ? Number(soft) : 1024;
}

function readLimits(): string | undefined {
  try {
    return readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Caps the server's open connections: in total through Node's `server.maxConnections` (its `drop`
 * event reports the ones closed), and per client address here. A connection over a cap is closed
 * as soon as it is accepted, before HTTP reads a byte of it, and reported as `refused`.
 */
export class ConnectionLimits {
  readonly events = new EventEmitter<{ refused: [RefusalReason] }>();
  readonly #byAddress = new Map<string, number>();
  #open = 0;

  constructor(server: Server, caps: ConnectionCaps) {
    server.maxConnections = caps.total;
    server.on("drop", () => this.events.emit("refused", "total"));
    // Before the HTTP server's own listener: a refused socket never gets a parser.
    server.prependListener("connection", (socket: Socket) => {
      const address = socket.remoteAddress ?? "unknown";
      const held = this.#byAddress.get(address) ?? 0;
      if (caps.perAddress > 0 && held >= caps.perAddress) {
        socket.destroy();
        this.events.emit("refused", "per_address");
        return;
      }
      this.#byAddress.set(address, held + 1);
      this.#open++;
      socket.once("close", () => {
        this.#open--;
        const left = (this.#byAddress.get(address) ?? 1) - 1;
        if (left > 0) this.#byAddress.set(address, left);
        else this.#byAddress.delete(address);
      });
    });
  }

  /** Connections accepted and not yet closed (WebSockets included). */
  get open(): number {
    return this.#open;
  }
}
