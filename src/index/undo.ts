/**
 * Undo records: what unwinding one block needs, kept for the blocks of the reorg window so a
 * reorg never depends on the daemon still having the stale block.
 *
 * Layout: u32 count of spent outputs, then per spent output (in block order)
 * `prefix u64 ‖ vout u32 ‖ hashX 11 ‖ tx_num u64 ‖ value u64`; then u32 count of scripts the
 * block created outputs for, then each hashX (11 bytes).
 */
import { ByteReader, ByteWriter } from "../chain/bytes.ts";
import type { UtxoRow } from "./store.ts";

const HASHX_SIZE = 11;

/** The decoded record of one block. */
export interface UndoRecord {
  /** Outputs of earlier blocks that this block spent, to be restored. */
  spent: UtxoRow[];
  /** Scripts this block paid to, whose newer rows must be removed. */
  created: Uint8Array[];
}

/** Serialises an undo record. */
export function encodeUndo(record: UndoRecord): Uint8Array {
  const writer = new ByteWriter(8 + record.spent.length * 39 + record.created.length * 11);
  writer.u32(record.spent.length);
  for (const row of record.spent) {
    writer.u64(row.prefix).u32(row.vout).bytes(row.hashX).u64(row.txNum).u64(row.value);
  }
  writer.u32(record.created.length);
  for (const hashX of record.created) writer.bytes(hashX);
  return writer.finish();
}

/** Parses an undo record. */
export function decodeUndo(data: Uint8Array): UndoRecord {
  const reader = new ByteReader(data);
  const spent: UtxoRow[] = new Array(reader.u32());
  for (let i = 0; i < spent.length; i++) {
    const prefix = reader.u64();
    const vout = reader.u32();
    const hashX = reader.bytesView(HASHX_SIZE);
    spent[i] = { prefix, vout, hashX, txNum: reader.u64(), value: reader.u64() };
  }
  const created: Uint8Array[] = new Array(reader.u32());
  for (let i = 0; i < created.length; i++) created[i] = reader.bytesView(HASHX_SIZE);
  return { spent, created };
}
