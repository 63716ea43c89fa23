/**
 * The history table's row format. A row holds ascending tx numbers of one script: the first
 * in the key column `tx_num`, the rest in `more` as LEB128 deltas from the previous one.
 * Rows are capped so each fits in its B-tree page without overflow pages.
 */
import { ByteReader } from "../chain/bytes.ts";

/** Most tx numbers in one row: keeps a row well under SQLite's ~1,000-byte local payload. */
export const MAX_ROW_ENTRIES = 256;

/** One row: the first tx number and the encoded rest. */
export interface HistoryRow {
  txNum: number;
  more: Uint8Array;
}

const NO_MORE = new Uint8Array(0);
/** Bytes of a LEB128 delta at most: tx numbers stay below 2^53. */
const MAX_DELTA_BYTES = 8;

/**
 * Encodes rows into large shared buffers; each row's `more` is a view into one of them, so a
 * flush of millions of rows makes a few allocations, not millions.
 */
export class HistoryRowEncoder {
  #buffer = new Uint8Array(1 << 20);
  #used = 0;

  /** Splits ascending tx numbers into rows, calling `emit` for each. */
  encode(txNums: readonly number[], emit: (txNum: number, more: Uint8Array) => void): void {
    for (let start = 0; start < txNums.length; start += MAX_ROW_ENTRIES) {
      const end = Math.min(txNums.length, start + MAX_ROW_ENTRIES);
      if (end - start === 1) {
        emit(txNums[start], NO_MORE);
        continue;
      }
      const room = (end - start - 1) * MAX_DELTA_BYTES;
      if (this.#used + room > this.#buffer.length) {
        this.#buffer = new Uint8Array(Math.max(1 << 20, room));
        this.#used = 0;
      }
      const buffer = this.#buffer;
      const first = this.#used;
      let at = first;
      for (let i = start + 1; i < end; i++) {
        let delta = txNums[i] - txNums[i - 1];
        while (delta >= 0x80) {
          buffer[at++] = (delta % 0x80) | 0x80;
          delta = Math.floor(delta / 0x80);
        }
        buffer[at++] = delta;
      }
      this.#used = at;
      emit(txNums[start], buffer.subarray(first, at));
    }
  }
}

/** Splits ascending tx numbers into rows. */
export function encodeHistoryRows(txNums: readonly number[]): HistoryRow[] {
  const rows: HistoryRow[] = [];
  new HistoryRowEncoder().encode(txNums, (txNum, more) => rows.push({ txNum, more }));
  return rows;
}

/** Appends the tx numbers of a row to `out`, stopping once `out` holds `limit`. */
export function decodeHistoryRow(
  txNum: number,
  more: Uint8Array,
  out: number[],
  limit = Number.MAX_SAFE_INTEGER,
): void {
  if (out.length >= limit) return;
  out.push(txNum);
  const reader = new ByteReader(more);
  while (reader.remaining > 0 && out.length < limit) {
    txNum += reader.varUint();
    out.push(txNum);
  }
}
