/**
 * The daemon's mempool, mirrored per script: which unconfirmed transactions pay to or spend
 * from each script, their fees and sizes, and the fee histogram. Refreshed by polling
 * getrawmempool and fetching only the new transactions, always against the index's tip.
 */
import { hashToHex, toHex } from "../chain/bytes.ts";
import { hashX as scriptHashX, isUnspendable } from "../chain/script.ts";
import { isCoinbaseInput, parseTransaction, txVsize } from "../chain/transaction.ts";
import type { Daemon } from "../daemon/daemon.ts";
import type { Logger } from "../log.ts";
import type { IndexStore } from "./store.ts";

/** An output a mempool transaction pays or spends: its script and value. */
interface ScriptValue {
  hashX: string;
  value: number;
}

/** A transaction in the mempool, with its inputs resolved to scripts and values. */
export interface MempoolTx {
  /** Display hex. */
  txid: string;
  /** Spent outpoints as `txid display hex:vout`. */
  prevouts: string[];
  /** Per input, the script and value it spends. */
  inputs: ScriptValue[];
  /** Per output (undefined for unspendable outputs, which are not indexed). */
  outputs: (ScriptValue | undefined)[];
  fee: number;
  vsize: number;
}

/** A mempool history entry of a script. */
export interface MempoolHistoryEntry {
  txid: string;
  /** 0, or -1 when the transaction spends an output of another mempool transaction. */
  height: 0 | -1;
  fee: number;
}

/** An unconfirmed output paying a script. */
export interface MempoolUtxo {
  txid: string;
  vout: number;
  value: number;
}

/** What one refresh changed. */
export interface MempoolChanges {
  /** Scripts (hashX hex) whose mempool history changed. */
  touched: Set<string>;
  added: number;
  removed: number;
}

const FETCH_CHUNK = 200;

/** The mempool mirror. */
export class Mempool {
  readonly #txs = new Map<string, MempoolTx>();
  readonly #byHashX = new Map<string, Set<string>>();
  #histogram: [number, number][] = [];
  #histogramAt = -Infinity;
  #syncedHeight = -1;
  #touched = new Set<string>();

  constructor(
    readonly store: IndexStore,
    readonly daemon: Daemon,
    readonly log: Logger,
    readonly options: { histogramIntervalMs?: number } = {},
  ) {}

  get size(): number {
    return this.#txs.size;
  }

  /**
   * The index height of the last refresh. While the index is above it, the mirror may still
   * list transactions the blocks since have confirmed.
   */
  get syncedHeight(): number {
    return this.#syncedHeight;
  }

  /**
   * Brings the mirror in line with the daemon's mempool. The caller makes sure the index is at
   * the daemon's tip, so prevouts resolve against the same chain the daemon's mempool builds on.
   */
  async refresh(): Promise<MempoolChanges> {
    const height = this.store.height;
    // A refresh that fails half-way has changed the mirror: what it touched is reported by
    // the next one that succeeds.
    const touched = this.#touched;
    const daemonTxids = new Set(await this.daemon.getRawMempool());
    let removed = 0;
    for (const [txid, tx] of this.#txs) {
      if (daemonTxids.has(txid)) continue;
      this.#remove(tx, touched);
      removed++;
    }
    const newTxids = [...daemonTxids].filter((txid) => !this.#txs.has(txid));
    const fetched = new Map<string, Uint8Array>();
    for (let i = 0; i < newTxids.length; i += FETCH_CHUNK) {
      const chunk = newTxids.slice(i, i + FETCH_CHUNK);
      const raws = await this.daemon.getRawTransactions(chunk);
      chunk.forEach((txid, j) => {
        const raw = raws[j];
        if (raw) fetched.set(txid, raw);
      });
    }
    const added = this.#addAll(fetched, touched);
    this.#syncedHeight = height;
    this.#touched = new Set();
    this.#maybeRefreshHistogram();
    return { touched, added, removed };
  }

  /** Adds transactions parents first: a child waits until its mempool parents are in. */
  #addAll(raws: Map<string, Uint8Array>, touched: Set<string>): number {
    const pending = new Map<string, ReturnType<typeof parseTransaction>>();
    for (const [txid, raw] of raws) {
      try {
        pending.set(txid, parseTransaction(raw));
      } catch (error) {
        this.log.warning(
          `ignoring unparsable mempool transaction ${txid}: ${(error as Error).message}`,
        );
      }
    }
    let added = 0;
    let progress = true;
    while (pending.size > 0 && progress) {
      progress = false;
      for (const [txid, tx] of pending) {
        const inputs: ScriptValue[] = [];
        let waiting = false;
        for (const input of tx.inputs) {
          if (isCoinbaseInput(input)) continue;
          const parent = hashToHex(input.prevHash);
          const fromMempool = this.#txs.get(parent);
          if (fromMempool) {
            const output = fromMempool.outputs[input.prevIndex];
            if (!output) break;
            inputs.push(output);
            continue;
          }
          if (pending.has(parent)) {
            waiting = true;
            break;
          }
          const utxo = this.store.findUtxo(input.prevHash, input.prevIndex);
          if (!utxo) break;
          inputs.push({ hashX: toHex(utxo.hashX), value: utxo.value });
        }
        if (waiting) continue;
        pending.delete(txid);
        progress = true;
        if (inputs.length !== tx.inputs.length) {
          // Spends something neither confirmed nor in the mempool: it was mined or replaced
          // while we fetched; the next refresh sees the daemon's new view.
          continue;
        }
        const outputs = tx.outputs.map((output) =>
          isUnspendable(output.script)
            ? undefined
            : { hashX: toHex(scriptHashX(output.script)), value: output.value }
        );
        const valueIn = inputs.reduce((sum, input) => sum + input.value, 0);
        const valueOut = tx.outputs.reduce((sum, output) => sum + output.value, 0);
        const entry: MempoolTx = {
          txid,
          prevouts: tx.inputs.map((input) => `${hashToHex(input.prevHash)}:${input.prevIndex}`),
          inputs,
          outputs,
          fee: Math.max(0, valueIn - valueOut),
          vsize: txVsize(tx),
        };
        this.#add(entry, touched);
        added++;
      }
    }
    if (pending.size > 0) {
      this.log.debug(`${pending.size} mempool transactions wait for parents we could not load`);
    }
    return added;
  }

