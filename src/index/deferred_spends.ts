/**
 * Spends of outputs on disk, resolved by the flush thread instead of the indexer. During the
 * initial sync most inputs that miss the UTXO cache spend old outputs; looking each one up as
 * it is applied cost the indexer a B-tree descent per input, on the thread that also parses
 * the next blocks. Instead the indexer writes down the outpoint and leaves a blank in the
 * batch's history log where the spent output's script goes; the flush thread, once the batch
 * before is committed (so every earlier output is in a run), looks the outpoints up in key
 * order, fills the blanks and turns the spends into tombstones.
 *
 * Blocks inside the reorg window defer theirs too: their undo records wait as drafts
 * (undo.ts) and are finished here with the outputs found.
 */
import { bytesEqual, hashToHex } from "../chain/bytes.ts";
import { sha256d } from "../chain/hash.ts";
import { HASHX_LENGTH } from "../chain/script.ts";
import { emptyUtxoColumns, outpointOrder, type UtxoColumns } from "./flush_payload.ts";
import type { HistoryParts } from "./history_batch.ts";
import type { BlockRow, UtxoEntry } from "./store.ts";
import { txidPrefix } from "./store.ts";
import { finishUndo, type UndoDraft } from "./undo.ts";

/** The undo record of the batch's block number `block`, waiting for deferred spends. */
export interface BlockUndoDraft {
  block: number;
  draft: UndoDraft;
}

/** The chain spends an output the index does not have: a bug or a corrupt index. */
export class MissingUtxoError extends Error {
  override name = "MissingUtxoError";
}

/** The spends as columns, for the flush thread. */
export interface DeferredSpendColumns {
  /** 32 bytes per spend: the spent output's txid, internal order. */
  txids: Uint8Array;
  vouts: Uint32Array;
  /** Per spend: its blank in the batch's history log. */
  entries: Uint32Array;
}

/** Bytes held per spend. */
const BYTES_PER_SPEND = 32 + 4 + 4;

/** The batch's spends of outputs on disk, in growable columns. */
export class DeferredSpends {
  #txids = new Uint8Array(32 * 1024);
  #vouts = new Uint32Array(1024);
  #entries = new Uint32Array(1024);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.#vouts.length * BYTES_PER_SPEND;
  }

  /** Notes the spend of `(txid at txidOffset of txids, vout)`, whose blank is `entry`. */
  add(txids: Uint8Array, txidOffset: number, vout: number, entry: number): void {
    if (this.#count === this.#vouts.length) this.#grow();
    this.#txids.set(txids.subarray(txidOffset, txidOffset + 32), this.#count * 32);
    this.#vouts[this.#count] = vout;
    this.#entries[this.#count] = entry;
    this.#count++;
  }

  /** The spends as columns (copies: the batch is handed over). */
  columns(): DeferredSpendColumns {
    return {
      txids: this.#txids.slice(0, this.#count * 32),
      vouts: this.#vouts.slice(0, this.#count),
      entries: this.#entries.slice(0, this.#count),
    };
  }

  #grow(): void {
    const size = this.#vouts.length * 2;
    const txids = new Uint8Array(size * 32);
    txids.set(this.#txids);
    this.#txids = txids;
    const vouts = new Uint32Array(size);
    vouts.set(this.#vouts);
    this.#vouts = vouts;
    const entries = new Uint32Array(size);
    entries.set(this.#entries);
    this.#entries = entries;
  }
}

/**
 * Looks the spent outputs up with `find` in outpoint order (neighbouring lookups share
 * pages), writes each one's script into its blank of `history`, finishes the undo records of
 * `drafts` into their `blocks`, and returns the tombstones of the spent outputs. Throws
 * {@link MissingUtxoError} for an output the index does not have, or one spent twice.
 */
export function resolveDeferredSpends(
  spends: DeferredSpendColumns,
  history: HistoryParts,
  blocks: BlockRow[],
  drafts: readonly BlockUndoDraft[],
  find: (txid: Uint8Array, vout: number, prefix: number) => UtxoEntry | undefined,
): UtxoColumns {
  const count = spends.vouts.length;
  const keys = {
    prefixes: new Float64Array(count),
    vouts: spends.vouts,
    txNums: new Float64Array(count),
  };
  const txid = (i: number) => spends.txids.subarray(i * 32, i * 32 + 32);
  for (let i = 0; i < count; i++) keys.prefixes[i] = txidPrefix(txid(i));
  const order = outpointOrder(keys);
  const tombstones = emptyUtxoColumns(count);
  for (let n = 0; n < count; n++) {
    const i = order[n];
    const previous = order[n - 1];
    const repeated = n > 0 && keys.prefixes[previous] === keys.prefixes[i] &&
      spends.vouts[previous] === spends.vouts[i] && bytesEqual(txid(previous), txid(i));
    const output = repeated ? undefined : find(txid(i), spends.vouts[i], keys.prefixes[i]);
    if (!output) {
      const spender = history.base + history.txOffsets[spends.entries[i]];
      const block = blocks.find(({ txEnd }) => txEnd > spender)!;
      throw new MissingUtxoError(
        `block ${hashToHex(sha256d(block.header))} spends ${hashToHex(txid(i))}:` +
          `${spends.vouts[i]}, which the index does not have as unspent`,
      );
    }
    history.hashXs.set(output.hashX, spends.entries[i] * HASHX_LENGTH);
    tombstones.prefixes[n] = keys.prefixes[i];
    tombstones.vouts[n] = output.vout;
    tombstones.txNums[n] = output.txNum;
    tombstones.values[n] = output.value;
    tombstones.hashXs.set(output.hashX, n * HASHX_LENGTH);
  }
  if (drafts.length > 0) {
    const rowOf = new Uint32Array(count);
    for (let n = 0; n < count; n++) rowOf[order[n]] = n;
    const spent = (spend: number): UtxoEntry => {
      const n = rowOf[spend];
      return {
        hashX: tombstones.hashXs.subarray(n * HASHX_LENGTH, (n + 1) * HASHX_LENGTH),
        txNum: tombstones.txNums[n],
        vout: tombstones.vouts[n],
        value: tombstones.values[n],
      };
    };
    for (const { block, draft } of drafts) blocks[block].undo = finishUndo(draft, spent);
  }
  return tombstones;
}
