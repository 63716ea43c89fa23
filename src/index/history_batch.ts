/**
 * History entries gathered since the last flush: (script hashX, tx number) pairs appended to a
 * flat log as blocks are applied, grouped per script once, when the batch is read. A flush
 * writes one row per script, so a script touched many times in a batch costs one row.
 *
 * Why a log and not a hash table of scripts: a table costs a random memory access per entry
 * while applying (about 5 s of the main thread per million transactions, measured) and
 * another per entry when its linked lists are walked at the flush (2 s). Appending is
 * sequential; one radix sort of the entries by hashX prefix at the end costs a fraction.
 */
import { HASHX_LENGTH } from "../chain/script.ts";
import { HistoryRowEncoder } from "./history_rows.ts";
import { radixOrder } from "./radix_order.ts";

/** Bytes per entry held: the hashX and the tx number (as an offset from the batch's first). */
const BYTES_PER_ENTRY = HASHX_LENGTH + 4;
/** Bytes per entry that grouping needs at the flush, on top (the arrays of groupEntries). */
const GROUPING_BYTES_PER_ENTRY = 40;

/** Four bytes at `offset`, big-endian: their byte order is their numeric order. */
function wordAt(keys: Uint8Array, offset: number): number {
  return ((keys[offset] << 24) | (keys[offset + 1] << 16) | (keys[offset + 2] << 8) |
    keys[offset + 3]) >>> 0;
}

/**
 * The log grouped by script, in the history table's key order. Everything a flush reads is
 * laid out in that order, so reading it is sequential.
 */
interface Grouped {
  /** Per script: the log position of one of its entries, whose hashX is the script's. */
  entry: Uint32Array;
  /** Per script: where its tx numbers start in `txOffsets`; one more value marks the end. */
  starts: Uint32Array;
  /** Tx numbers less the batch's first, by script (hashX order), then ascending. */
  txOffsets: Uint32Array;
}

/**
 * Groups `count` log entries by hashX: a radix sort of their positions on the hashX's first
 * four bytes (stable, so each script's entries keep their tx order), one pass gathering the
 * other seven bytes and the tx numbers into that order (the only random reads), then a
 * comparison sort of the rare runs whose first four bytes tie between different scripts.
 */
function groupEntries(keys: Uint8Array, logTxOffsets: Uint32Array, count: number): Grouped {
  const firstBytes = new Uint32Array(count);
  for (let i = 0; i < count; i++) firstBytes[i] = wordAt(keys, i * HASHX_LENGTH);
  const { order, keys: prefix } = radixOrder(firstBytes);
  const middle = new Uint32Array(count);
  const last = new Uint32Array(count);
  const txOffsets = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const at = order[i] * HASHX_LENGTH;
    middle[i] = wordAt(keys, at + 4);
    last[i] = (keys[at + 8] << 16) | (keys[at + 9] << 8) | keys[at + 10];
    txOffsets[i] = logTxOffsets[order[i]];
  }
  const differs = (i: number, j: number) => middle[i] !== middle[j] || last[i] !== last[j];
  for (let start = 0; start < count;) {
    let end = start + 1;
    let mixed = false;
    for (; end < count && prefix[end] === prefix[start]; end++) mixed ||= differs(start, end);
    if (mixed) {
      const run = Array.from({ length: end - start }, (_, k) => start + k);
      run.sort((a, b) => middle[a] - middle[b] || last[a] - last[b] || a - b);
      for (const array of [order, middle, last, txOffsets]) {
        const values = run.map((i) => array[i]);
        array.set(values, start);
      }
    }
    start = end;
  }
  const entry = new Uint32Array(count);
  const starts = new Uint32Array(count + 1);
  let scripts = 0;
  for (let i = 0; i < count; i++) {
    if (i === 0 || prefix[i] !== prefix[i - 1] || differs(i, i - 1)) {
      entry[scripts] = order[i];
      starts[scripts++] = i;
    }
  }
  starts[scripts] = count;
  return {
    entry: entry.subarray(0, scripts),
    starts: starts.subarray(0, scripts + 1),
    txOffsets,
  };
}

/** A batch's entries as plain arrays, for another thread (flush_payload.ts). */
export interface HistoryParts {
  /** HASHX_LENGTH bytes per entry. */
  hashXs: Uint8Array;
  /** Tx number of each entry, as an offset from `base`. */
  txOffsets: Uint32Array;
  base: number;
}

