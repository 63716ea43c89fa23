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

/** Bytes per entry, for the CACHE_MB budget: the hashX and the tx number. */
export const HISTORY_BYTES_PER_ENTRY = HASHX_LENGTH + 8;

/** Radix digits of the 32-bit hashX prefix: 11 + 11 + 10 bits keeps each histogram in cache. */
const DIGITS: readonly { shift: number; bits: number }[] = [
  { shift: 0, bits: 11 },
  { shift: 11, bits: 11 },
  { shift: 22, bits: 10 },
];

/** The first four bytes of the hashX at `offset`, big-endian: byte order is numeric order. */
function prefixOf(keys: Uint8Array, offset: number): number {
  return ((keys[offset] << 24) | (keys[offset + 1] << 16) | (keys[offset + 2] << 8) |
    keys[offset + 3]) >>> 0;
}

/** Compares the hashXs of entries `a` and `b`, then their positions (ties keep tx order). */
function compareEntries(keys: Uint8Array, a: number, b: number): number {
  const pa = a * HASHX_LENGTH;
  const pb = b * HASHX_LENGTH;
  for (let i = 0; i < HASHX_LENGTH; i++) {
    const d = keys[pa + i] - keys[pb + i];
    if (d !== 0) return d;
  }
  return a - b;
}

function sameHashX(keys: Uint8Array, a: number, b: number): boolean {
  const pa = a * HASHX_LENGTH;
  const pb = b * HASHX_LENGTH;
  for (let i = 0; i < HASHX_LENGTH; i++) if (keys[pa + i] !== keys[pb + i]) return false;
  return true;
}

/**
 * Entry positions ordered by hashX, stable (a script's entries stay in tx order): an LSD radix
 * sort on the 32-bit prefix, then a comparison sort of the runs whose prefixes tie but whose
 * hashXs differ (hashXs are uniform, so such runs are rare).
 */
function entriesInKeyOrder(
  keys: Uint8Array,
  count: number,
): { order: Uint32Array; prefixes: Uint32Array } {
  let prefixes = new Uint32Array(count);
  for (let i = 0; i < count; i++) prefixes[i] = prefixOf(keys, i * HASHX_LENGTH);
  let order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let nextPrefixes = new Uint32Array(count);
  let nextOrder = new Uint32Array(count);
  for (const { shift, bits } of DIGITS) {
    const mask = (1 << bits) - 1;
    const starts = new Uint32Array(mask + 2);
    for (let i = 0; i < count; i++) starts[((prefixes[i] >>> shift) & mask) + 1]++;
    for (let d = 1; d <= mask + 1; d++) starts[d] += starts[d - 1];
    for (let i = 0; i < count; i++) {
      const prefix = prefixes[i];
      const at = starts[(prefix >>> shift) & mask]++;
      nextPrefixes[at] = prefix;
      nextOrder[at] = order[i];
    }
    [prefixes, nextPrefixes] = [nextPrefixes, prefixes];
    [order, nextOrder] = [nextOrder, order];
  }
  for (let start = 0; start < count;) {
    let end = start + 1;
    let mixed = false;
    while (end < count && prefixes[end] === prefixes[start]) {
      mixed ||= !sameHashX(keys, order[start], order[end]);
      end++;
    }
    if (mixed) order.subarray(start, end).sort((a, b) => compareEntries(keys, a, b));
    start = end;
  }
  return { order, prefixes };
}

/** The log grouped by script: entries in key order and where each script's run starts. */
interface Grouped {
  /** Entry positions, by hashX then tx order. */
  order: Uint32Array;
  /** Index into `order` of each script's first entry, plus the end: scriptCount + 1 values. */
  starts: Uint32Array;
}

export class HistoryBatch {
  #entries = 0;
  #hashXs: Uint8Array;
  #txNums: Float64Array;
  #grouped: Grouped | undefined;

  constructor(initialEntries = 1 << 14) {
    this.#hashXs = new Uint8Array(initialEntries * HASHX_LENGTH);
    this.#txNums = new Float64Array(initialEntries);
  }

  /** Memory held by the log, in bytes. */
  get bytes(): number {
    return this.#txNums.length * HISTORY_BYTES_PER_ENTRY;
  }

  /**
   * Records that tx `txNum` touched the script whose hashX is at `offset` of `hashXs`. Calls
   * must come in ascending tx order; repeats for the same tx count once.
   */
  add(hashXs: Uint8Array, offset: number, txNum: number): void {
    if (this.#entries === this.#txNums.length) this.#grow();
    const entry = this.#entries++;
    const keys = this.#hashXs;
    const at = entry * HASHX_LENGTH;
    for (let i = 0; i < HASHX_LENGTH; i++) keys[at + i] = hashXs[offset + i];
    this.#txNums[entry] = txNum;
    this.#grouped = undefined;
  }

  /** Distinct scripts touched; script numbers 0 … scriptCount - 1 are in hashX order. */
  get scriptCount(): number {
    return this.#group().starts.length - 1;
  }

  /** The hashX of script number `script` (a view). */
  hashX(script: number): Uint8Array {
    const { order, starts } = this.#group();
    const at = order[starts[script]] * HASHX_LENGTH;
    return this.#hashXs.subarray(at, at + HASHX_LENGTH);
  }

  /** The tx numbers of script number `script`, ascending, each once. */
  txNums(script: number, out: number[] = []): number[] {
    const { order, starts } = this.#group();
    let last = -1;
    for (let i = starts[script]; i < starts[script + 1]; i++) {
      const txNum = this.#txNums[order[i]];
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
    if (this.#grouped) return this.#grouped;
    const keys = this.#hashXs;
    const count = this.#entries;
    const { order, prefixes } = entriesInKeyOrder(keys, count);
    const starts = new Uint32Array(count + 1);
    let scripts = 0;
    for (let i = 0; i < count; i++) {
      const next = i === 0 || prefixes[i] !== prefixes[i - 1] ||
        !sameHashX(keys, order[i - 1], order[i]);
      if (next) starts[scripts++] = i;
    }
    starts[scripts] = count;
    this.#grouped = { order, starts: starts.subarray(0, scripts + 1) };
    return this.#grouped;
  }

  #grow(): void {
    const size = this.#txNums.length * 2;
    const hashXs = new Uint8Array(size * HASHX_LENGTH);
    hashXs.set(this.#hashXs);
    this.#hashXs = hashXs;
    const txNums = new Float64Array(size);
    txNums.set(this.#txNums);
    this.#txNums = txNums;
  }
}
