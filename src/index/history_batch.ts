/**
 * History entries gathered since the last flush: per script (hashX), the ascending tx numbers
 * of the transactions that touched it. Kept in typed arrays (a hash table of scripts, a linked
 * list of entries per script) for the same reasons as the UTXO cache. A flush writes one row
 * per script, so a script touched many times in a batch costs one row, not one per entry.
 */
import { HASHX_LENGTH } from "../chain/script.ts";
import { HistoryRowEncoder } from "./history_rows.ts";

const EMPTY = -1;

/** True when scripts `a` and `b` share the first four hashX bytes. */
function samePrefix(keys: Uint8Array, a: number, b: number): boolean {
  const pa = a * HASHX_LENGTH;
  const pb = b * HASHX_LENGTH;
  return keys[pa] === keys[pb] && keys[pa + 1] === keys[pb + 1] &&
    keys[pa + 2] === keys[pb + 2] && keys[pa + 3] === keys[pb + 3];
}

/** Bytes per script and per entry slot, for the CACHE_MB budget. */
export const HISTORY_BYTES_PER_SCRIPT = HASHX_LENGTH + 4 + 4 + 8 + 8;
export const HISTORY_BYTES_PER_ENTRY = 8 + 4;

function scriptHash(hashXs: Uint8Array, offset: number): number {
  // hashX bytes are SHA-256 output: any four of them are a good hash.
  return (hashXs[offset] | (hashXs[offset + 1] << 8) | (hashXs[offset + 2] << 16) |
    (hashXs[offset + 3] << 24)) >>> 0;
}

/** A copy of `array` with room for `size` elements. */
function grown<T extends Int32Array | Float64Array | Uint8Array>(
  array: T,
  size: number,
  make: (size: number) => T,
): T {
  const copy = make(size);
  copy.set(array);
  return copy;
}
const int32s = (size: number) => new Int32Array(size);
const float64s = (size: number) => new Float64Array(size);
const bytes = (size: number) => new Uint8Array(size);

export class HistoryBatch {
  #scripts = 0;
  #scriptCapacity: number;
  #hashX: Uint8Array;
  #head: Int32Array;
  #tail: Int32Array;
  #lastTxNum: Float64Array;
  #slots: Int32Array;
  #mask: number;
  #entries = 0;
  #entryTxNum: Float64Array;
  #entryNext: Int32Array;

  constructor(initialScripts = 1 << 14) {
    this.#scriptCapacity = initialScripts;
    this.#hashX = new Uint8Array(initialScripts * HASHX_LENGTH);
    this.#head = new Int32Array(initialScripts);
    this.#tail = new Int32Array(initialScripts);
    this.#lastTxNum = new Float64Array(initialScripts);
    this.#slots = new Int32Array(initialScripts * 2).fill(EMPTY);
    this.#mask = initialScripts * 2 - 1;
    this.#entryTxNum = new Float64Array(initialScripts * 2);
    this.#entryNext = new Int32Array(initialScripts * 2);
  }

  /** Distinct scripts touched. */
  get scriptCount(): number {
    return this.#scripts;
  }

  /** Entries held. */
  get entryCount(): number {
    return this.#entries;
  }

  /** Memory held by the arrays, in bytes. */
  get bytes(): number {
    return this.#scriptCapacity * HISTORY_BYTES_PER_SCRIPT +
      this.#entryTxNum.length * HISTORY_BYTES_PER_ENTRY;
  }

