/**
 * History runs' records, and the catch-up's merge of the runs into final history rows: each
 * script's rows from all runs joined into as few as the history table's format allows. The
 * merge runs on a thread of its own (history_merge_worker.ts) while the indexer inserts the
 * rows it hands over, so the two halves of the work take a core each.
 */
import type { DatabaseSync } from "node:sqlite";
import { HASHX_LENGTH } from "../chain/script.ts";
import { decodeHistoryRow, HistoryRowEncoder } from "./history_rows.ts";
import {
  type BlockIndex,
  compareBytesAt,
  getUint48,
  mergeCursors,
  putUint48,
  type RecordFormat,
  RunCursor,
} from "./packed_run.ts";

/**
 * History record: hashX, first tx number (6 bytes), length of the rest (2 bytes), the rest
 * (history_rows.ts). Key: hashX and tx number.
 */
export const HISTORY_FORMAT: RecordFormat = {
  keyBytes: HASHX_LENGTH + 6,
  length: (data, at) => HISTORY_MORE_AT + ((data[at + 17] << 8) | data[at + 18]),
};
/** Where a history record's `more` bytes start. */
export const HISTORY_MORE_AT = HASHX_LENGTH + 8;

/** Where records are written: a run's block writer, a channel to another thread. */
export interface RecordSink {
  buffer: Uint8Array;
  /** Room for a record of `length` bytes: its offset in `buffer` (read after the call). */
  reserve(length: number): number;
}

/** Writes one history record into `sink`. */
export function writeHistoryRecord(
  sink: RecordSink,
  hashX: Uint8Array,
  txNum: number,
  more: Uint8Array,
): void {
  const at = sink.reserve(HISTORY_MORE_AT + more.length);
  const buffer = sink.buffer;
  // Byte loops: TypedArray.set costs more than the copy for a few bytes.
  for (let i = 0; i < HASHX_LENGTH; i++) buffer[at + i] = hashX[i];
  putUint48(buffer, at + HASHX_LENGTH, txNum);
  buffer[at + 17] = more.length >>> 8;
  buffer[at + 18] = more.length & 0xff;
  for (let i = 0; i < more.length; i++) buffer[at + HISTORY_MORE_AT + i] = more[i];
}

/**
 * The final merge goes by ranges of scripts (by the first hashX byte), so that the blocks a
 * range used up can be deleted as it ends and the history table takes their pages instead of
 * growing the file by as much again.
 */
export const HISTORY_RANGES = 16;

/** The first hashX byte of a range (256 past the last). */
export function rangeStart(range: number): number {
  return range * (256 / HISTORY_RANGES);
}

/** A history run to merge: its table and block index. */
export interface HistoryRunSource {
  table: string;
  index: BlockIndex;
}

/**
 * The final rows of the scripts of range `range`, from all `runs` (in the order they were
 * written), in key order: a script's row is passed on as it is when it has one (most
 * scripts), its rows are joined when it has several.
 */
export function mergeHistoryRange(
  db: DatabaseSync,
  runs: readonly HistoryRunSource[],
  range: number,
  emit: (hashX: Uint8Array, txNum: number, more: Uint8Array) => void,
): void {
  const low = rangeStart(range);
  const high = rangeStart(range + 1);
  const encoder = new HistoryRowEncoder();
  let hashX: Uint8Array | undefined;
  let first: { txNum: number; more: Uint8Array } = { txNum: 0, more: new Uint8Array(0) };
  const txNums: number[] = [];
  const emitScript = () => {
    const key = hashX!;
    if (txNums.length === 0) emit(key, first.txNum, first.more);
    else encoder.encode(txNums, (txNum, more) => emit(key, txNum, more));
    txNums.length = 0;
    hashX = undefined;
  };
  const start = new Uint8Array([low]);
  const cursors = runs.map(({ table, index }) =>
    new RunCursor(db, table, HISTORY_FORMAT, index.startOf(start, 1))
  );
  mergeCursors(cursors, ({ data, at, length }) => {
    if (data[at] < low) return true;
    if (data[at] >= high) return false;
    const txNum = getUint48(data, at + HASHX_LENGTH);
    // Views: a cursor's blocks are fresh arrays, never overwritten.
    const more = data.subarray(at + HISTORY_MORE_AT, at + length);
    if (hashX && compareBytesAt(data, at, hashX, 0, HASHX_LENGTH) === 0) {
      if (txNums.length === 0) decodeHistoryRow(first.txNum, first.more, txNums);
      decodeHistoryRow(txNum, more, txNums);
      return true;
    }
    if (hashX) emitScript();
    hashX = data.subarray(at, at + HASHX_LENGTH);
    first = { txNum, more };
    return true;
  });
  if (hashX) emitScript();
}
