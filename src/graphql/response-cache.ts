import { EventEmitter } from "node:events";
import type { ApolloServerPlugin } from "@apollo/server";
import { LRUCache } from "lru-cache";
import type { CommitKind, FeedListener } from "../db/store/feed-listener";
import { readsQuoteDataOnly } from "./cache-control";
import type { GraphQLContext, ResponseTicket } from "./context";

/** What a kept answer is sent with: its content type (negotiated from `Accept`, part of the key) and ETag. */
export interface ResponseHead {
  contentType: string;
  etag: string | undefined;
}

/** A whole answer as sent: the body's bytes and its head. */
export interface CachedResponse extends ResponseHead {
  body: Buffer;
}

/** Why the cache was emptied: a commit that wrote quotes or assets, or LISTEN lost or stopped. */
export type EmptiedBecause = CommitKind | "listen_lost" | "stopped";

/** hit: answered from memory; miss: a cacheable answer was computed; uncacheable: it may never be kept. */
export type LookupOutcome = "hit" | "miss" | "uncacheable";

/**
 * The commit-aware response cache of one replica. Answers of queries that read quotes and assets
 * only change when a transaction writing them commits, and every such commit (from any replica)
 * is announced on the LISTEN connection: the cache is emptied on each announcement, and is off
 * (and empty) while that connection is down, when announcements could be missed. Bounded in bytes,
 * least recently used out first.
 *
 * The key is the whole request as sent: document text, operation name, variables, extensions, and
 * `Accept` (it picks the content type). Nothing else in the context changes a read's answer (the
 * caller's token only matters to mutations). Only JSON POST requests are looked up: a GET must pass
 * Apollo's CSRF rule first, so it always goes through Apollo.
 */
export class ResponseCache {
  /** `lookup`: a cacheable request's outcome; `evicted`: an entry made room; `emptied`: why it was emptied. */
  readonly events = new EventEmitter<{ lookup: [LookupOutcome]; evicted: []; emptied: [EmptiedBecause] }>();
  readonly #entries: LRUCache<string, CachedResponse> | undefined;
  /** Moves on every announcement and on every change of the LISTEN connection: tickets of older ones are void. */
  #generation = 0;
  #listening: boolean;

  constructor(maxBytes: number, listener: FeedListener) {
    this.#entries =
      maxBytes > 0
        ? new LRUCache({
            maxSize: maxBytes,
            // Keys are JavaScript strings: up to two bytes a character.
            sizeCalculation: (entry, key) => entry.body.byteLength + key.length * 2,
            dispose: (_entry, _key, reason) => {
              if (reason === "evict") this.events.emit("evicted");
            },
          })
        : undefined;
    this.#listening = listener.connected;
    listener.events.on("committed", (kind) => this.#empty(kind));
    listener.events.on("lost", () => {
      this.#listening = false;
      this.#empty("listen_lost");
    });
    listener.events.on("connected", () => {
      this.#generation++;
      this.#listening = true;
    });
    listener.events.on("stopped", () => {
      this.#listening = false;
      this.#empty("stopped");
    });
  }

  /** False with RESPONSE_CACHE_MB=0, and while the LISTEN connection is down. */
  get enabled(): boolean {
    return this.#entries !== undefined && this.#listening;
  }

  /** Bytes held (bodies and keys). */
  get bytes(): number {
    return this.#entries?.calculatedSize ?? 0;
  }

  get entries(): number {
    return this.#entries?.size ?? 0;
  }

  /** The key of a request, or undefined for one never looked up (not a JSON POST with a document). */
  keyOf(method: string, accept: string | undefined, body: unknown): string | undefined {
    if (method !== "POST" || typeof body !== "object" || body === null) return undefined;
    const { query, operationName, variables, extensions } = body as Record<string, unknown>;
    if (typeof query !== "string") return undefined;
    try {
      return JSON.stringify([accept ?? null, query, operationName ?? null, variables ?? null, extensions ?? null]);
    } catch {
      // Variables nested deeper than the stack (a hostile body): not a key, and Apollo answers it as any other.
      return undefined;
    }
  }

  /** The kept answer of this key, while the cache is on. */
  get(key: string): CachedResponse | undefined {
    if (!this.enabled) return undefined;
    const hit = this.#entries?.get(key);
    if (hit) this.events.emit("lookup", "hit");
    return hit;
  }

  /** A ticket for a request that missed; undefined while the cache is off. */
  ticket(key: string): ResponseTicket | undefined {
    return this.enabled ? { key, generation: this.#generation } : undefined;
  }

  /** Keeps the ticket's answer, if it was cacheable, sent whole with status 200, and nothing was announced since its start. */
  keep(ticket: ResponseTicket, status: number, head: ResponseHead): void {
    if (ticket.body === undefined || status !== 200) return;
    if (!this.enabled || ticket.generation !== this.#generation) return;
    this.#entries?.set(ticket.key, { body: Buffer.from(ticket.body), ...head });
  }

  /**
   * Marks the answers that may be kept: queries of quote data only (cache-control.ts), without
   * errors. The body is the one Apollo sends (its default stringifyResult: JSON and a newline).
   */
  plugin(): ApolloServerPlugin<GraphQLContext> {
    const events = this.events;
    return {
      async requestDidStart() {
        return {
          async willSendResponse({ contextValue, document, operation, response }) {
            const ticket = contextValue.responseTicket;
            if (!ticket) return;
            const result = response.body.kind === "single" ? response.body.singleResult : undefined;
            const cacheable =
              result !== undefined &&
              !result.errors &&
              (response.http.status ?? 200) === 200 &&
              readsQuoteDataOnly(document, operation);
            events.emit("lookup", cacheable ? "miss" : "uncacheable");
            if (cacheable) ticket.body = `${JSON.stringify({ data: result.data, extensions: result.extensions })}\n`;
          },
        };
      },
    };
  }

  #empty(reason: EmptiedBecause): void {
    this.#generation++;
    this.#entries?.clear();
    this.events.emit("emptied", reason);
  }
}
