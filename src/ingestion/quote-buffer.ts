import type { NewQuote } from "../db/store/quotes";
import type { RunReport } from "../db/store/runs";

type Batch = Omit<RunReport, "quotes"> & { quotes: NewQuote[] };

/**
 * CMC's latest price cannot be fetched again later, so quotes fetched while the database is down
 * wait here. Bounded: past `limit` quotes, the oldest are dropped and counted.
 */
export class QuoteBuffer {
  #batches: Batch[] = [];
  #size = 0;
  #dropped = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.#size;
  }

  /** Quotes dropped since start because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  add(batch: RunReport): number {
    this.#batches.push({ ...batch, quotes: [...batch.quotes] });
    this.#size += batch.quotes.length;
    let dropped = 0;
    while (this.#size > this.limit) {
      const oldest = this.#batches[0];
      const excess = Math.min(this.#size - this.limit, oldest.quotes.length);
      oldest.quotes.splice(0, excess);
      this.#size -= excess;
      dropped += excess;
      if (oldest.quotes.length === 0) this.#batches.shift();
    }
    this.#dropped += dropped;
    return dropped;
  }

  peek(): RunReport | undefined {
    return this.#batches[0];
  }

  /** Removes the oldest batch after it was stored. */
  shift(): void {
    const batch = this.#batches.shift();
    if (batch) this.#size -= batch.quotes.length;
  }
}
