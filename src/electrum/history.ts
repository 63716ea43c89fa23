/**
 * Script histories and statuses as the protocol defines them (electrum-protocol.md §5):
 * confirmed history in chain order (cached per script, invalidated by the notifier's touched
 * sets), then the mempool's, and the status hash over both. Also what each lookup costs.
 */
import { fromHex, toHex } from "../chain/bytes.ts";
import { sha256 } from "../chain/hash.ts";
import { type ChainQueries, type HistoryItem, HistoryTooLargeError } from "../index/queries.ts";
import { LruCache } from "./caches.ts";
import { ErrorCode, RpcError } from "./errors.ts";

/** A script's history with what computing it cost. */
export interface ScriptHistory {
  confirmed: HistoryItem[];
  mempool: HistoryItem[];
  /** The history lookup cost "H" of sessions-and-limits.md §3.2. */
  cost: number;
}

/** A script's status with its cost. */
export interface ScriptStatus {
  /** Hex SHA-256 of the history preimage, or null for no history. */
  status: string | null;
  /** H + 0.1 + 0.00002 × preimage length (the subscription cost). */
  cost: number;
  /** The history includes mempool transactions. */
  hasMempool: boolean;
}

const TOO_LARGE = "too large";
const ENCODER = new TextEncoder();

/** The history limit of ElectrumX: (MAX_SEND − 100) div 99 entries. */
export function historyLimit(maxSend: number): number {
  return Math.floor((maxSend - 100) / 99);
}

/** Histories and statuses of scripts, by hashX hex. */
export class ScriptHistories {
  readonly cache = new LruCache<string, HistoryItem[] | typeof TOO_LARGE>(1000);
  /**
   * The confirmed histories' get_history JSON (items without the brackets): a 10,000-entry
   * answer costs about 10 ms to serialise, every time it is asked for.
   */
  readonly #json = new LruCache<string, string>(1000);

  constructor(readonly queries: ChainQueries, readonly limit: number) {}

  /** Forgets the cached histories of scripts a block or reorg touched. */
  invalidate(hashXs: Iterable<string>): void {
    for (const key of hashXs) {
      this.cache.delete(key);
      this.#json.delete(key);
    }
  }

  /** Forgets every cached history. */
  clear(): void {
    this.cache.clear();
    this.#json.clear();
  }

  /** The confirmed history as get_history's JSON items, comma-separated; cached. */
  confirmedJson(hashX: string): { json: string; items: HistoryItem[]; cost: number } {
    const { items, cost } = this.confirmed(hashX);
    let json = this.#json.get(hashX);
    if (json === undefined) {
      json = items.map((item) => `{"tx_hash":"${item.txHash}","height":${item.height}}`).join(",");
      this.#json.set(hashX, json);
    }
    return { json, items, cost };
  }

  /**
   * Confirmed history; throws error 10001 `history too large` (its extra cost being the
   * lookup cost) when the script has `limit` entries or more.
   */
  confirmed(hashX: string): { items: HistoryItem[]; cost: number } {
    const cached = this.cache.get(hashX);
    if (cached === TOO_LARGE) throw tooLarge(0.1);
    if (cached) return { items: cached, cost: 0.1 };
    try {
      const items = this.queries.confirmedHistory(fromHex(hashX), this.limit);
      this.cache.set(hashX, items);
      return { items, cost: 0.2 + items.length / 1000 };
    } catch (error) {
      if (error instanceof HistoryTooLargeError) {
        this.cache.set(hashX, TOO_LARGE);
        throw tooLarge(0.2 + this.limit / 1000);
      }
      throw error;
    }
  }

  /**
   * Mempool history. A transaction the index already holds confirmed is left out: between a
   * block and the next mempool refresh the mirror may still list it.
   */
  mempool(hashX: string, confirmed?: HistoryItem[]): HistoryItem[] {
    const items = this.queries.mempoolHistory(fromHex(hashX));
    if (items.length === 0 || !confirmed || confirmed.length === 0) return items;
    const seen = new Set(confirmed.map((item) => item.txHash));
    return items.filter((item) => !seen.has(item.txHash));
  }

  /** Confirmed then mempool history. */
  history(hashX: string): ScriptHistory {
    const { items, cost } = this.confirmed(hashX);
    return { confirmed: items, mempool: this.mempool(hashX, items), cost };
  }

  /** The status of a script (null when it has no history at all). */
  status(hashX: string): ScriptStatus {
    const { confirmed, mempool, cost } = this.history(hashX);
    if (confirmed.length === 0 && mempool.length === 0) {
      return { status: null, cost: cost + 0.1, hasMempool: false };
    }
    let preimage = "";
    for (const item of confirmed) preimage += `${item.txHash}:${item.height}:`;
    for (const item of mempool) preimage += `${item.txHash}:${item.height}:`;
    return {
      status: toHex(sha256(ENCODER.encode(preimage))),
      cost: cost + 0.1 + 0.00002 * preimage.length,
      hasMempool: mempool.length > 0,
    };
  }
}

function tooLarge(cost: number): RpcError {
  return new RpcError(ErrorCode.HISTORY_TOO_LARGE, "history too large", {
    counts: false,
    extraCost: cost,
  });
}