  /**
   * Records that tx `txNum` touched the script whose hashX is at `offset` of `hashXs`. Calls
   * must come in ascending tx order; repeats for the same tx are ignored.
   */
  add(hashXs: Uint8Array, offset: number, txNum: number): void {
    const script = this.#script(hashXs, offset);
    if (this.#lastTxNum[script] === txNum && this.#head[script] !== EMPTY) return;
    if (this.#entries === this.#entryTxNum.length) this.#growEntries();
    const entry = this.#entries++;
    this.#entryTxNum[entry] = txNum;
    this.#entryNext[entry] = EMPTY;
    if (this.#head[script] === EMPTY) this.#head[script] = entry;
    else this.#entryNext[this.#tail[script]] = entry;
    this.#tail[script] = entry;
    this.#lastTxNum[script] = txNum;
  }

  /** The hashX of script number `script` (a view). */
  hashX(script: number): Uint8Array {
    return this.#hashX.subarray(script * HASHX_LENGTH, (script + 1) * HASHX_LENGTH);
  }

  /** The tx numbers of script number `script`, ascending. */
  txNums(script: number, out: number[] = []): number[] {
    for (let entry = this.#head[script]; entry !== EMPTY; entry = this.#entryNext[entry]) {
      out.push(this.#entryTxNum[entry]);
    }
    return out;
  }

  /**
   * Script numbers ordered by hashX bytes, the history table's key order. A radix sort on the
   * first four bytes (hashXs are uniform, so they almost always decide), then a comparison
   * sort of the rare runs that share them: for the 2.25 million scripts of a 1M-tx flush
   * 1.3 s with a comparison sort alone.
   */
  scriptsInKeyOrder(): Uint32Array {
    const count = this.#scripts;
    const keys = this.#hashX;
    let order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    let next = new Uint32Array(count);
    const counts = new Uint32Array(257);
    for (let byte = 3; byte >= 0; byte--) {
      counts.fill(0);
      for (let i = 0; i < count; i++) counts[keys[order[i] * HASHX_LENGTH + byte] + 1]++;
      for (let b = 1; b <= 256; b++) counts[b] += counts[b - 1];
      for (let i = 0; i < count; i++) {
        const script = order[i];
        next[counts[keys[script * HASHX_LENGTH + byte]]++] = script;
      }
      [order, next] = [next, order];
    }
    const compare = (a: number, b: number) => {
      const pa = a * HASHX_LENGTH;
      const pb = b * HASHX_LENGTH;
      for (let i = 0; i < HASHX_LENGTH; i++) {
        const d = keys[pa + i] - keys[pb + i];
        if (d !== 0) return d;
      }
      return 0;
    };
    for (let start = 0; start < count;) {
      let end = start + 1;
      while (end < count && samePrefix(keys, order[start], order[end])) end++;
      if (end - start > 1) order.subarray(start, end).sort(compare);
      start = end;
    }
    return order;
  }

  /**
   * The batch as history rows in the table's key order (hashX, then tx number): calls `emit`
   * for each row; `hashX` and `more` are views, valid while the batch is.
   */
  rows(emit: (hashX: Uint8Array, txNum: number, more: Uint8Array) => void): void {
    const encoder = new HistoryRowEncoder();
    const txNums: number[] = [];
    for (const script of this.scriptsInKeyOrder()) {
      txNums.length = 0;
      this.txNums(script, txNums);
      const hashX = this.hashX(script);
      encoder.encode(txNums, (txNum, more) => emit(hashX, txNum, more));
    }
  }

  #script(hashXs: Uint8Array, offset: number): number {
    let slot = scriptHash(hashXs, offset) & this.#mask;
    while (true) {
      const script = this.#slots[slot];
      if (script === EMPTY) break;
      const at = script * HASHX_LENGTH;
      let same = true;
      for (let i = 0; i < HASHX_LENGTH; i++) {
        if (this.#hashX[at + i] !== hashXs[offset + i]) {
          same = false;
          break;
        }
      }
      if (same) return script;
      slot = (slot + 1) & this.#mask;
    }
    if (this.#scripts === this.#scriptCapacity) {
      this.#growScripts();
      return this.#script(hashXs, offset);
    }
    const script = this.#scripts++;
    this.#hashX.set(hashXs.subarray(offset, offset + HASHX_LENGTH), script * HASHX_LENGTH);
    this.#head[script] = EMPTY;
    this.#slots[slot] = script;
    return script;
  }

  #growScripts(): void {
    const capacity = this.#scriptCapacity * 2;
    this.#hashX = grown(this.#hashX, capacity * HASHX_LENGTH, bytes);
    this.#head = grown(this.#head, capacity, int32s);
    this.#tail = grown(this.#tail, capacity, int32s);
    this.#lastTxNum = grown(this.#lastTxNum, capacity, float64s);
    this.#scriptCapacity = capacity;
    this.#slots = new Int32Array(capacity * 2).fill(EMPTY);
    this.#mask = capacity * 2 - 1;
    for (let script = 0; script < this.#scripts; script++) {
      let slot = scriptHash(this.#hashX, script * HASHX_LENGTH) & this.#mask;
      while (this.#slots[slot] !== EMPTY) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = script;
    }
  }

  #growEntries(): void {
    const size = this.#entryTxNum.length * 2;
    this.#entryTxNum = grown(this.#entryTxNum, size, float64s);
    this.#entryNext = grown(this.#entryNext, size, int32s);
  }
}
