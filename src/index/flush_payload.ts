/**
 * A flush of the initial sync as plain arrays, to hand to the flush writer's thread
 * (flush_writer.ts): structured cloning copies typed arrays as whole buffers but an array of
 * millions of row objects one object at a time, so rows travel as columns.
 */
import { HASHX_LENGTH } from "../chain/script.ts";
import {
  type BlockUndoDraft,
  type DeferredSpendColumns,
  resolveDeferredSpends,
} from "./deferred_spends.ts";
import { HistoryBatch, type HistoryParts } from "./history_batch.ts";
import { radixOrder, sortKeyTies } from "./radix_order.ts";
import type { BlockRow, ForwardChanges, UtxoEntry, UtxoRow } from "./store.ts";

/** UTXO rows as columns. */
export interface UtxoColumns {
  txNums: Float64Array;
  vouts: Uint32Array;
  values: Float64Array;
  prefixes: Float64Array;
  /** HASHX_LENGTH bytes per row. */
  hashXs: Uint8Array;
}

/** Everything {@link IndexStore.commitForward} needs of an initial-sync flush. */
export interface FlushPayload {
  blocks: BlockRow[];
  txids: Uint8Array;
  history: HistoryParts;
  utxoAdds: UtxoColumns;
  /** Spends of outputs on disk the indexer looked up (blocks inside the reorg window). */
  utxoSpends: UtxoColumns;
  /** Spends of outputs on disk for the flush thread to look up (deferred_spends.ts). */
  deferredSpends: DeferredSpendColumns;
  /** Undo records of blocks that made deferred spends, finished once those are found. */
  undoDrafts: BlockUndoDraft[];
  pruneUndoBelow: number;
}

/** Columns for `count` rows, zeroed. */
export function emptyUtxoColumns(count: number): UtxoColumns {
  return {
    txNums: new Float64Array(count),
    vouts: new Uint32Array(count),
    values: new Float64Array(count),
    prefixes: new Float64Array(count),
    hashXs: new Uint8Array(count * HASHX_LENGTH),
  };
}

/** Rows as columns. */
export function rowsToColumns(rows: readonly UtxoRow[]): UtxoColumns {
  const columns = emptyUtxoColumns(rows.length);
  rows.forEach((row, i) => {
    columns.txNums[i] = row.txNum;
    columns.vouts[i] = row.vout;
    columns.values[i] = row.value;
    columns.prefixes[i] = row.prefix;
    columns.hashXs.set(row.hashX, i * HASHX_LENGTH);
  });
  return columns;
}

/** Columns as rows (hashXs copied out). */
export function columnsToRows(columns: UtxoColumns): UtxoRow[] {
  return Array.from({ length: columns.vouts.length }, (_, i) => ({
    prefix: columns.prefixes[i],
    vout: columns.vouts[i],
    txNum: columns.txNums[i],
    value: columns.values[i],
    hashX: columns.hashXs.slice(i * HASHX_LENGTH, (i + 1) * HASHX_LENGTH),
  }));
}

/** UTXO rows appended one at a time to growable columns: 39 bytes a row, no object each. */
export class UtxoColumnsBuilder {
  #columns = emptyUtxoColumns(1024);
  #count = 0;

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.#columns.vouts.length * (8 + 4 + 8 + 8 + HASHX_LENGTH);
  }

  add(
    prefix: number,
    vout: number,
    txNum: number,
    hashXs: Uint8Array,
    hashXOffset: number,
    value: number,
  ): void {
    if (this.#count === this.#columns.vouts.length) {
      const grown = emptyUtxoColumns(this.#count * 2);
      for (const name of Object.keys(grown) as (keyof UtxoColumns)[]) {
        grown[name].set(this.#columns[name] as never);
      }
      this.#columns = grown;
    }
    const row = this.#count++;
    const columns = this.#columns;
    columns.prefixes[row] = prefix;
    columns.vouts[row] = vout;
    columns.txNums[row] = txNum;
    columns.values[row] = value;
    for (let i = 0; i < HASHX_LENGTH; i++) {
      columns.hashXs[row * HASHX_LENGTH + i] = hashXs[hashXOffset + i];
    }
  }

  /** The rows added (copies). */
  finish(): UtxoColumns {
    const count = this.#count;
    const columns = this.#columns;
    return {
      txNums: columns.txNums.slice(0, count),
      vouts: columns.vouts.slice(0, count),
      values: columns.values.slice(0, count),
      prefixes: columns.prefixes.slice(0, count),
      hashXs: columns.hashXs.slice(0, count * HASHX_LENGTH),
    };
  }
}

/**
 * Row numbers of `columns` in the outpoint table's order (txid prefix, output index, tx
 * number): a radix sort on the prefix's top 32 bits, ties compared.
 */
export function outpointOrder(
  columns: Pick<UtxoColumns, "prefixes" | "vouts" | "txNums">,
): Uint32Array {
  const { prefixes, vouts, txNums } = columns;
  const keys = new Uint32Array(prefixes.length);
  for (let i = 0; i < keys.length; i++) keys[i] = Math.floor(prefixes[i] / 0x10000);
  const sorted = radixOrder(keys);
  sortKeyTies(
    sorted,
    (a, b) => prefixes[a] - prefixes[b] || vouts[a] - vouts[b] || txNums[a] - txNums[b],
  );
  return sorted.order;
}

/**
 * The buffers a payload hands over without copying: its own columns, and the history batch's
 * arrays, which the processor gives up with the batch.
 */
export function payloadBuffers(payload: FlushPayload): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (array: ArrayBufferView) => buffers.add(array.buffer as ArrayBuffer);
  for (const columns of [payload.utxoAdds, payload.utxoSpends]) {
    for (const array of Object.values(columns)) add(array);
  }
  for (const array of Object.values(payload.deferredSpends)) add(array);
  add(payload.history.hashXs);
  add(payload.history.txOffsets);
  return [...buffers];
}

/** The rows of `a` then those of `b`. */
export function concatColumns(a: UtxoColumns, b: UtxoColumns): UtxoColumns {
  if (b.vouts.length === 0) return a;
  if (a.vouts.length === 0) return b;
  const joined = emptyUtxoColumns(a.vouts.length + b.vouts.length);
  for (const name of Object.keys(joined) as (keyof UtxoColumns)[]) {
    joined[name].set(a[name] as never);
    joined[name].set(b[name] as never, a[name].length);
  }
  return joined;
}

/**
 * The payload as the store's flush (UTXO changes as columns only: it goes to runs), its
 * deferred spends looked up with `find`.
 */
export function payloadChanges(
  payload: FlushPayload,
  find: (txid: Uint8Array, vout: number, prefix: number) => UtxoEntry | undefined,
): ForwardChanges {
  const resolved = resolveDeferredSpends(
    payload.deferredSpends,
    payload.history,
    payload.blocks,
    payload.undoDrafts,
    find,
  );
  const history = HistoryBatch.fromParts(payload.history);
  return {
    blocks: payload.blocks,
    txids: payload.txids,
    history: (emit) => history.rows(emit),
    utxoAdds: [],
    utxoSpends: [],
    utxoColumns: { adds: payload.utxoAdds, spends: concatColumns(payload.utxoSpends, resolved) },
    pruneUndoBelow: payload.pruneUndoBelow,
  };
}
