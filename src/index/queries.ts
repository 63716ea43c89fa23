/**
 * Answers to wallet and admin questions, combining the confirmed index and the mempool:
 * history in protocol order, status hashes, balances, UTXOs, transactions by position with
 * merkle branches, headers and header checkpoint proofs. Each costs in proportion to its
 * answer: history and UTXO reads are range scans of one script's rows.
 */
import { hashToHex, hexToHash, toHex } from "../chain/bytes.ts";
import { sha256, sha256d } from "../chain/hash.ts";
import { merkleBranch } from "../chain/merkle.ts";
import type { Mempool } from "./mempool.ts";
import type { IndexStore } from "./store.ts";

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

/** A merkle proof: sibling hashes from the leaf up, and the root, in display hex. */
export interface MerkleProof {
  branch: string[];
  root: string;
}

/** Read-side facade over the store and the mempool. */
export class ChainQueries {
  constructor(readonly store: IndexStore, readonly mempool: Mempool) {}

  /** Confirmed history in chain order; throws HistoryTooLargeError at `limit` entries. */
  confirmedHistory(hashX: Uint8Array, limit: number): HistoryItem[] {
    const entries = this.store.history(hashX, limit);
    if (entries.length >= limit) throw new HistoryTooLargeError();
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

  /** The protocol's status hash of a script, or null when it has no history at all. */
  status(hashX: Uint8Array, limit: number): string | null {
    const history = this.history(hashX, limit);
    if (history.length === 0) return null;
    let preimage = "";
    for (const item of history) preimage += `${item.txHash}:${item.height}:`;
    return toHex(sha256(new TextEncoder().encode(preimage)));
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

  /** The display-hex txid at a block position, or undefined if there is none. */
  txHashAt(height: number, position: number): string | undefined {
    if (height < 0 || height > this.store.height || position < 0) return undefined;
    const first = this.store.firstTxNum(height);
    const end = height === this.store.height
      ? this.store.txCount
      : this.store.firstTxNum(height + 1);
    if (first + position >= end) return undefined;
    const txid = this.store.txid(first + position);
    return txid ? hashToHex(txid) : undefined;
  }

  /** Merkle branch of the transaction at a block position, with its txid. */
  txMerkleAt(height: number, position: number): { txHash: string; proof: MerkleProof } | undefined {
    const txids = this.store.blockTxids(height);
    if (position < 0 || position >= txids.length) return undefined;
    return {
      txHash: hashToHex(txids[position]),
      proof: toDisplayProof(merkleBranch(txids, position)),
    };
  }

  /** Position and merkle branch of a txid in the block at `height`. */
  txMerkle(txHash: string, height: number): { position: number; proof: MerkleProof } | undefined {
    const txids = this.store.blockTxids(height);
    const wanted = hexToHash(txHash);
    const position = txids.findIndex((txid) => txid.every((byte, i) => byte === wanted[i]));
    if (position < 0) return undefined;
    return { position, proof: toDisplayProof(merkleBranch(txids, position)) };
  }

  /**
   * Proof that the header at `height` is in the chain committed to by the block hashes of
   * heights 0..cpHeight (Electrum's checkpoint proof).
   */
  headerProof(height: number, cpHeight: number): MerkleProof {
    const leaves = this.store.headers(0, cpHeight + 1).map((header) => sha256d(header));
    return toDisplayProof(merkleBranch(leaves, height));
  }
}

function toDisplayProof(proof: { branch: Uint8Array[]; root: Uint8Array }): MerkleProof {
  return { branch: proof.branch.map(hashToHex), root: hashToHex(proof.root) };
}
