/**
 * Sorted records packed into blocks, a block per SQLite row: the storage of the initial
 * sync's runs (sync_runs.ts). Writing a record as a row of its own cost about 2 µs (binding,
 * a B-tree descent by key, the row's header) and merging it again as much; a run here is a
 * table `(block INTEGER PRIMARY KEY, data BLOB)` whose blocks are appended in
 * order, so SQLite sees one row per BLOCK_BYTES and the records are copied, compared and
 * merged as bytes in memory.
 *
 * A record starts with its key, whose byte order is the run's order. The first key of every
 * block is kept in memory ({@link BlockIndex}; the owner stores it beside the run), so a point
 * lookup reads one block by its number.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** How records are laid out: the key's width, and each record's length. */
export interface RecordFormat {
  /** Bytes of key at the start of every record. */
  keyBytes: number;
  /** Bytes of the record starting at `at` of `data`. */
  length(data: Uint8Array, at: number): number;
}

interface ArrayRows {
  setReturnArrays(enabled: boolean): void;
}

/** Writes `value` into 4 bytes at `at`, big-endian (as records' fields are). */
export function putUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/** Reads 4 big-endian bytes at `at`. */
export function getUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>>
    0;
}

/** Writes `value` (below 2^48) into 6 bytes at `at`, big-endian. */
export function putUint48(bytes: Uint8Array, at: number, value: number): void {
  const high = Math.floor(value / 0x100000000);
  bytes[at] = high >>> 8;
  bytes[at + 1] = high & 0xff;
  putUint32(bytes, at + 2, value >>> 0);
}

/** Reads 6 big-endian bytes at `at`. */
export function getUint48(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 8) | bytes[at + 1]) * 0x100000000 + getUint32(bytes, at + 2);
}

