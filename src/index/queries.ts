/**
 * Answers to wallet questions about scripts, combining the confirmed index and the mempool:
 * history in protocol order, status hashes, balances and UTXOs. Each costs in proportion to its
 * answer: history and UTXO reads are range scans of one script's rows. (Block positions,
 * merkle branches and header proofs are served, with caches, by src/electrum.)
 */
import { hashToHex, toHex } from "../chain/bytes.ts";
import type { Mempool } from "./mempool.ts";
import type { HistoryEntry, IndexStore } from "./store.ts";

/** A history entry in protocol form. */
export interface HistoryItem {
  /** Display hex. */
  txHash: string;
  /** Block height; 0 or -1 for mempool transactions. */
  height: number;
  /** Fee in satoshis, for mempool transactions only. */
  fee?: number;
}

/** An unspent output in protocol form. */
export interface UnspentItem {
  txHash: string;
  txPos: number;
  /** Block height, 0 for mempool outputs. */
  height: number;
  value: number;
}

/** A script's confirmed history is longer than the caller's limit. */
export class HistoryTooLargeError extends Error {
  override name = "HistoryTooLargeError";

  constructor() {
    super("history too large");
  }
}

/** The part of a status preimage (docs/protocol.md, "Script hashes, history and status"). */
export function statusPreimage(items: readonly HistoryItem[]): string {
  let preimage = "";
  for (const item of items) preimage += `${item.txHash}:${item.height}:`;
  return preimage;
}

/** Read-side facade over the store and the mempool. */
export class ChainQueries {
  constructor(readonly store: IndexStore, readonly mempool: Mempool) {}

  /** Confirmed history in chain order; throws HistoryTooLargeError at `limit` entries. */
  confirmedHistory(hashX: Uint8Array, limit: number): HistoryItem[] {
    const entries = this.store.history(hashX, limit);
    if (entries.length >= limit) throw new HistoryTooLargeError();
    return this.#items(entries);
  }

  /**
   * Confirmed history entries from tx number `txNum` on, a tx count the index had: what a
   * history known at that count has gained (see {@link IndexStore.historyFrom}).
   */
  confirmedHistoryFrom(hashX: Uint8Array, txNum: number): HistoryItem[] {
    return this.#items(this.store.historyFrom(hashX, txNum));
  }

  #items(entries: HistoryEntry[]): HistoryItem[] {
    return entries.map((entry) => ({
      txHash: hashToHex(entry.txid),
      height: this.store.heightOfTx(entry.txNum),
    }));
  }

  /** Mempool history: height 0 before -1, each ordered by txid hex. */
  mempoolHistory(hashX: Uint8Array): HistoryItem[] {
    return this.mempool.history(toHex(hashX)).map((entry) => ({
      txHash: entry.txid,
      height: entry.height,
      fee: entry.fee,
    }));
  }

  /** Confirmed then mempool history, as `blockchain.scripthash.get_history` answers. */
  history(hashX: Uint8Array, limit: number): HistoryItem[] {
    return [...this.confirmedHistory(hashX, limit), ...this.mempoolHistory(hashX)];
  }

  /** Confirmed balance and the mempool's net change to it. */
  balance(hashX: Uint8Array): { confirmed: number; unconfirmed: number } {
    return {
      confirmed: this.store.balance(hashX),
      unconfirmed: this.mempool.balanceDelta(toHex(hashX)),
    };
  }

  /**
   * Unspent outputs: confirmed ones in chain order, then mempool outputs (height 0); outputs
   * spent by a mempool transaction touching the script are left out.
   */
  listUnspent(hashX: Uint8Array, limit = Number.MAX_SAFE_INTEGER): UnspentItem[] {
    const key = toHex(hashX);
    const spent = this.mempool.spentOutpoints(key);
    const items: UnspentItem[] = [];
    for (const utxo of this.store.utxos(hashX, limit)) {
      const txHash = hashToHex(utxo.txid);
      if (spent.has(`${txHash}:${utxo.vout}`)) continue;
      items.push({
        txHash,
        txPos: utxo.vout,
        height: this.store.heightOfTx(utxo.txNum),
        value: utxo.value,
      });
    }
    for (const utxo of this.mempool.utxos(key)) {
      if (spent.has(`${utxo.txid}:${utxo.vout}`)) continue;
      items.push({ txHash: utxo.txid, txPos: utxo.vout, height: 0, value: utxo.value });
    }
    return items;
  }
}
