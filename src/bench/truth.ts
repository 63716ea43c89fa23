/**
 * What an index of a generated chain must contain, recorded while the chain is generated so it
 * can be checked cheaply afterwards: totals (transactions, history rows, unspent outputs) and,
 * for a sample of scripts from the busiest to ones paid once, the history count, first and last
 * txid, balance and number of unspent outputs.
 */
import { fromHex, hashToHex, toHex } from "../chain/bytes.ts";
import { hashX, scriptHash } from "../chain/script.ts";
import type { IndexStore } from "../index/store.ts";

/** Expected index entries of one script. */
export interface ScriptTruth {
  /** The output script, hex. */
  script: string;
  /** Electrum script hash (display hex). */
  scriptHash: string;
  historyCount: number;
  /** Display hex of the first and last transaction in the script's history. */
  firstTxid: string;
  lastTxid: string;
  /** Satoshis in unspent outputs. */
  balance: number;
  utxoCount: number;
}

/** Expected index contents of a whole chain (genesis not indexed, as ElectrumX). */
export interface TruthSample {
  /** Transactions, coinbases included. */
  txCount: number;
  /** (script, transaction) pairs: rows of the index's history table. */
  historyRows: number;
  /** Unspent indexable outputs at the tip. */
  utxoCount: number;
  scripts: ScriptTruth[];
}

interface SampleState {
  bytes: Uint8Array;
  historyCount: number;
  /** Chain-order numbers of the first and last transactions touching the script. */
  firstTx: number;
  lastTx: number;
  firstTxid?: Uint8Array;
  lastTxid?: Uint8Array;
  balance: number;
  utxoCount: number;
  /** Touched since the last endBlock. */
  touched: boolean;
}

/**
 * Accumulates a {@link TruthSample} transaction by transaction, in calls that make nothing
 * (the generator records tens of millions of transactions): `begin`, then `spend` and `pay`
 * for each coin spent and indexable output, then `endBlock` with the block's txids.
 *
 * Scripts are numbered as in Coin.script: a negative number is a script paid once, so it is
 * touched at most twice in all, by an output and by a later input, and never twice in one
 * transaction; only reused scripts (numbers ≥ 0) need a check that a transaction counts once.
 */
export class TruthRecorder {
  #txCount = 0;
  #historyRows = 0;
  #utxoCount = 0;
  readonly #samples = new Map<number, SampleState>();
  /** For each reused script, 1 + the number of the last transaction that touched it. */
  #stamps = new Int32Array(1024);
  #tx = -1;
  /** Samples touched since the last endBlock. */
  #touched: SampleState[] = [];

  /** Starts following script number `script` (before any transaction touches it). */
  follow(script: number, bytes: Uint8Array): void {
    if (!this.#samples.has(script)) {
      this.#samples.set(script, {
        bytes,
        historyCount: 0,
        firstTx: -1,
        lastTx: -1,
        balance: 0,
        utxoCount: 0,
        touched: false,
      });
    }
  }

  /** Whether `script` is followed. */
  follows(script: number): boolean {
    return this.#samples.has(script);
  }

  /**
   * Starts recording the transaction numbered `tx` in chain order (the numbers of a block's
   * transactions may come in any order, e.g. its coinbase last).
   */
  begin(tx: number): void {
    this.#tx = tx;
    this.#txCount++;
  }

  /** The current transaction spends a coin of `script` worth `value`. */
  spend(script: number, value: number): void {
    this.#utxoCount--;
    this.#touch(script, -value, -1);
  }

  /** The current transaction pays `value` to `script` (an indexable output). */
  pay(script: number, value: number): void {
    this.#utxoCount++;
    this.#touch(script, value, 1);
  }

  #touch(script: number, value: number, utxos: number): void {
    let first = true;
    if (script >= 0) {
      if (script >= this.#stamps.length) {
        const stamps = new Int32Array(Math.max(script + 1, 2 * this.#stamps.length));
        stamps.set(this.#stamps);
        this.#stamps = stamps;
      }
      first = this.#stamps[script] !== this.#tx + 1;
      this.#stamps[script] = this.#tx + 1;
    }
    if (first) this.#historyRows++;
    const sample = this.#samples.get(script);
    if (sample === undefined) return;
    sample.balance += value;
    sample.utxoCount += utxos;
    if (!first) return;
    sample.historyCount++;
    if (sample.firstTx < 0 || this.#tx < sample.firstTx) sample.firstTx = this.#tx;
    if (this.#tx > sample.lastTx) sample.lastTx = this.#tx;
    if (!sample.touched) this.#touched.push(sample);
    sample.touched = true;
  }

  /**
   * Ends a block whose transactions are numbered from `firstTx`, with their txids packed 32
   * bytes each in `txids`: the samples it touched learn their first and last txids.
   */
  endBlock(firstTx: number, txids: Uint8Array): void {
    const txid = (tx: number) => txids.slice(32 * (tx - firstTx), 32 * (tx - firstTx + 1));
    for (const sample of this.#touched) {
      if (sample.firstTx >= firstTx) sample.firstTxid = txid(sample.firstTx);
      sample.lastTxid = txid(sample.lastTx);
      sample.touched = false;
    }
    this.#touched.length = 0;
  }

  /** The truth so far; samples never paid are left out. */
  result(): TruthSample {
    const scripts: ScriptTruth[] = [];
    for (const sample of this.#samples.values()) {
      if (sample.historyCount === 0) continue;
      scripts.push({
        script: toHex(sample.bytes),
        scriptHash: scriptHash(sample.bytes),
        historyCount: sample.historyCount,
        firstTxid: hashToHex(sample.firstTxid!),
        lastTxid: hashToHex(sample.lastTxid!),
        balance: sample.balance,
        utxoCount: sample.utxoCount,
      });
    }
    scripts.sort((a, b) => b.historyCount - a.historyCount);
    return {
      txCount: this.#txCount,
      historyRows: this.#historyRows,
      utxoCount: this.#utxoCount,
      scripts,
    };
  }
}

function tableRows(store: IndexStore, table: string): number {
  return (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/**
 * Compares an index with the truth of the chain it indexed; returns the differences found (an
 * empty list when the index is right).
 */
export function compareIndexWithTruth(store: IndexStore, truth: TruthSample): string[] {
  const problems: string[] = [];
  function expect(what: string, actual: number | string, expected: number | string): void {
    if (actual !== expected) problems.push(`${what}: index has ${actual}, expected ${expected}`);
  }
  expect("transactions", store.txCount, truth.txCount);
  expect("history entries", store.historyEntryCount(), truth.historyRows);
  expect("unspent outputs", tableRows(store, "utxo"), truth.utxoCount);
  for (const sample of truth.scripts) {
    const key = hashX(fromHex(sample.script));
    const history = store.history(key);
    const name = `script ${sample.scriptHash}`;
    expect(`${name} history count`, history.length, sample.historyCount);
    if (history.length > 0) {
      expect(`${name} first txid`, hashToHex(history[0].txid), sample.firstTxid);
      expect(`${name} last txid`, hashToHex(history[history.length - 1].txid), sample.lastTxid);
    }
    expect(`${name} balance`, store.balance(key), sample.balance);
    expect(`${name} unspent outputs`, store.utxos(key).length, sample.utxoCount);
  }
  return problems;
}
