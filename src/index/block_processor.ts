/**
 * Applies block digests to the index. Changes accumulate in memory — created outputs in the
 * UTXO cache (most are spent soon and never reach the disk), history entries per script,
 * txids, headers and undo records — and go to the store in one transaction per flush.
 */
import { bytesEqual, hashToHex, toHex } from "../chain/bytes.ts";
import { HASHX_LENGTH } from "../chain/script.ts";
import type { BlockDigest } from "./block_digest.ts";
import {
  type BlockUndoDraft,
  DeferredSpends,
  MissingUtxoError,
  resolveDeferredSpends,
} from "./deferred_spends.ts";
import {
  columnsToRows,
  concatColumns,
  emptyUtxoColumns,
  type FlushPayload,
  rowsToColumns,
  type UtxoColumns,
  UtxoColumnsBuilder,
} from "./flush_payload.ts";
import type { FlushWriter } from "./flush_writer.ts";
import { HistoryBatch } from "./history_batch.ts";
import type { BlockRow, IndexStore, UtxoEntry, UtxoRow } from "./store.ts";
import { txidPrefix } from "./store.ts";
import { UndoWriter } from "./undo.ts";
import { UtxoCache } from "./utxo_cache.ts";

/** A block does not extend the tip it is applied to. */
export class ChainLinkError extends Error {
  override name = "ChainLinkError";
}

/** Memory per output spent from disk and looked up at once (a row object and its key). */
const BYTES_PER_DISK_SPEND = 300;
/** Memory per cached output when the flush turns it into a row (object, view, sort arrays). */
const FLUSH_BYTES_PER_OUTPUT = 200;

/** The txids of the pending batch, 32 bytes per transaction, in a growable buffer. */
class PendingTxids {
  bytes = new Uint8Array(32 * 4096);
  count = 0;

  append(txids: Uint8Array): void {
    const needed = this.count * 32 + txids.length;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.count * 32));
      this.bytes = grown;
    }
    this.bytes.set(txids, this.count * 32);
    this.count += txids.length / 32;
  }

  /** The txid of the batch's tx `index` (a view). */
  at(index: number): Uint8Array {
    return this.bytes.subarray(index * 32, index * 32 + 32);
  }
}

/** Key of an outpoint spent from disk, to refuse spending it twice before the flush. */
function diskKey(txid: Uint8Array, vout: number): string {
  return toHex(txid) + vout;
}

/**
 * A batch handed to a flush writer and not committed yet: its outputs are looked up here
 * meanwhile (spending one is a spend from disk for the batch after it).
 */
interface InFlightBatch {
  utxos: UtxoCache;
  baseTxNum: number;
}

/** Batches blocks for the store. */
export class BlockProcessor {
  /** tx_num of the first transaction of the pending batch. */
  #baseTxNum: number;
  #inFlight: InFlightBatch | undefined;
  #txids = new PendingTxids();
  #utxos = new UtxoCache(this.#txids);
  #history = new HistoryBatch();
  #dbSpends: UtxoRow[] = [];
  #dbSpentKeys = new Set<string>();
  #deferredSpends = new DeferredSpends();
  /** Spends of outputs of the batch a flush writer is busy with, found there. */
  #inFlightSpends = new UtxoColumnsBuilder();
  #undoDrafts: BlockUndoDraft[] = [];
  #blocks: BlockRow[] = [];
  #height: number;
  #tip: Uint8Array | undefined;
  /**
   * Spends of outputs on disk are left to the flush writer to look up (deferred_spends.ts):
   * set while batches go to a writer ({@link flushTo}).
   */
  deferDiskSpends = false;

  constructor(readonly store: IndexStore, readonly options: { reorgLimit: number }) {
    this.#baseTxNum = store.txCount;
    this.#height = store.height;
    this.#tip = store.tipHash();
  }

  /** Height including blocks not yet flushed. */
  get height(): number {
    return this.#height;
  }

  /** Tx count including blocks not yet flushed. */
  get txCount(): number {
    return this.#baseTxNum + this.#txids.count;
  }

  /** Internal-order hash of the pending tip. */
  get tip(): Uint8Array | undefined {
    return this.#tip;
  }

