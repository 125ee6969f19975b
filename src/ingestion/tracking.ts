import type { DataSource } from "typeorm";
import type { CmcClient } from "../coinmarketcap/client";
import type { CmcMapEntry } from "../coinmarketcap/schemas";
import { pickBestMatch } from "../coinmarketcap/symbols";
import { type AssetRow, assetByCmcId, TrackedSymbolTaken, trackAsset, untrackAsset } from "../db/store/assets";
import { markTrackedSymbolsSeeded, trackedSymbolsSeeded } from "../db/store/meta";
import type { Logger } from "../logger";

/** A request that names no coin, or several: the message says what to send instead. */
export class TrackingError extends Error {
  override name = "TrackingError";
  constructor(
    message: string,
    readonly candidateIds: number[] = [],
  ) {
    super(message);
  }
}

export interface AssetSelector {
  symbol?: string | null;
  cmcId?: number | null;
}

/** `BTC` or `BTC:1` (a CMC id settles which of several coins sharing a symbol is meant). */
function parseEntry(entry: string): { symbol: string; cmcId: number | undefined } {
  const [symbol, id] = entry.split(":");
  return { symbol: symbol.toUpperCase(), cmcId: id === undefined ? undefined : Number(id) };
}

/** Decides which assets are tracked; symbols are resolved to CMC ids once, through `/map`. */
export class AssetTracker {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cmc: CmcClient,
    private readonly logger: Logger,
  ) {}

  /** At the first start on a database, tracks TRACKED_SYMBOLS; later starts leave tracking to the mutations. */
  async seed(entries: string[]): Promise<void> {
    if (await trackedSymbolsSeeded(this.dataSource)) return;
    const wanted = entries.map(parseEntry);
    const found = wanted.length ? await this.cmc.map(wanted.map((w) => w.symbol)) : [];
    for (const { symbol, cmcId } of wanted) {
      try {
        const entry = this.choose(found, symbol, cmcId);
        await this.save(entry);
      } catch (error) {
        if (!(error instanceof TrackingError)) throw error;
        this.logger.warn({ symbol, cmcId }, `not tracking ${symbol}: ${error.message}`);
      }
    }
    await markTrackedSymbolsSeeded(this.dataSource);
  }

  async track(selector: AssetSelector): Promise<AssetRow> {
    const { symbol, cmcId } = checkSelector(selector);
    if (symbol === undefined) {
      const known = await assetByCmcId(this.dataSource, cmcId as number);
      if (!known) {
        throw new TrackingError(
          `CMC id ${cmcId} is not known here yet: pass its symbol too, as in trackAsset(symbol: "BTC", cmcId: 1)`,
        );
      }
      return this.save(known);
    }
    const entries = await this.cmc.map([symbol]);
    return this.save(this.choose(entries, symbol.toUpperCase(), cmcId));
  }

  async untrack(selector: AssetSelector): Promise<AssetRow> {
    const { symbol, cmcId } = checkSelector(selector);
    const asset = await untrackAsset(this.dataSource, cmcId !== undefined ? { cmcId } : { symbol: symbol as string });
    if (!asset) {
      throw new TrackingError(
        `no tracked asset ${cmcId !== undefined ? `with CMC id ${cmcId}` : `"${symbol}"`}: query assets(tracked: true) for what is tracked`,
      );
    }
    return asset;
  }

  private choose(entries: CmcMapEntry[], symbol: string, cmcId: number | undefined): CmcMapEntry {
    const { best, candidateIds } = pickBestMatch(entries, symbol);
    if (cmcId !== undefined) {
      const chosen = entries.find((entry) => entry.cmcId === cmcId && entry.symbol.toUpperCase() === symbol);
      if (!chosen?.isActive) {
        throw new TrackingError(
          `CoinMarketCap lists no active coin with symbol ${symbol} and CMC id ${cmcId}` +
            (chosen ? ` (${chosen.name} is inactive: it has no prices to fetch)` : "") +
            (candidateIds.length ? `; candidates: ${candidateIds.join(", ")}` : ""),
          candidateIds,
        );
      }
      return chosen;
    }
    if (!best?.isActive) {
      throw new TrackingError(`CoinMarketCap lists no active coin with symbol ${symbol}`);
    }
    const activeCandidates = entries.filter((e) => e.isActive && e.symbol.toUpperCase() === symbol);
    if (activeCandidates.length > 1 && best.rank === null) {
      throw new TrackingError(
        `symbol ${symbol} is shared by several unranked coins; pass cmcId, one of: ${candidateIds.join(", ")}`,
        candidateIds,
      );
    }
    if (candidateIds.length > 1) {
      this.logger.info(
        { symbol, chosen: best.cmcId, candidates: candidateIds },
        `symbol ${symbol} is shared by several coins; tracking the best-ranked, ${best.name} (CMC id ${best.cmcId})`,
      );
    }
    return best;
  }

  private async save(entry: Pick<CmcMapEntry, "cmcId" | "symbol" | "name" | "slug" | "rank">): Promise<AssetRow> {
    try {
      return await trackAsset(this.dataSource, entry);
    } catch (error) {
      if (!(error instanceof TrackedSymbolTaken)) throw error;
      throw new TrackingError(
        `symbol ${error.symbol} is already tracked as CMC id ${error.trackedCmcId}; untrack it first to track CMC id ${entry.cmcId}`,
      );
    }
  }
}

function checkSelector(selector: AssetSelector): { symbol: string | undefined; cmcId: number | undefined } {
  const symbol = selector.symbol?.trim() || undefined;
  const cmcId = selector.cmcId ?? undefined;
  if (symbol === undefined && cmcId === undefined) throw new TrackingError("pass symbol, cmcId, or both");
  if (cmcId !== undefined && (!Number.isInteger(cmcId) || cmcId <= 0)) {
    throw new TrackingError(`cmcId must be a positive CoinMarketCap id; got ${cmcId}`);
  }
  return { symbol, cmcId };
}
