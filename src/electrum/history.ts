/**
 * Script histories and statuses as the protocol defines them (docs/protocol.md, "Script hashes,
 * history and status"): confirmed history in chain order, then the mempool's, and the status
 * hash over both. Also what each lookup costs.
 *
 * Histories only grow at the end until a reorg, so what is derived from one is kept with the
 * tx count it was read at and brought forward with just the entries added since: cached
 * histories (and their get_history JSON), and for subscribed scripts the SHA-256 state over
 * the confirmed part of the status preimage. A block then costs each touched subscription
 * one indexed read and a hash of its new entries, however long its history. Anything read
 * before a reorg is read again in full.
 */
import { fromHex } from "../chain/bytes.ts";
import { Sha256Text } from "../chain/hash.ts";
import {
  type ChainQueries,
  type HistoryItem,
  HistoryTooLargeError,
  statusPreimage,
} from "../index/queries.ts";
import { LruCache } from "./caches.ts";
import { ErrorCode, RpcError } from "./errors.ts";

/** A script's history with what computing it cost. */
export interface ScriptHistory {
  confirmed: HistoryItem[];
  mempool: HistoryItem[];
  /** The history lookup cost "H" (docs/sessions.md, "What costs"). */
  cost: number;
}

/** Where something derived from the index stands: the tx count and reorg count it covers. */
interface IndexPoint {
  txEnd: number;
  rewinds: number;
}

/** The SHA-256 state over a script's confirmed status preimage. */
export interface ConfirmedDigest extends IndexPoint {
  hash: Sha256Text;
  /** Confirmed entries hashed. */
  entries: number;
  /** Preimage characters hashed. */
  length: number;
}

/** A script's status with its cost. */
export interface ScriptStatus {
  /** Hex SHA-256 of the history preimage, or null for no history. */
  status: string | null;
  /** H + 0.1 + 0.00002 × preimage length (the subscription cost). */
  cost: number;
  /** The history includes mempool transactions. */
  hasMempool: boolean;
  /** The confirmed part's hash state, for {@link ScriptHistories.keep}. */
  digest: ConfirmedDigest;
}

/** A cached confirmed history; null items when it is over the limit. */
interface CachedHistory extends IndexPoint {
  items: HistoryItem[] | null;
  /** get_history's JSON of the items (without the brackets), once asked for. */
  json?: string;
  /** The JSON in UTF-8, once asked for. */
  bytes?: Uint8Array;
}

const ENCODER = new TextEncoder();

/**
 * History items the cache holds (each script counts one more): about 250 bytes an item with
 * its JSON and UTF-8, so at most about 125 MB. Small histories are cheap to read again, heavy
 * ones are not (57,000 entries: 40-90 ms).
 */
const HISTORY_CACHE_ITEMS = 500_000;

/** The history limit of ElectrumX: (MAX_SEND − 100) div 99 entries. */
export function historyLimit(maxSend: number): number {
  return Math.floor((maxSend - 100) / 99);
}

function itemsJson(items: readonly HistoryItem[]): string {
  return items.map((item) => `{"tx_hash":"${item.txHash}","height":${item.height}}`).join(",");
}

/** Histories and statuses of scripts, by hashX hex. */
export class ScriptHistories {
  readonly cache = new LruCache<string, CachedHistory>(
    HISTORY_CACHE_ITEMS,
    (entry) => 1 + (entry.items?.length ?? 0),
  );
  /** Digests of subscribed scripts (see {@link keep}). */
  readonly #digests = new Map<string, ConfirmedDigest>();

  constructor(readonly queries: ChainQueries, readonly limit: number) {}