  #scriptsOf(tx: MempoolTx): Set<string> {
    const scripts = new Set<string>();
    for (const input of tx.inputs) scripts.add(input.hashX);
    for (const output of tx.outputs) if (output) scripts.add(output.hashX);
    return scripts;
  }

  #add(tx: MempoolTx, touched: Set<string>): void {
    this.#txs.set(tx.txid, tx);
    for (const hashX of this.#scriptsOf(tx)) {
      let set = this.#byHashX.get(hashX);
      if (!set) this.#byHashX.set(hashX, set = new Set());
      set.add(tx.txid);
      touched.add(hashX);
    }
  }

  #remove(tx: MempoolTx, touched: Set<string>): void {
    this.#txs.delete(tx.txid);
    for (const hashX of this.#scriptsOf(tx)) {
      const set = this.#byHashX.get(hashX);
      set?.delete(tx.txid);
      if (set?.size === 0) this.#byHashX.delete(hashX);
      touched.add(hashX);
    }
  }

  /** True when the transaction spends an output of another mempool transaction. */
  hasUnconfirmedInputs(tx: MempoolTx): boolean {
    return tx.prevouts.some((prevout) => this.#txs.has(prevout.slice(0, 64)));
  }

  /** Mempool history of a script: height 0 first, then -1, each by txid hex. */
  history(hashX: string): MempoolHistoryEntry[] {
    const txids = this.#byHashX.get(hashX);
    if (!txids) return [];
    const entries: MempoolHistoryEntry[] = [];
    for (const txid of txids) {
      const tx = this.#txs.get(txid)!;
      entries.push({ txid, height: this.hasUnconfirmedInputs(tx) ? -1 : 0, fee: tx.fee });
    }
    return entries.sort((a, b) =>
      b.height - a.height || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0)
    );
  }

  /** Net unconfirmed change of a script's balance: paid to it minus spent from it. */
  balanceDelta(hashX: string): number {
    let delta = 0;
    for (const txid of this.#byHashX.get(hashX) ?? []) {
      const tx = this.#txs.get(txid)!;
      for (const output of tx.outputs) if (output?.hashX === hashX) delta += output.value;
      for (const input of tx.inputs) if (input.hashX === hashX) delta -= input.value;
    }
    return delta;
  }

  /** Outputs of mempool transactions paying the script. */
  utxos(hashX: string): MempoolUtxo[] {
    const utxos: MempoolUtxo[] = [];
    for (const txid of this.#byHashX.get(hashX) ?? []) {
      const tx = this.#txs.get(txid)!;
      tx.outputs.forEach((output, vout) => {
        if (output?.hashX === hashX) utxos.push({ txid, vout, value: output.value });
      });
    }
    return utxos;
  }

  /** Outpoints (`txid:vout`) spent by mempool transactions that touch the script. */
  spentOutpoints(hashX: string): Set<string> {
    const spent = new Set<string>();
    for (const txid of this.#byHashX.get(hashX) ?? []) {
      for (const prevout of this.#txs.get(txid)!.prevouts) spent.add(prevout);
    }
    return spent;
  }

  /** The fee histogram as last computed: `[fee rate sat/vB, vsize]`, rates descending. */
  get feeHistogram(): [number, number][] {
    return this.#histogram;
  }

  #maybeRefreshHistogram(): void {
    const now = performance.now();
    if (now - this.#histogramAt < (this.options.histogramIntervalMs ?? 120_000)) return;
    this.#histogramAt = now;
    this.#histogram = compactFeeHistogram(this.#txs.values());
  }
}

/** ElectrumX's histogram: 0.1 sat/vB rates, bins from 30,000 vbytes growing by 10 %. */
export function compactFeeHistogram(
  txs: Iterable<{ fee: number; vsize: number }>,
): [number, number][] {
  const sizes = new Map<number, number>();
  for (const tx of txs) {
    if (tx.vsize <= 0) continue;
    const rate = Math.floor((10 * tx.fee) / tx.vsize) / 10;
    sizes.set(rate, (sizes.get(rate) ?? 0) + tx.vsize);
  }
  const result: [number, number][] = [];
  let bin = 30_000;
  let cumulative = 0;
  let previous: number | undefined;
  for (const rate of [...sizes.keys()].sort((a, b) => b - a)) {
    const size = sizes.get(rate)!;
    if (size > 2 * bin && previous !== undefined && cumulative > 0) {
      result.push([previous, cumulative]);
      cumulative = 0;
      bin *= 1.1;
    }
    cumulative += size;
    if (cumulative > bin) {
      result.push([rate, cumulative]);
      cumulative = 0;
      bin *= 1.1;
    }
    previous = rate;
  }
  return result;
}
