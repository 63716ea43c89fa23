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

/** An output or a spent coin as the recorder sees it: which script, how much. */
export interface ScriptAmount {
  /** The generator's script number (see Coin.script). */
  script: number;
  value: number;
}

interface SampleState {
  bytes: Uint8Array;
  historyCount: number;
  firstTxid?: Uint8Array;
  lastTxid?: Uint8Array;
  balance: number;
  utxoCount: number;
}

/** Accumulates a {@link TruthSample} transaction by transaction. */
export class TruthRecorder {
  #txCount = 0;
  #historyRows = 0;
  #utxoCount = 0;
  readonly #samples = new Map<number, SampleState>();

  /** Starts following script number `script` (before any transaction touches it). */
  follow(script: number, bytes: Uint8Array): void {
    if (!this.#samples.has(script)) {
      this.#samples.set(script, { bytes, historyCount: 0, balance: 0, utxoCount: 0 });
    }
  }

  /** Whether `script` is followed. */
  follows(script: number): boolean {
    return this.#samples.has(script);
  }

  /** Records one transaction: the coins it spends and its indexable outputs. */
  record(txid: Uint8Array, spent: readonly ScriptAmount[], outputs: readonly ScriptAmount[]): void {
    this.#txCount++;
    this.#utxoCount += outputs.length - spent.length;
    const touched = new Set<number>();
    for (const coin of spent) {
      touched.add(coin.script);
      const sample = this.#samples.get(coin.script);
      if (sample) {
        sample.balance -= coin.value;
        sample.utxoCount--;
      }
    }
    for (const output of outputs) {
      touched.add(output.script);
      const sample = this.#samples.get(output.script);
      if (sample) {
        sample.balance += output.value;
        sample.utxoCount++;
      }
    }
    this.#historyRows += touched.size;
    for (const script of touched) {
      const sample = this.#samples.get(script);
      if (!sample) continue;
      sample.historyCount++;
      sample.firstTxid ??= txid;
      sample.lastTxid = txid;
    }
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