  /** Where the index stands now. */
  #now(): IndexPoint {
    return { txEnd: this.queries.store.txCount, rewinds: this.queries.store.rewinds };
  }

  /**
   * The entries `point` lacks, or undefined when a reorg since makes it unusable. Moves
   * `point` to now.
   */
  #gained(hashX: string, point: IndexPoint): HistoryItem[] | undefined {
    const now = this.#now();
    if (point.rewinds !== now.rewinds) return undefined;
    if (point.txEnd === now.txEnd) return [];
    const gained = this.queries.confirmedHistoryFrom(fromHex(hashX), point.txEnd);
    point.txEnd = now.txEnd;
    return gained;
  }

  /** The confirmed history as get_history's JSON items, comma-separated; cached. */
  confirmedJson(hashX: string): { json: string; cost: number } {
    const { items, cost } = this.confirmed(hashX);
    const entry = this.cache.peek(hashX);
    if (!entry) return { json: itemsJson(items), cost };
    entry.json ??= itemsJson(items);
    return { json: entry.json, cost };
  }

  /** {@link confirmedJson} in UTF-8; cached too. */
  confirmedJsonBytes(hashX: string): { bytes: Uint8Array; cost: number } {
    const { json, cost } = this.confirmedJson(hashX);
    const entry = this.cache.peek(hashX);
    if (!entry) return { bytes: ENCODER.encode(json), cost };
    entry.bytes ??= ENCODER.encode(json);
    return { bytes: entry.bytes, cost };
  }

  /**
   * Confirmed history; throws error 10001 `history too large` (its extra cost being the
   * lookup cost) when the script has `limit` entries or more.
   */
  confirmed(hashX: string): { items: HistoryItem[]; cost: number } {
    const cached = this.cache.get(hashX);
    const gained = cached && this.#gained(hashX, cached);
    if (cached && gained) {
      if (cached.items && gained.length > 0) {
        this.#extend(cached, cached.items, gained);
        // Set again: its weight in the cache grew.
        this.cache.set(hashX, cached);
      }
      if (!cached.items) throw tooLarge(0.1);
      return { items: cached.items, cost: 0.1 + gained.length / 1000 };
    }
    const point = this.#now();
    try {
      const items = this.queries.confirmedHistory(fromHex(hashX), this.limit);
      this.cache.set(hashX, { ...point, items });
      return { items, cost: 0.2 + items.length / 1000 };
    } catch (error) {
      if (error instanceof HistoryTooLargeError) {
        this.cache.set(hashX, { ...point, items: null });
        throw tooLarge(0.2 + this.limit / 1000);
      }
      throw error;
    }
  }

  /** Appends entries to a cached history and its JSON; over the limit it becomes too large. */
  #extend(entry: CachedHistory, items: HistoryItem[], gained: HistoryItem[]): void {
    entry.bytes = undefined;
    if (items.length + gained.length >= this.limit) {
      entry.items = null;
      entry.json = undefined;
      return;
    }
    items.push(...gained);
    if (entry.json !== undefined) entry.json += (entry.json ? "," : "") + itemsJson(gained);
  }

  /**
   * Mempool history. Until the next mempool refresh after a block, the mirror may still list
   * transactions the block confirmed; those are left out.
   */
  mempool(hashX: string): HistoryItem[] {
    const { store, mempool } = this.queries;
    const items = this.queries.mempoolHistory(fromHex(hashX));
    if (items.length === 0 || store.height <= mempool.syncedHeight) return items;
    const confirmedSince = this.queries.confirmedHistoryFrom(
      fromHex(hashX),
      store.firstTxNum(mempool.syncedHeight + 1),
    );
    if (confirmedSince.length === 0) return items;
    const seen = new Set(confirmedSince.map((item) => item.txHash));
    return items.filter((item) => !seen.has(item.txHash));
  }

  /** Confirmed then mempool history. */
  history(hashX: string): ScriptHistory {
    const { items, cost } = this.confirmed(hashX);
    return { confirmed: items, mempool: this.mempool(hashX), cost };
  }

  /**
   * The status of a script (null when it has no history at all), from its kept digest when
   * it has one.
   */
  status(hashX: string): ScriptStatus {
    const { digest, cost } = this.#confirmedDigest(hashX);
    const mempool = this.mempool(hashX);
    if (digest.entries === 0 && mempool.length === 0) {
      return { status: null, cost: cost + 0.1, hasMempool: false, digest };
    }
    const hash = digest.hash.copy();
    let length = digest.length;
    if (mempool.length > 0) {
      const preimage = statusPreimage(mempool);
      hash.update(preimage);
      length += preimage.length;
    }
    return {
      status: hash.hex(),
      cost: cost + 0.1 + 0.00002 * length,
      hasMempool: mempool.length > 0,
      digest,
    };
  }

  /** Keeps the digest of a status for the script's next statuses (it is subscribed). */
  keep(hashX: string, status: ScriptStatus): void {
    this.#digests.set(hashX, status.digest);
  }

  /** Drops a script's digest (its last subscription ended). */
  forget(hashX: string): void {
    this.#digests.delete(hashX);
  }

  #confirmedDigest(hashX: string): { digest: ConfirmedDigest; cost: number } {
    const kept = this.#digests.get(hashX);
    const gained = kept && this.#gained(hashX, kept);
    if (kept && gained) {
      if (kept.entries + gained.length >= this.limit) {
        this.#digests.delete(hashX);
        throw tooLarge(0.1);
      }
      if (gained.length > 0) {
        const preimage = statusPreimage(gained);
        kept.hash.update(preimage);
        kept.entries += gained.length;
        kept.length += preimage.length;
      }
      return { digest: kept, cost: 0.1 + gained.length / 1000 };
    }
    const point = this.#now();
    const { items, cost } = this.confirmed(hashX);
    const preimage = statusPreimage(items);
    const digest = {
      ...point,
      hash: new Sha256Text().update(preimage),
      entries: items.length,
      length: preimage.length,
    };
    return { digest, cost };
  }
}

function tooLarge(cost: number): RpcError {
  return new RpcError(ErrorCode.HISTORY_TOO_LARGE, "history too large", {
    counts: false,
    extraCost: cost,
  });
}
