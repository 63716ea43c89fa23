/**
 * Undo records: what unwinding one block needs, kept for the blocks of the reorg window so a
 * reorg never depends on the daemon still having the stale block.
 *
 * Layout: LEB128 count of spent outputs, then per spent output (in block order)
 * `hashX(11) ‖ tx_num ‖ vout ‖ value` (the last three LEB128); then LEB128 count of scripts
 * paid to, then their hashXs (11 bytes each). Records now list only the scripts of outputs the
 * block itself spent (earlier ones listed every output's): the unwinder finds where the others
 * went in the outpoint table or in a later block's spends (reorg.ts), which saves 11 bytes per
 * output (the 1M-tx benchmark index: 160 → 145 MB).
 */
import { ByteReader, ByteWriter } from "../chain/bytes.ts";
import { HASHX_LENGTH } from "../chain/script.ts";
import type { UtxoEntry } from "./store.ts";

/** The decoded record of one block. */
export interface UndoRecord {
  /** Outputs of earlier blocks that this block spent, to be restored. */
  spent: UtxoEntry[];
  /** Scripts this block paid to: all of them in records of earlier versions, now only those
   * of outputs it spent itself. */
  created: Uint8Array[];
}

/**
 * A record whose block spent outputs not looked up yet (deferred_spends.ts): the spends known
 * so far encoded, and the numbers of the deferred ones. The order of spent outputs in a record
 * does not matter to the unwinder, so the deferred ones go last.
 */
export interface UndoDraft {
  spent: Uint8Array;
  spentCount: number;
  created: Uint8Array;
  /** Numbers of the batch's deferred spends this block made. */
  deferred: Uint32Array;
}

/** Builds the record of one block as it is applied. */
export class UndoWriter {
  #spent = new ByteWriter(1024);
  #spentCount = 0;
  #created = new ByteWriter(64);
  #deferred: number[] = [];

  /** Records a spent output; `hashXs` holds its hashX at `offset`. */
  spend(hashXs: Uint8Array, offset: number, txNum: number, vout: number, value: number): void {
    this.#spent.bytes(hashXs.subarray(offset, offset + HASHX_LENGTH));
    this.#spent.varUint(txNum).varUint(vout).varUint(value);
    this.#spentCount++;
  }

  /** Records a spent output to be looked up later: the batch's deferred spend `spend`. */
  spendLater(spend: number): void {
    this.#deferred.push(spend);
  }

  /** True when the record waits for deferred spends ({@link draft}). */
  get waiting(): boolean {
    return this.#deferred.length > 0;
  }

  /** The record so far, to be finished once the deferred spends are looked up. */
  draft(): UndoDraft {
    return {
      spent: this.#spent.finish(),
      spentCount: this.#spentCount,
      created: this.#created.finish(),
      deferred: Uint32Array.from(this.#deferred),
    };
  }

  /** Records the script of an output the block created and spent: no table will show it. */
  paidTo(hashXs: Uint8Array, offset: number): void {
    this.#created.bytes(hashXs.subarray(offset, offset + HASHX_LENGTH));
  }

  /** The record (none of its spends deferred). */
  finish(): Uint8Array {
    return finishUndo(this.draft(), () => {
      throw new Error("an undo record waits for deferred spends");
    });
  }
}

/** The record of `draft`, its deferred spends found by `spent(number)`. */
export function finishUndo(draft: UndoDraft, spent: (spend: number) => UtxoEntry): Uint8Array {
  const rest = new ByteWriter(64 + draft.deferred.length * 32);
  for (const spend of draft.deferred) {
    const row = spent(spend);
    rest.bytes(row.hashX).varUint(row.txNum).varUint(row.vout).varUint(row.value);
  }
  const more = rest.finish();
  const writer = new ByteWriter(draft.spent.length + more.length + draft.created.length + 16);
  writer.varUint(draft.spentCount + draft.deferred.length).bytes(draft.spent).bytes(more);
  return writer.varUint(draft.created.length / HASHX_LENGTH).bytes(draft.created).finish();
}

/** Serialises a whole record (for tests and tools; the indexer uses UndoWriter). */
export function encodeUndo(record: UndoRecord): Uint8Array {
  const writer = new UndoWriter();
  for (const row of record.spent) writer.spend(row.hashX, 0, row.txNum, row.vout, row.value);
  for (const hashX of record.created) writer.paidTo(hashX, 0);
  return writer.finish();
}

/** Parses an undo record. */
export function decodeUndo(data: Uint8Array): UndoRecord {
  const reader = new ByteReader(data);
  const spent: UtxoEntry[] = new Array(reader.varUint());
  for (let i = 0; i < spent.length; i++) {
    const hashX = reader.bytesView(HASHX_LENGTH);
    spent[i] = { hashX, txNum: reader.varUint(), vout: reader.varUint(), value: reader.varUint() };
  }
  const created: Uint8Array[] = new Array(reader.varUint());
  for (let i = 0; i < created.length; i++) created[i] = reader.bytesView(HASHX_LENGTH);
  return { spent, created };
}