  /** Blocks applied but not flushed. */
  get pendingBlocks(): number {
    return this.#blocks.length;
  }

  /** Estimated memory held by unflushed changes, in bytes. */
  get pendingBytes(): number {
    return this.#utxos.bytes + this.#utxos.size * FLUSH_BYTES_PER_OUTPUT +
      this.#history.bytes + this.#txids.bytes.length +
      this.#dbSpends.length * BYTES_PER_DISK_SPEND + this.#deferredSpends.bytes +
      this.#inFlightSpends.bytes;
  }

  /**
   * Applies one block on top of the pending tip. `daemonHeight` decides whether the block is
   * inside the reorg window and needs an undo record.
   */
  advance(block: BlockDigest, daemonHeight: number): void {
    // One read transaction for all the block's lookups of outputs on disk.
    this.store.reading(() => this.#advance(block, daemonHeight));
  }

  #advance(block: BlockDigest, daemonHeight: number): void {
    const height = this.#height + 1;
    if (block.height !== height) {
      throw new ChainLinkError(`block for height ${block.height} applied at height ${height}`);
    }
    const prevHash = block.header.subarray(4, 36);
    if (this.#tip ? !bytesEqual(prevHash, this.#tip) : height !== 0) {
      throw new ChainLinkError(
        `block ${hashToHex(block.hash)} does not extend the index tip at height ${this.#height}`,
      );
    }
    const undo = height >= daemonHeight - this.options.reorgLimit + 1
      ? new UndoWriter()
      : undefined;
    const firstIndex = this.#txids.count;
    const firstTxNum = this.#baseTxNum + firstIndex;
    this.#txids.append(block.txids);
    const history = this.#history;
    const { inputTx, inputPrevTxid, inputPrevVout } = block;
    const { outputTx, outputVout, outputHashX, outputValue } = block;
    let nIn = 0;
    let nOut = 0;
    for (let t = 0; t < block.txCount; t++) {
      const txNum = firstTxNum + t;
      // Inputs first: a transaction cannot spend its own outputs.
      for (; nIn < inputTx.length && inputTx[nIn] === t; nIn++) {
        const vout = inputPrevVout[nIn];
        const cached = this.#utxos.take(inputPrevTxid, nIn * 32, vout);
        if (cached) {
          history.add(cached.hashXs, cached.hashXOffset, txNum);
          const spentTxNum = this.#baseTxNum + cached.txIndex;
          if (spentTxNum < firstTxNum) {
            undo?.spend(cached.hashXs, cached.hashXOffset, spentTxNum, vout, cached.value);
          } else {
            undo?.paidTo(cached.hashXs, cached.hashXOffset);
          }
        } else if (this.deferDiskSpends) {
          this.#spendLater(inputPrevTxid, nIn * 32, vout, txNum, undo);
        } else {
          const row = this.#spendFromDisk(
            inputPrevTxid.subarray(nIn * 32, nIn * 32 + 32),
            vout,
            block,
          );
          history.add(row.hashX, 0, txNum);
          undo?.spend(row.hashX, 0, row.txNum, vout, row.value);
        }
      }
      for (; nOut < outputTx.length && outputTx[nOut] === t; nOut++) {
        const vout = outputVout[nOut];
        const at = nOut * HASHX_LENGTH;
        history.add(outputHashX, at, txNum);
        if (t === 0) this.#replaceDuplicateCoinbaseOutput(firstIndex, vout);
        this.#utxos.add(firstIndex + t, vout, outputHashX, at, outputValue[nOut]);
      }
    }
    if (undo?.waiting) this.#undoDrafts.push({ block: this.#blocks.length, draft: undo.draft() });
    this.#blocks.push({
      height,
      header: block.header,
      txEnd: this.txCount,
      undo: undo?.waiting ? undefined : undo?.finish(),
    });
    this.#height = height;
    this.#tip = block.hash;
  }

  /**
   * A spend of an output of an earlier batch, with a flush writer: found at once in the batch
   * the writer is still busy with, else left to the writer to look up (deferred_spends.ts).
   */
  #spendLater(
    txids: Uint8Array,
    txidOffset: number,
    vout: number,
    txNum: number,
    undo: UndoWriter | undefined,
  ): void {
    const inFlight = this.#inFlight;
    const output = inFlight?.utxos.peek(txids, txidOffset, vout);
    if (!output) {
      undo?.spendLater(this.#deferredSpends.count);
      this.#deferredSpends.add(txids, txidOffset, vout, this.#history.addBlank(txNum));
      return;
    }
    const { hashXs, hashXOffset, value } = output;
    const spentTxNum = inFlight!.baseTxNum + output.txIndex;
    this.#history.add(hashXs, hashXOffset, txNum);
    undo?.spend(hashXs, hashXOffset, spentTxNum, vout, value);
    const prefix = txidPrefix(txids.subarray(txidOffset, txidOffset + 32));
    this.#inFlightSpends.add(prefix, vout, spentTxNum, hashXs, hashXOffset, value);
  }

  /** Finds an output of an earlier flush on disk and schedules its deletion. */
  #spendFromDisk(txid: Uint8Array, vout: number, block: BlockDigest): UtxoRow {
    const key = diskKey(txid, vout);
    const onDisk = this.#dbSpentKeys.has(key) ? undefined : this.#findFlushed(txid, vout);
    if (!onDisk) {
      throw new MissingUtxoError(
        `block ${hashToHex(block.hash)} spends ${hashToHex(txid)}:${vout}, ` +
          "which the index does not have as unspent",
      );
    }
    const row = { ...onDisk, prefix: txidPrefix(txid) };
    this.#dbSpentKeys.add(key);
    this.#dbSpends.push(row);
    return row;
  }

  /**
   * BIP 30: two early mainnet coinbases repeat the txid of an earlier one. As in Bitcoin Core
   * the later outputs replace the earlier ones, which can then never be spent.
   */
  #replaceDuplicateCoinbaseOutput(coinbaseIndex: number, vout: number): void {
    const txid = this.#txids.at(coinbaseIndex);
    if (this.#utxos.take(txid, 0, vout)) return;
    const key = diskKey(txid, vout);
    if (this.#dbSpentKeys.has(key)) return;
    const onDisk = this.#findFlushed(txid, vout);
    if (onDisk) {
      this.#dbSpentKeys.add(key);
      this.#dbSpends.push({ ...onDisk, prefix: txidPrefix(txid) });
    }
  }

  /** An unspent output of an earlier batch: one being written, else in the store. */
  #findFlushed(txid: Uint8Array, vout: number): UtxoEntry | undefined {
    const inFlight = this.#inFlight;
    const cached = inFlight?.utxos.peek(txid, 0, vout);
    if (!cached) return this.store.findUtxo(txid, vout);
    return {
      hashX: cached.hashXs.slice(cached.hashXOffset, cached.hashXOffset + HASHX_LENGTH),
      txNum: inFlight!.baseTxNum + cached.txIndex,
      vout,
      value: cached.value,
    };
  }

  /**
   * Hands everything pending to `writer` (initial sync) and starts a new batch at once; until
   * the writer has committed it, the batch's outputs are looked up in memory. Resolves once
   * the writer has taken it (after the previous batch is through).
   */
  async flushTo(writer: FlushWriter): Promise<void> {
    if (this.#blocks.length === 0) return;
    const payload = this.#payload();
    const inFlight = { utxos: this.#utxos, baseTxNum: this.#baseTxNum };
    // Until the previous batch is committed, its outputs stay where lookups find them.
    await writer.write(payload, () => {
      if (this.#inFlight === inFlight) this.#inFlight = undefined;
    });
    this.#inFlight = inFlight;
    this.#clearPending(this.txCount);
  }

  /** The pending batch for a flush writer's thread. */
  #payload(): FlushPayload {
    const txids = this.#txids;
    return {
      blocks: this.#blocks,
      txids: txids.bytes.slice(0, txids.count * 32),
      history: this.#history.parts,
      utxoAdds: this.#cachedColumns(),
      utxoSpends: concatColumns(rowsToColumns(this.#dbSpends), this.#inFlightSpends.finish()),
      deferredSpends: this.#deferredSpends.columns(),
      undoDrafts: this.#undoDrafts,
      pruneUndoBelow: this.#height - this.options.reorgLimit + 1,
    };
  }

  /**
   * Writes everything pending to the store in one transaction. With `touched` (live blocks),
   * the hashX hex of every script the flushed blocks touched is added to it (for
   * notifications), and the store keeps the blocks' history in memory.
   */
  flush(touched?: Set<string>): void {
    if (this.#blocks.length === 0) return;
    this.#resolveDeferredSpends();
    // What a flush writer that is gone left: spends found in the batch it was writing.
    for (const row of columnsToRows(this.#inFlightSpends.finish())) this.#dbSpends.push(row);
    this.#inFlightSpends = new UtxoColumnsBuilder();
    const history = this.#history;
    let scriptHistories: Map<string, number[]> | undefined;
    if (touched) {
      scriptHistories = new Map();
      for (let script = 0; script < history.scriptCount; script++) {
        const key = toHex(history.hashX(script));
        touched.add(key);
        scriptHistories.set(key, history.txNums(script));
      }
    }
    this.store.commitForward({
      blocks: this.#blocks,
      txids: this.#txids.bytes.subarray(0, this.#txids.count * 32),
      history: (emit) => history.rows(emit),
      scriptHistories,
      utxoAdds: this.#cachedRows(),
      utxoSpends: this.#dbSpends,
      pruneUndoBelow: this.#height - this.options.reorgLimit + 1,
    });
    this.#clearPending();
  }

  /**
   * Looks up here the spends left to a flush writer that is gone (the sync stopped or failed
   * between two flushes), for a flush on this thread.
   */
  #resolveDeferredSpends(): void {
    if (this.#deferredSpends.count === 0) return;
    const spent = resolveDeferredSpends(
      this.#deferredSpends.columns(),
      this.#history.parts,
      this.#blocks,
      this.#undoDrafts,
      (txid, vout) => this.#findFlushed(txid, vout),
    );
    for (const row of columnsToRows(spent)) this.#dbSpends.push(row);
    this.#deferredSpends = new DeferredSpends();
    this.#undoDrafts = [];
  }

  /** The cache's outputs as columns for a flush writer. */
  #cachedColumns(): UtxoColumns {
    const columns = emptyUtxoColumns(this.#utxos.size);
    let row = 0;
    this.#utxos.forEach((output) => {
      columns.txNums[row] = this.#baseTxNum + output.txIndex;
      columns.vouts[row] = output.vout;
      columns.values[row] = output.value;
      columns.prefixes[row] = txidPrefix(this.#txids.at(output.txIndex));
      columns.hashXs.set(
        output.hashXs.subarray(output.hashXOffset, output.hashXOffset + HASHX_LENGTH),
        row * HASHX_LENGTH,
      );
      row++;
    });
    return columns;
  }

  /** The cache's outputs as rows for the store. */
  #cachedRows(): UtxoRow[] {
    const rows: UtxoRow[] = [];
    this.#utxos.forEach((output) => {
      rows.push({
        // A view of the cache's array, which the journal overlay keeps alive for live blocks.
        hashX: output.hashXs.subarray(output.hashXOffset, output.hashXOffset + HASHX_LENGTH),
        txNum: this.#baseTxNum + output.txIndex,
        vout: output.vout,
        value: output.value,
        prefix: txidPrefix(this.#txids.at(output.txIndex)),
      });
    });
    return rows;
  }

  /** Drops unflushed changes and returns to the store's tip (after a failed batch or reorg). */
  discardPending(): void {
    this.#inFlight = undefined;
    this.#clearPending();
    this.#height = this.store.height;
    this.#tip = this.store.tipHash();
  }

  #clearPending(baseTxNum = this.store.txCount): void {
    this.#baseTxNum = baseTxNum;
    this.#txids = new PendingTxids();
    this.#utxos = new UtxoCache(this.#txids);
    this.#history = new HistoryBatch();
    this.#dbSpends = [];
    this.#dbSpentKeys = new Set();
    this.#deferredSpends = new DeferredSpends();
    this.#inFlightSpends = new UtxoColumnsBuilder();
    this.#undoDrafts = [];
    this.#blocks = [];
  }
}