export class HistoryBatch {
  #entries = 0;
  #hashXs: Uint8Array;
  /** The first entry's tx number; entries keep theirs as offsets from it. */
  #base = 0;
  #txOffsets: Uint32Array;
  #grouped: Grouped | undefined;

  constructor(initialEntries = 1 << 14) {
    this.#hashXs = new Uint8Array(initialEntries * HASHX_LENGTH);
    this.#txOffsets = new Uint32Array(initialEntries);
  }

  /** The entries (views of the batch's arrays). */
  get parts(): HistoryParts {
    return {
      hashXs: this.#hashXs.subarray(0, this.#entries * HASHX_LENGTH),
      txOffsets: this.#txOffsets.subarray(0, this.#entries),
      base: this.#base,
    };
  }

  /** A batch of the entries `parts` holds (taken over, not copied). */
  static fromParts(parts: HistoryParts): HistoryBatch {
    const batch = new HistoryBatch(0);
    batch.#hashXs = parts.hashXs;
    batch.#txOffsets = parts.txOffsets;
    batch.#entries = parts.txOffsets.length;
    batch.#base = parts.base;
    return batch;
  }

  /** Memory the batch holds, and will need to be flushed, in bytes. */
  get bytes(): number {
    return this.#txOffsets.length * BYTES_PER_ENTRY + this.#entries * GROUPING_BYTES_PER_ENTRY;
  }

  /**
   * Records that tx `txNum` touched the script whose hashX is at `offset` of `hashXs`. Calls
   * must come in ascending tx order; repeats for the same tx count once.
   */
  add(hashXs: Uint8Array, offset: number, txNum: number): void {
    const at = this.addBlank(txNum) * HASHX_LENGTH;
    const keys = this.#hashXs;
    for (let i = 0; i < HASHX_LENGTH; i++) keys[at + i] = hashXs[offset + i];
  }

  /**
   * Records that tx `txNum` touched a script not known yet, in tx order as {@link add}; the
   * script's hashX goes into the returned entry of {@link parts} before the batch is read.
   */
  addBlank(txNum: number): number {
    if (this.#entries === this.#txOffsets.length) this.#grow();
    if (this.#entries === 0) this.#base = txNum;
    const entry = this.#entries++;
    this.#txOffsets[entry] = txNum - this.#base;
    this.#grouped = undefined;
    return entry;
  }

  /** Distinct scripts touched; script numbers 0 … scriptCount - 1 are in hashX order. */
  get scriptCount(): number {
    return this.#group().entry.length;
  }

  /** The hashX of script number `script` (a view). */
  hashX(script: number): Uint8Array {
    const at = this.#group().entry[script] * HASHX_LENGTH;
    return this.#hashXs.subarray(at, at + HASHX_LENGTH);
  }

  /** The tx numbers of script number `script`, ascending, each once. */
  txNums(script: number, out: number[] = []): number[] {
    const { starts, txOffsets } = this.#group();
    let last = -1;
    for (let i = starts[script]; i < starts[script + 1]; i++) {
      const txNum = this.#base + txOffsets[i];
      if (txNum !== last) out.push(txNum);
      last = txNum;
    }
    return out;
  }

  /**
   * The batch as history rows in the table's key order (hashX, then tx number): calls `emit`
   * for each row; `hashX` and `more` are views, valid while the batch is.
   */
  rows(emit: (hashX: Uint8Array, txNum: number, more: Uint8Array) => void): void {
    const encoder = new HistoryRowEncoder();
    const txNums: number[] = [];
    const scripts = this.scriptCount;
    for (let script = 0; script < scripts; script++) {
      txNums.length = 0;
      this.txNums(script, txNums);
      const hashX = this.hashX(script);
      encoder.encode(txNums, (txNum, more) => emit(hashX, txNum, more));
    }
  }

  #group(): Grouped {
    this.#grouped ??= groupEntries(this.#hashXs, this.#txOffsets, this.#entries);
    return this.#grouped;
  }

  #grow(): void {
    const size = this.#txOffsets.length * 2;
    const hashXs = new Uint8Array(size * HASHX_LENGTH);
    hashXs.set(this.#hashXs);
    this.#hashXs = hashXs;
    const txOffsets = new Uint32Array(size);
    txOffsets.set(this.#txOffsets);
    this.#txOffsets = txOffsets;
  }
}
