/**
 * The outputs created since the last flush, as an open-addressing hash table over typed arrays.
 * Most outputs are spent within a few blocks, so during initial sync most spends are found
 * here and the output never reaches the disk. Typed arrays instead of a Map of objects keep an
 * entry near 40 bytes (the CACHE_MB budget holds over twenty times more of them) and give the
 * garbage collector nothing to trace.
 *
 * Entries do not store their txid: every cached output belongs to a transaction of the pending
 * batch, so an entry keeps the transaction's index in the batch and the txid is read from the
 * batch's txid buffer when a lookup must compare it.
 */
import { HASHX_LENGTH } from "../chain/script.ts";

const EMPTY = -1;
const DELETED = -2;

/**
 * An entry's fields. The cache hands out one object it reuses (an allocation per spend costs
 * more than the lookup): read it before the next call.
 */
export interface CachedOutput {
  txIndex: number;
  vout: number;
  value: number;
  /** HASHX_LENGTH bytes at `hashXOffset` of `hashXs`. */
  hashXs: Uint8Array;
  hashXOffset: number;
}

/** Where the txids of the pending batch live: 32 bytes per tx, by index in the batch. */
export interface TxidSource {
  readonly bytes: Uint8Array;
}

function slotHash(txid: Uint8Array, offset: number, vout: number): number {
  // Txids are uniformly distributed: four of their bytes mix well with the output index.
  const word = txid[offset] | (txid[offset + 1] << 8) | (txid[offset + 2] << 16) |
    (txid[offset + 3] << 24);
  return (word ^ Math.imul(vout + 1, 0x9e3779b1)) >>> 0;
}

/** Bytes per entry: the fields below plus two hash slots of an entry number and a tag each. */
export const UTXO_CACHE_BYTES_PER_ENTRY = 4 + 4 + 8 + HASHX_LENGTH + 1 + 16;

