/**
 * Applies blocks to the index. Changes accumulate in memory — created outputs in a UTXO cache
 * (most are spent soon and never reach the disk), history entries per script, txids, headers
 * and undo records — and go to the store in one transaction per flush.
 */
import type { Block } from "../chain/block.ts";
import { bytesEqual, hashToHex, toHex } from "../chain/bytes.ts";
import { hashX as scriptHashX, isUnspendable } from "../chain/script.ts";
import { isCoinbaseInput } from "../chain/transaction.ts";
import type { BlockRow, IndexStore, UtxoRow } from "./store.ts";
import { txidPrefix } from "./store.ts";
import { encodeUndo } from "./undo.ts";

/** A block does not extend the tip it is applied to. */
export class ChainLinkError extends Error {
  override name = "ChainLinkError";
}

/** The chain spends an output the index does not have: a bug or a corrupt index. */
export class MissingUtxoError extends Error {
  override name = "MissingUtxoError";
}

/**
 * Bytes of memory per pending item, for the CACHE_MB budget. Measured on a 1M-transaction
 * mainnet-shaped sync (scripts/bench_sync.ts): the heap held about 4 times what smaller,
 * per-field estimates gave, once object headers, Map entries, hex keys and typed-array
 * buffers are counted.
 */
const BYTES_PER_UTXO = 880;
const BYTES_PER_HISTORY_ENTRY = 160;
const BYTES_PER_TX = 480;
const BYTES_PER_SPEND = 480;

/** Key of an outpoint in the UTXO cache: the txid's hex is fixed-width, so no separator. */
function outpointKey(txidHex: string, vout: number): string {
  return txidHex + vout;
}

/** Batches blocks for the store. */
export class BlockProcessor {
  #utxoCache = new Map<string, UtxoRow>();
  #dbSpends: UtxoRow[] = [];
  #dbSpentKeys = new Set<string>();
  #history = new Map<string, number[]>();
  #historyEntries = 0;
  #blocks: BlockRow[] = [];
  #txids: Uint8Array[] = [];
  #height: number;
  #txCount: number;
  #tip: Uint8Array | undefined;
  /** Scripts touched since the last call of takeTouched(), as hashX hex. */
  #touched = new Set<string>();

  constructor(readonly store: IndexStore, readonly options: { reorgLimit: number }) {
    this.#height = store.height;
    this.#txCount = store.txCount;
    this.#tip = store.tipHash();
  }

  /** Height including blocks not yet flushed. */
  get height(): number {
    return this.#height;
  }

  /** Tx count including blocks not yet flushed. */
  get txCount(): number {
    return this.#txCount;
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
    return this.#utxoCache.size * BYTES_PER_UTXO +
      this.#historyEntries * BYTES_PER_HISTORY_ENTRY +
      this.#txids.length * BYTES_PER_TX + this.#dbSpends.length * BYTES_PER_SPEND;
  }

  /** Scripts (hashX hex) touched since the last call; resets the set. */
  takeTouched(): Set<string> {
    const touched = this.#touched;
    this.#touched = new Set();
    return touched;
  }

  /**
   * Applies one block on top of the pending tip. `daemonHeight` decides whether the block is
   * inside the reorg window and needs an undo record.
   */
  advance(block: Block, daemonHeight: number): void {
    const height = this.#height + 1;
    const header = block.header;
    if (this.#tip ? !bytesEqual(header.prevHash, this.#tip) : height !== 0) {
      throw new ChainLinkError(
        `block ${hashToHex(header.hash)} does not extend the index tip at height ${this.#height}`,
      );
    }
    const keepUndo = height >= daemonHeight - this.options.reorgLimit + 1;
    const spent: UtxoRow[] = [];
    const created = new Map<string, Uint8Array>();
    // Genesis is indexed with no transactions, as ElectrumX does: its output is unspendable.
    const transactions = height === 0 ? [] : block.transactions;
    const firstTxNum = this.#txCount;
    for (let i = 0; i < transactions.length; i++) {
      const tx = transactions[i];
      const txNum = firstTxNum + i;
      const touched = new Set<string>();
      for (const input of tx.inputs) {
        if (isCoinbaseInput(input)) continue;
        const row = this.#spend(input.prevHash, input.prevIndex, block);
        const key = toHex(row.hashX);
        touched.add(key);
        if (row.txNum < firstTxNum) spent.push(row);
      }
      const txid = tx.txid;
      const txidHex = toHex(txid);
      const prefix = txidPrefix(txid);
      for (let vout = 0; vout < tx.outputs.length; vout++) {
        const output = tx.outputs[vout];
        if (isUnspendable(output.script)) continue;
        const hashX = scriptHashX(output.script);
        const key = toHex(hashX);
        touched.add(key);
        created.set(key, hashX);
        if (i === 0) this.#replaceDuplicateCoinbaseOutput(txid, txidHex, vout);
        this.#utxoCache.set(outpointKey(txidHex, vout), {
          hashX,
          txNum,
          vout,
          value: output.value,
          prefix,
        });
      }
      for (const key of touched) {
        const list = this.#history.get(key);
        if (list) list.push(txNum);
        else this.#history.set(key, [txNum]);
        this.#touched.add(key);
      }
      this.#historyEntries += touched.size;
      this.#txids.push(txid);
    }
    this.#txCount += transactions.length;
    this.#blocks.push({
      height,
      header: header.raw.slice(),
      txEnd: this.#txCount,
      undo: keepUndo ? encodeUndo({ spent, created: [...created.values()] }) : undefined,
    });
    this.#height = height;
    this.#tip = header.hash;
  }

  /** Removes the spent output from the cache or schedules its deletion from disk. */
  #spend(txid: Uint8Array, vout: number, block: Block): UtxoRow {
    const key = outpointKey(toHex(txid), vout);
    const cached = this.#utxoCache.get(key);
    if (cached) {
      this.#utxoCache.delete(key);
      return cached;
    }
    const onDisk = this.#dbSpentKeys.has(key) ? undefined : this.store.findUtxo(txid, vout);
    if (!onDisk) {
      throw new MissingUtxoError(
        `block ${hashToHex(block.header.hash)} spends ${hashToHex(txid)}:${vout}, ` +
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
  #replaceDuplicateCoinbaseOutput(txid: Uint8Array, txidHex: string, vout: number): void {
    const key = outpointKey(txidHex, vout);
    if (this.#utxoCache.delete(key) || this.#dbSpentKeys.has(key)) return;
    const onDisk = this.store.findUtxo(txid, vout);
    if (onDisk) {
      this.#dbSpentKeys.add(key);
      this.#dbSpends.push({ ...onDisk, prefix: txidPrefix(txid) });
    }
  }

  /** Writes everything pending to the store in one transaction. */
  flush(): void {
    if (this.#blocks.length === 0) return;
    this.store.commitForward({
      blocks: this.#blocks,
      txids: this.#txids,
      history: this.#history,
      utxoAdds: [...this.#utxoCache.values()],
      utxoSpends: this.#dbSpends,
      pruneUndoBelow: this.#height - this.options.reorgLimit + 1,
    });
    this.#clearPending();
  }

  /** Drops unflushed changes and returns to the store's tip (after a failed batch or reorg). */
  discardPending(): void {
    this.#clearPending();
    this.#height = this.store.height;
    this.#txCount = this.store.txCount;
    this.#tip = this.store.tipHash();
  }

  #clearPending(): void {
    this.#utxoCache = new Map();
    this.#dbSpends = [];
    this.#dbSpentKeys = new Set();
    this.#history = new Map();
    this.#historyEntries = 0;
    this.#blocks = [];
    this.#txids = [];
  }
}
