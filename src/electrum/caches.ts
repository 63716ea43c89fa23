/**
 * The read caches behind the protocol methods, with the statistics `getinfo` reports
 * (`<L> lookups, <H> hits, <E> entries, hitrate <R>`): confirmed histories per script, block
 * txid lists, block merkle trees, fee estimates. Each entry is checked or invalidated against
 * the chain so a reorg never serves stale data.
 */
import { sha256d } from "../chain/hash.ts";
import type { IndexStore } from "../index/store.ts";

/** Lookup statistics of one cache. */
export interface CacheStats {
  lookups: number;
  hits: number;
  entries: number;
}

/** `40 lookups, 31 hits, 6 entries, hitrate 0.7750`, as `getinfo` shows a cache. */
export function formatCacheStats(stats: CacheStats): string {
  const rate = stats.hits / Math.max(stats.lookups, 1);
  return `${stats.lookups} lookups, ${stats.hits} hits, ${stats.entries} entries, hitrate ${
    rate.toFixed(4)
  }`;
}

/**
 * Least-recently-used map with hit statistics (Map keeps insertion order). Capacity counts
 * entries, or with `weigh` their weights: a cache of histories keeps as many entries as fit a
 * budget of history items, so one heavy script is not pushed out by a few hundred small ones.
 */
export class LruCache<K, V> {
  readonly #map = new Map<K, { value: V; weight: number }>();
  #weight = 0;
  lookups = 0;
  hits = 0;

  constructor(readonly capacity: number, readonly weigh: (value: V) => number = () => 1) {}

  get size(): number {
    return this.#map.size;
  }

  /** The value of `key`, counting the lookup. */
  get(key: K): V | undefined {
    this.lookups++;
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    this.hits++;
    this.#map.delete(key);
    this.#map.set(key, slot);
    return slot.value;
  }

  /** The value of `key` without counting a lookup or refreshing its age. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    this.#map.set(key, { value, weight });
    this.#weight += weight;
    // The newest entry stays even if it alone is over the capacity.
    while (this.#weight > this.capacity && this.#map.size > 1) {
      this.delete(this.#map.keys().next().value as K);
    }
  }

  delete(key: K): void {
    const slot = this.#map.get(key);
    if (slot === undefined) return;
    this.#map.delete(key);
    this.#weight -= slot.weight;
  }

  clear(): void {
    this.#map.clear();
    this.#weight = 0;
  }

  get stats(): CacheStats {
    return { lookups: this.lookups, hits: this.hits, entries: this.#map.size };
  }
}

/** One level up a merkle tree, duplicating an odd last node. */
export function merkleParents(level: Uint8Array[]): Uint8Array[] {
  const parents: Uint8Array[] = new Array(Math.ceil(level.length / 2));
  for (let i = 0; i < level.length; i += 2) {
    parents[i >> 1] = sha256d(level[i], level[i + 1] ?? level[i]);
  }
  return parents;
}

/** Every level of a merkle tree, leaves first, root last. */
export function merkleLevels(leaves: Uint8Array[]): Uint8Array[][] {
  const levels = [leaves];
  while (levels[levels.length - 1].length > 1) {
    levels.push(merkleParents(levels[levels.length - 1]));
  }
  return levels;
}

/** The branch of leaf `index` from precomputed levels. */
export function branchFromLevels(levels: Uint8Array[][], index: number): Uint8Array[] {
  const branch: Uint8Array[] = [];
  let position = index;
  for (let i = 0; i < levels.length - 1; i++) {
    const level = levels[i];
    branch.push(level[position ^ 1] ?? level[position]);
    position >>= 1;
  }
  return branch;
}

/** A block's txids and, for large blocks, its merkle tree. */
export interface BlockTxids {
  /** Display hex of the block hash the entry was made for. */
  blockHash: string;
  txids: Uint8Array[];
}

/** Blocks with at least this many transactions keep their merkle tree cached. */
export const MERKLE_CACHE_MIN_TXS = 200;

/**
 * Block txid lists (the `txids` cache) and merkle trees of large blocks (`merkle txid`),
 * keyed by height and checked against the block hash at that height on every use.
 */
export class BlockCache {
  readonly txids = new LruCache<number, BlockTxids>(1000);
  readonly trees = new LruCache<string, Uint8Array[][]>(64);

  constructor(readonly store: IndexStore) {}

  /**
   * Txids of the block at `height` (internal order), its hash, and whether they came from
   * the cache.
   */
  blockTxids(height: number): BlockTxids & { cached: boolean } {
    const blockHash = this.store.blockHash(height) ?? "";
    const entry = this.txids.get(height);
    if (entry && entry.blockHash === blockHash) return { ...entry, cached: true };
    const txids = this.store.blockTxids(height);
    if (blockHash !== "") this.txids.set(height, { blockHash, txids });
    return { blockHash, txids, cached: false };
  }

  /**
   * The merkle branch of the tx at `index` in a block (as {@link blockTxids} gave it), from a
   * cached tree when the block is large. Returns the root too and whether the tree was cached.
   */
  branch(
    block: BlockTxids,
    index: number,
  ): { branch: Uint8Array[]; root: Uint8Array; cached: boolean } {
    const { txids, blockHash } = block;
    if (txids.length < MERKLE_CACHE_MIN_TXS) {
      const levels = merkleLevels(txids);
      return {
        branch: branchFromLevels(levels, index),
        root: levels[levels.length - 1][0],
        cached: false,
      };
    }
    let levels = this.trees.get(blockHash);
    const cached = levels !== undefined;
    if (!levels) {
      levels = merkleLevels(txids);
      this.trees.set(blockHash, levels);
    }
    return { branch: branchFromLevels(levels, index), root: levels[levels.length - 1][0], cached };
  }
}