export class UtxoCache {
  #capacity: number;
  #count = 0;
  #live = 0;
  #txIndex: Uint32Array;
  #vout: Uint32Array;
  #value: Float64Array;
  #hashX: Uint8Array;
  #alive: Uint8Array;
  /**
   * The hash table: per slot, the entry number (or EMPTY / DELETED) and the slot hash as a tag,
   * side by side, so a probe reads one cache line and only a matching tag reads the entry and
   * its txid (each a random access into arrays of hundreds of MB).
   */
  #slots: Int32Array;
  #mask: number;
  readonly #found: CachedOutput = {
    txIndex: 0,
    vout: 0,
    value: 0,
    hashXs: new Uint8Array(0),
    hashXOffset: 0,
  };

  constructor(readonly txids: TxidSource, initialCapacity = 1 << 16) {
    this.#capacity = initialCapacity;
    this.#txIndex = new Uint32Array(initialCapacity);
    this.#vout = new Uint32Array(initialCapacity);
    this.#value = new Float64Array(initialCapacity);
    this.#hashX = new Uint8Array(initialCapacity * HASHX_LENGTH);
    this.#alive = new Uint8Array(initialCapacity);
    this.#slots = new Int32Array(initialCapacity * 4).fill(EMPTY);
    this.#mask = initialCapacity * 2 - 1;
  }

  /** Outputs held. */
  get size(): number {
    return this.#live;
  }

  /** Memory held by the arrays, in bytes. */
  get bytes(): number {
    return this.#capacity * UTXO_CACHE_BYTES_PER_ENTRY;
  }

  /** Adds an output of the batch's tx `txIndex`; its txid must already be in the source. */
  add(txIndex: number, vout: number, hashXs: Uint8Array, hashXOffset: number, value: number) {
    if (this.#count === this.#capacity) this.#rebuild();
    const entry = this.#count++;
    this.#txIndex[entry] = txIndex;
    this.#vout[entry] = vout;
    this.#value[entry] = value;
    this.#hashX.set(hashXs.subarray(hashXOffset, hashXOffset + HASHX_LENGTH), entry * HASHX_LENGTH);
    this.#alive[entry] = 1;
    this.#live++;
    this.#insertSlot(entry, this.txids.bytes, txIndex * 32);
  }

  /**
   * Removes the output `(txid at txidOffset of txidBytes, vout)` and returns its fields, or
   * undefined when the cache does not have it.
   */
  take(txidBytes: Uint8Array, txidOffset: number, vout: number): CachedOutput | undefined {
    const slot = this.#find(txidBytes, txidOffset, vout);
    if (slot < 0) return undefined;
    const entry = this.#slots[2 * slot];
    this.#slots[2 * slot] = DELETED;
    this.#alive[entry] = 0;
    this.#live--;
    return this.#fields(entry);
  }

  /** The output `(txid at txidOffset of txidBytes, vout)` if held, left in the cache. */
  peek(txidBytes: Uint8Array, txidOffset: number, vout: number): CachedOutput | undefined {
    const slot = this.#find(txidBytes, txidOffset, vout);
    return slot < 0 ? undefined : this.#fields(this.#slots[2 * slot]);
  }

  /** Calls `visit` for every output held, in the order they were added. */
  forEach(visit: (output: CachedOutput) => void): void {
    for (let entry = 0; entry < this.#count; entry++) {
      if (this.#alive[entry]) visit(this.#fields(entry));
    }
  }

  #fields(entry: number): CachedOutput {
    const found = this.#found;
    found.txIndex = this.#txIndex[entry];
    found.vout = this.#vout[entry];
    found.value = this.#value[entry];
    found.hashXs = this.#hashX;
    found.hashXOffset = entry * HASHX_LENGTH;
    return found;
  }

  #find(txidBytes: Uint8Array, txidOffset: number, vout: number): number {
    const source = this.txids.bytes;
    const slots = this.#slots;
    const hash = slotHash(txidBytes, txidOffset, vout) | 0;
    let slot = hash & this.#mask;
    while (true) {
      const entry = slots[2 * slot];
      if (entry === EMPTY) return -1;
      if (entry >= 0 && slots[2 * slot + 1] === hash && this.#vout[entry] === vout) {
        const at = this.#txIndex[entry] * 32;
        let same = true;
        for (let i = 0; i < 32; i++) {
          if (source[at + i] !== txidBytes[txidOffset + i]) {
            same = false;
            break;
          }
        }
        if (same) return slot;
      }
      slot = (slot + 1) & this.#mask;
    }
  }

  #insertSlot(entry: number, txidBytes: Uint8Array, txidOffset: number): void {
    const slots = this.#slots;
    const hash = slotHash(txidBytes, txidOffset, this.#vout[entry]) | 0;
    let slot = hash & this.#mask;
    while (slots[2 * slot] >= 0) slot = (slot + 1) & this.#mask;
    slots[2 * slot] = entry;
    slots[2 * slot + 1] = hash;
  }

  /** Drops spent entries and, when still more than half full, doubles the capacity. */
  #rebuild(): void {
    const capacity = this.#live * 2 > this.#capacity ? this.#capacity * 2 : this.#capacity;
    const txIndex = new Uint32Array(capacity);
    const vout = new Uint32Array(capacity);
    const value = new Float64Array(capacity);
    const hashX = new Uint8Array(capacity * HASHX_LENGTH);
    let kept = 0;
    for (let entry = 0; entry < this.#count; entry++) {
      if (!this.#alive[entry]) continue;
      txIndex[kept] = this.#txIndex[entry];
      vout[kept] = this.#vout[entry];
      value[kept] = this.#value[entry];
      hashX.set(
        this.#hashX.subarray(entry * HASHX_LENGTH, (entry + 1) * HASHX_LENGTH),
        kept * HASHX_LENGTH,
      );
      kept++;
    }
    this.#capacity = capacity;
    this.#txIndex = txIndex;
    this.#vout = vout;
    this.#value = value;
    this.#hashX = hashX;
    this.#alive = new Uint8Array(capacity).fill(1, 0, kept);
    this.#count = kept;
    this.#slots = new Int32Array(capacity * 4).fill(EMPTY);
    this.#mask = capacity * 2 - 1;
    const source = this.txids.bytes;
    for (let entry = 0; entry < kept; entry++) {
      this.#insertSlot(entry, source, this.#txIndex[entry] * 32);
    }
  }
}
