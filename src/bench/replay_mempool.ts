/**
 * The replay daemon's mempool: transactions in arrival order (so parents precede children),
 * which outpoint each spends, and Core's getmempoolentry view with ancestors and descendants.
 */
import { hashToHex } from "../chain/bytes.ts";
import { isCoinbaseInput, type Transaction, txVsize, txWeight } from "../chain/transaction.ts";
import type { RawTx } from "../regtest/block_builder.ts";
import { btc } from "./core_json.ts";

/** A transaction in the mempool. */
export interface MempoolTx {
  /** Display hex. */
  txid: string;
  entry: RawTx;
  /** Satoshis. */
  fee: number;
  /** Unix seconds of arrival. */
  time: number;
  /** Chain height at arrival. */
  height: number;
}

/** A transaction spends an output another mempool transaction already spends. */
export class MempoolConflictError extends Error {
  override name = "MempoolConflictError";
}

function outpointKey(txid: string, vout: number): string {
  return `${txid}:${vout}`;
}

/** Transactions waiting for a block. */
export class ReplayMempool {
  readonly #txs = new Map<string, MempoolTx>();
  /** Outpoint → txid of the mempool transaction spending it. */
  readonly #spenders = new Map<string, string>();

  get size(): number {
    return this.#txs.size;
  }

  /** Sum of virtual sizes, as getmempoolinfo's `bytes`. */
  get vbytes(): number {
    let total = 0;
    for (const tx of this.#txs.values()) total += txVsize(tx.entry.tx);
    return total;
  }

  /** Sum of fees in satoshis. */
  get totalFee(): number {
    let total = 0;
    for (const tx of this.#txs.values()) total += tx.fee;
    return total;
  }

  get(txid: string): MempoolTx | undefined {
    return this.#txs.get(txid);
  }

  /** Transactions in arrival order. */
  all(): MempoolTx[] {
    return [...this.#txs.values()];
  }

  /** The mempool transaction spending `txid:vout`, if any. */
  spender(txid: string, vout: number): string | undefined {
    return this.#spenders.get(outpointKey(txid, vout));
  }

  /** Adds a transaction; throws MempoolConflictError if one of its inputs is spent already. */
  add(tx: MempoolTx): void {
    const keys = tx.entry.tx.inputs.map((input) =>
      outpointKey(hashToHex(input.prevHash), input.prevIndex)
    );
    for (const key of keys) {
      const other = this.#spenders.get(key);
      if (other !== undefined) {
        throw new MempoolConflictError(`${tx.txid} spends ${key}, already spent by ${other}`);
      }
    }
    for (const key of keys) this.#spenders.set(key, tx.txid);
    this.#txs.set(tx.txid, tx);
  }

  /** Empties the mempool (its transactions were mined). */
  clear(): void {
    this.#txs.clear();
    this.#spenders.clear();
  }

  /**
   * Updates the mempool for a block joining the chain: its transactions leave, and those
   * spending an outpoint the block spends are evicted with their descendants.
   */
  confirmBlock(transactions: readonly Transaction[]): void {
    if (this.#txs.size === 0) return;
    const conflicts: string[] = [];
    for (const tx of transactions) {
      const txid = hashToHex(tx.txid);
      if (this.#txs.has(txid)) this.#remove(txid);
      for (const input of tx.inputs) {
        if (isCoinbaseInput(input)) continue;
        const spender = this.spender(hashToHex(input.prevHash), input.prevIndex);
        if (spender !== undefined) conflicts.push(spender);
      }
    }
    for (const txid of conflicts) this.#removeWithDescendants(txid);
  }

  /**
   * Evicts transactions spending outputs of `txids` (transactions that left the chain), with
   * their descendants.
   */
  evictSpendersOf(txids: ReadonlySet<string>): void {
    if (this.#txs.size === 0) return;
    for (const tx of this.all()) {
      if (!this.#txs.has(tx.txid)) continue;
      if (tx.entry.tx.inputs.some((input) => txids.has(hashToHex(input.prevHash)))) {
        this.#removeWithDescendants(tx.txid);
      }
    }
  }

  #remove(txid: string): MempoolTx | undefined {
    const tx = this.#txs.get(txid);
    if (!tx) return undefined;
    this.#txs.delete(txid);
    for (const input of tx.entry.tx.inputs) {
      this.#spenders.delete(outpointKey(hashToHex(input.prevHash), input.prevIndex));
    }
    return tx;
  }

  #removeWithDescendants(txid: string): void {
    const tx = this.#remove(txid);
    if (!tx) return;
    for (let vout = 0; vout < tx.entry.tx.outputs.length; vout++) {
      const child = this.spender(txid, vout);
      if (child !== undefined) this.#removeWithDescendants(child);
    }
  }

  /** Mempool parents of a transaction (display hex). */
  #parents(tx: MempoolTx): string[] {
    const parents = new Set<string>();
    for (const input of tx.entry.tx.inputs) {
      const parent = hashToHex(input.prevHash);
      if (this.#txs.has(parent)) parents.add(parent);
    }
    return [...parents];
  }

  /** Mempool children of a transaction. */
  #children(tx: MempoolTx): string[] {
    const children = new Set<string>();
    for (let vout = 0; vout < tx.entry.tx.outputs.length; vout++) {
      const child = this.spender(tx.txid, vout);
      if (child !== undefined) children.add(child);
    }
    return [...children];
  }

  /** `tx` and everything reachable through `next`, each once. */
  #closure(tx: MempoolTx, next: (tx: MempoolTx) => string[]): MempoolTx[] {
    const seen = new Map<string, MempoolTx>([[tx.txid, tx]]);
    const stack = [tx];
    while (stack.length > 0) {
      for (const txid of next(stack.pop()!)) {
        const found = this.#txs.get(txid);
        if (found && !seen.has(txid)) {
          seen.set(txid, found);
          stack.push(found);
        }
      }
    }
    return [...seen.values()];
  }

  /** Core's getmempoolentry reply for `txid`; undefined when it is not in the mempool. */
  entryJson(txid: string): Record<string, unknown> | undefined {
    const tx = this.#txs.get(txid);
    if (!tx) return undefined;
    const ancestors = this.#closure(tx, (t) => this.#parents(t));
    const descendants = this.#closure(tx, (t) => this.#children(t));
    const sum = (list: MempoolTx[], f: (t: MempoolTx) => number): number =>
      list.reduce((total, t) => total + f(t), 0);
    const vsize = (t: MempoolTx): number => txVsize(t.entry.tx);
    return {
      vsize: vsize(tx),
      weight: txWeight(tx.entry.tx),
      time: tx.time,
      height: tx.height,
      descendantcount: descendants.length,
      descendantsize: sum(descendants, vsize),
      ancestorcount: ancestors.length,
      ancestorsize: sum(ancestors, vsize),
      wtxid: hashToHex(tx.entry.tx.wtxid),
      fees: {
        base: btc(tx.fee),
        modified: btc(tx.fee),
        ancestor: btc(sum(ancestors, (t) => t.fee)),
        descendant: btc(sum(descendants, (t) => t.fee)),
      },
      depends: this.#parents(tx),
      spentby: this.#children(tx),
      "bip125-replaceable": false,
      unbroadcast: false,
    };
  }
}