/** Compares `bytes` bytes of `a` at `aAt` and `b` at `bAt`, unsigned. */
export function compareBytesAt(
  a: Uint8Array,
  aAt: number,
  b: Uint8Array,
  bAt: number,
  bytes: number,
): number {
  for (let i = 0; i < bytes; i++) {
    const diff = a[aAt + i] - b[bAt + i];
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Creates a run's table. */
export function createRunTable(db: DatabaseSync, table: string): void {
  db.exec(
    `CREATE TABLE ${table} (block INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT`,
  );
}

/** The first key of each block of a run, in memory: which block may hold a key. */
export class BlockIndex {
  /** The block {@link startOf} found last: lookups in key order mostly find it again. */
  #hint = 0;

  constructor(readonly keyBytes: number, readonly firsts: Uint8Array) {}

  get blocks(): number {
    return this.firsts.length / this.keyBytes;
  }

  /**
   * The block where records at or after `key` (its first `bytes` bytes, the rest of the key
   * taken as zeros) begin: the last block whose first key is below it, else the first block.
   */
  startOf(key: Uint8Array, bytes: number): number {
    const hinted = this.hinted(key, bytes);
    if (hinted >= 0) return hinted;
    const { firsts, keyBytes } = this;
    let low = 0;
    let high = this.blocks - 1;
    let found = 0;
    while (low <= high) {
      const middle = (low + high) >> 1;
      let order = compareBytesAt(firsts, middle * keyBytes, key, 0, bytes);
      // Equal on the given bytes: the block's first key is at or after the zero-filled key.
      if (order === 0) order = 1;
      if (order < 0) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    this.#hint = found;
    return found;
  }

  /**
   * {@link startOf} if it is the block found last (two comparisons, no search), else -1:
   * lookups in key order mostly stay in a block.
   */
  hinted(key: Uint8Array, bytes: number): number {
    const hint = this.#hint;
    const inside = this.#below(hint, key, bytes) &&
      (hint + 1 === this.blocks || !this.#below(hint + 1, key, bytes));
    return inside ? hint : -1;
  }

  /** True when block `block` exists and its first key is below `key`. */
  #below(block: number, key: Uint8Array, bytes: number): boolean {
    return block < this.blocks &&
      compareBytesAt(this.firsts, block * this.keyBytes, key, 0, bytes) < 0;
  }
}

/** Appends records, in key order, to a new run's table as blocks. */
export class BlockWriter {
  /** The block being filled; a record reserved with {@link reserve} is written into it. */
  buffer: Uint8Array;
  #used = 0;
  #block = 0;
  #records = 0;
  readonly #firsts: Uint8Array[] = [];
  readonly #insert: StatementSync;

  constructor(
    db: DatabaseSync,
    table: string,
    readonly format: RecordFormat,
    readonly blockBytes: number,
  ) {
    this.buffer = new Uint8Array(blockBytes * 2);
    this.#insert = db.prepare(`INSERT INTO ${table} (block, data) VALUES (?, ?)`);
  }

  /** Records written so far. */
  get records(): number {
    return this.#records;
  }

  /** Room for a record of `length` bytes: its offset in {@link buffer}, to write it there. */
  reserve(length: number): number {
    if (this.#used > 0 && this.#used + length > this.blockBytes) this.#emit();
    if (length > this.buffer.length) this.buffer = new Uint8Array(length);
    const at = this.#used;
    this.#used += length;
    this.#records++;
    return at;
  }

  /** Copies the record at `at` of `data`. */
  copy(data: Uint8Array, at: number, length: number): void {
    this.buffer.set(data.subarray(at, at + length), this.reserve(length));
  }

  /** Writes the last block; returns the run's block index. */
  finish(): BlockIndex {
    if (this.#used > 0) this.#emit();
    const keyBytes = this.format.keyBytes;
    const firsts = new Uint8Array(this.#firsts.length * keyBytes);
    this.#firsts.forEach((first, i) => firsts.set(first, i * keyBytes));
    return new BlockIndex(keyBytes, firsts);
  }

  #emit(): void {
    this.#firsts.push(this.buffer.slice(0, this.format.keyBytes));
    this.#insert.run(this.#block++, this.buffer.subarray(0, this.#used));
    this.#used = 0;
  }
}

/** Reads a run's records in order, from a block on. */
export class RunCursor {
  data: Uint8Array = new Uint8Array(0);
  /** Offset of the current record in {@link data}. */
  at = 0;
  /** Length of the current record. */
  length = 0;
  readonly #blocks: Iterator<[Uint8Array]>;

  constructor(db: DatabaseSync, table: string, readonly format: RecordFormat, fromBlock = 0) {
    const rows = db.prepare(`SELECT data FROM ${table} WHERE block >= ? ORDER BY block`);
    (rows as unknown as ArrayRows).setReturnArrays(true);
    this.#blocks = (rows.iterate(fromBlock) as Iterable<[Uint8Array]>)[Symbol.iterator]();
  }

  /** Moves to the next record; false at the end of the run. */
  next(): boolean {
    this.at += this.length;
    if (this.at >= this.data.length) {
      const block = this.#blocks.next();
      if (block.done) {
        this.length = 0;
        return false;
      }
      this.data = block.value[0];
      this.at = 0;
    }
    this.length = this.format.length(this.data, this.at);
    return true;
  }

  /** Stops reading early (the statement is reset). */
  close(): void {
    this.#blocks.return?.();
  }
}

/**
 * The records of `cursors` (started, not yet moved) in key order, each visited once by
 * `visit(cursor)` until it returns false (the cursors are then closed); a binary heap of the
 * cursors by current key.
 */
export function mergeCursors(
  cursors: RunCursor[],
  visit: (cursor: RunCursor) => boolean | void,
): void {
  const keyBytes = cursors[0]?.format.keyBytes ?? 0;
  const heap = cursors.filter((cursor) => cursor.next());
  const below = (a: RunCursor, b: RunCursor) =>
    compareBytesAt(a.data, a.at, b.data, b.at, keyBytes) < 0;
  const siftDown = (from: number) => {
    let i = from;
    while (true) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && below(heap[left], heap[least])) least = left;
      if (right < heap.length && below(heap[right], heap[least])) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least], heap[i]];
      i = least;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  while (heap.length > 0) {
    const top = heap[0];
    if (visit(top) === false) {
      for (const cursor of heap) cursor.close();
      return;
    }
    if (!top.next()) {
      heap[0] = heap[heap.length - 1];
      heap.pop();
    }
    siftDown(0);
  }
}
