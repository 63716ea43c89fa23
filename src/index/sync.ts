/**
 * Keeps the index at the daemon's tip: initial sync with batched flushes and progress logs,
 * then live mode (poll the best block hash, apply each new block in its own transaction),
 * with reorgs detected both by a block that does not link and by a competing tip.
 */
import { hashToHex } from "../chain/bytes.ts";
import { type Daemon, DaemonClosedError, DaemonRpcError } from "../daemon/daemon.ts";
import type { Logger } from "../log.ts";
import { BlockProcessor, ChainLinkError } from "./block_processor.ts";
import { type BlockSource, InlineBlockSource, WorkerBlockSource } from "./block_source.ts";
import { FlushWriter } from "./flush_writer.ts";
import { BadBlockError, prefetchBlocks } from "./prefetcher.ts";
import { findForkHeight, unwindBlocks } from "./reorg.ts";
import type { IndexStore } from "./store.ts";

export interface SyncOptions {
  daemon: Daemon;
  store: IndexStore;
  log: Logger;
  reorgLimit: number;
  /** Flush during initial sync once pending changes reach this many MB. */
  cacheMb: number;
  /** Interval of progress lines during initial sync. */
  progressEveryMs?: number;
  /**
   * Ranges of at least this many blocks are fetched and parsed on a worker thread (default
   * 16); shorter ones, such as a new block in live mode, on this thread, which saves the
   * thread's start.
   */
  workerFromBlocks?: number;
}

const MB = 1024 * 1024;
/**
 * Threads fetching and parsing blocks during initial sync: as many as the cores, 2 to 4.
 * Measured on 2 cores (1M-tx chain, fetch and digest only): 1 thread 39k tx/s, 2 threads
 * 65k tx/s, 3 threads 60k tx/s.
 */
const PARSER_THREADS = Math.max(2, Math.min(4, navigator.hardwareConcurrency));
/**
 * Page cache of the flush thread's connection: it appends runs and merges them as they
 * stream, so a small cache serves it; the indexer's connection, which looks spends up, has
 * the index's.
 */
const FLUSH_THREAD_CACHE_MB = 64;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

/** Failures that pass: the daemon answering an error (its chain moved), or a bad block. */
function isRetryable(error: unknown): boolean {
  return error instanceof DaemonRpcError || error instanceof BadBlockError;
}

/** Follows the daemon's chain into the store. */
export class ChainSync {
  readonly processor: BlockProcessor;
  #stopping = false;
  /** Daemon height as last seen. */
  daemonHeight: number | null = null;
  #progress = { at: 0, height: 0, txCount: 0, bytes: 0, startedAt: 0 };
  /** When the last initial-sync flush ended and the tx count then: each flush's interval. */
  #lastFlush = { at: 0, txCount: 0 };
  #bytesSinceStart = 0;

  constructor(readonly options: SyncOptions) {
    this.processor = new BlockProcessor(options.store, { reorgLimit: options.reorgLimit });
  }

  /** Asks a running catch-up to stop after the current block (pending changes are flushed). */
  stop(): void {
    this.#stopping = true;
  }

  get caughtUp(): boolean {
    return this.daemonHeight !== null && this.options.store.height >= this.daemonHeight;
  }

  /**
   * Brings the index to the daemon's tip, unwinding first if the daemon's chain no longer
   * contains our tip. Daemon errors and bad blocks are logged and retried (the daemon's chain
   * may change under us at any moment); only whole blocks are ever written. Returns the
   * scripts touched (hashX hex).
   */
  async catchUp(): Promise<Set<string>> {
    const touched = new Set<string>();
    let retryMs = FIRST_RETRY_MS;
    while (!this.#stopping) {
      try {
        if (await this.#step(touched)) break;
        retryMs = FIRST_RETRY_MS;
      } catch (error) {
        if (error instanceof DaemonClosedError) {
          // Shutting down: every applied block is complete, so keep them.
          this.processor.flush();
          throw error;
        }
        if (error instanceof ChainLinkError) {
          this.options.log.info(`${error.message}: the daemon's chain changed`);
          this.processor.flush();
          for (const key of await this.#reorg()) touched.add(key);
          continue;
        }
        if (!isRetryable(error)) {
          this.processor.discardPending();
          throw error;
        }
        this.processor.flush();
        this.options.log.warning(`${(error as Error).message}; retrying in ${retryMs / 1000}s`);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
    }
    this.processor.flush();
    return touched;
  }

  /** One round: reorg if needed, else apply blocks up to the daemon's height. True when done. */
  async #step(touched: Set<string>): Promise<boolean> {
    const daemonHeight = await this.options.daemon.getBlockCount();
    this.daemonHeight = daemonHeight;
    if (await this.#tipIsStale(daemonHeight)) {
      for (const key of await this.#reorg()) touched.add(key);
      return false;
    }
    if (this.processor.height >= daemonHeight) return true;
    this.#startProgress();
    await this.#applyRange(this.processor.height + 1, daemonHeight, touched);
    return false;
  }

  /**
   * The admin `reorg`: unwinds the top `count` blocks with their undo data, then syncs
   * forward to the daemon's tip again. Returns the scripts touched.
   */
  async simulateReorg(count: number): Promise<Set<string>> {
    this.processor.flush();
    this.options.log.info(`simulating a reorg of ${count} blocks`);
    const touched = unwindBlocks(this.options.store, count);
    this.processor.discardPending();
    for (const key of await this.catchUp()) touched.add(key);
    return touched;
  }

  /** True when our tip is not on the daemon's chain (a competing block at our height, etc.). */
  async #tipIsStale(daemonHeight: number): Promise<boolean> {
    const height = this.options.store.height;
    if (height < 0) return false;
    if (height > daemonHeight) return true;
    const [theirs] = await this.options.daemon.getBlockHashes(height, 1);
    return theirs !== this.options.store.blockHash(height);
  }

  async #reorg(): Promise<Set<string>> {
    const { store, daemon, log } = this.options;
    const fork = await findForkHeight(store, daemon);
    const count = store.height - fork;
    log.info(
      `chain reorganisation: unwinding ${count} block(s) from height ${store.height} to ${fork}`,
    );
    const touched = unwindBlocks(store, count);
    this.processor.discardPending();
    return touched;
  }

  async #applyRange(from: number, to: number, touched: Set<string>): Promise<void> {
    const { daemon } = this.options;
    const source = to - from + 1 >= (this.options.workerFromBlocks ?? 16)
      ? new WorkerBlockSource(daemon, PARSER_THREADS)
      : new InlineBlockSource(daemon);
    try {
      await this.#applyDigests(source, from, to, touched);
    } finally {
      source.close();
    }
  }

  async #applyDigests(
    source: BlockSource,
    from: number,
    to: number,
    touched: Set<string>,
  ): Promise<void> {
    const { store, log, cacheMb } = this.options;
    const liveMode = !store.state.firstSync;
    // The initial sync writes on a thread of its own while the next batch is applied; the
    // batch being written and the one being applied share CACHE_MB.
    const writer = liveMode ? undefined : new FlushWriter(store, log, FLUSH_THREAD_CACHE_MB);
    this.processor.deferDiskSpends = writer !== undefined;
    try {
      for await (const block of prefetchBlocks(source, from, to)) {
        const started = performance.now();
        this.processor.advance(block, to);
        this.#bytesSinceStart += block.size;
        if (writer) {
          if (this.processor.pendingBytes >= cacheMb * MB / 2) await this.#flushWithLog(writer);
          this.#maybeLogProgress(to);
        } else {
          const advanced = performance.now();
          this.processor.flush(touched);
          const done = performance.now();
          log.info(
            `block ${block.height} ${hashToHex(block.hash)}: ${block.txCount} txs, applied in ${
              Math.round(done - started)
            } ms (commit ${Math.round(done - advanced)} ms)`,
          );
        }
        if (this.#stopping) break;
      }
      if (!writer) return;
      await this.#flushWithLog(writer);
      await writer.idle();
    } finally {
      // What the thread could not write is applied again from the index's tip.
      if (writer && await writer.close()) this.processor.discardPending();
      this.processor.deferDiskSpends = false;
    }
    if (store.height >= to && !this.#stopping) {
      const started = performance.now();
      const { historyRuns, utxoRuns } = store.runStats;
      const times = store.markSynced();
      store.checkpoint();
      log.info(
        `caught up with the daemon at height ${store.height}; ${historyRuns} history and ` +
          `${utxoRuns} UTXO runs merged into the final tables in ${
            ((performance.now() - started) / 1000).toFixed(1)
          }s (history ${times?.history.toFixed(1) ?? 0}s, unspent outputs ${
            times?.unspent.toFixed(1) ?? 0
          }s, free pages returned ${times?.vacuum.toFixed(1) ?? 0}s)`,
      );
    }
  }

  /**
   * Hands the initial sync's batch to the flush thread and logs the rate of the interval
   * since the last one, so that a slowdown shows as it happens (the thread logs the write).
   */
  async #flushWithLog(writer: FlushWriter): Promise<void> {
    const blocks = this.processor.pendingBlocks;
    if (blocks === 0) return;
    const started = performance.now();
    const txs = this.processor.txCount - this.#lastFlush.txCount;
    const interval = (started - this.#lastFlush.at) / 1000;
    await this.processor.flushTo(writer);
    const handed = performance.now();
    this.options.log.info(
      `flushing ${blocks} blocks (${txs.toLocaleString("en-US")} txs) to height ` +
        `${this.processor.height.toLocaleString("en-US")}; ${
          Math.round(txs / interval).toLocaleString("en-US")
        } tx/s since the last flush; ${
          ((handed - started) / 1000).toFixed(1)
        }s waiting for the previous one`,
    );
    // The next interval starts with this wait: its rate is what the sync achieves.
    this.#lastFlush = { at: started, txCount: this.processor.txCount };
  }

  #startProgress(): void {
    const now = performance.now();
    this.#lastFlush = { at: now, txCount: this.options.store.txCount };
    this.#progress = {
      at: now,
      height: this.processor.height,
      txCount: this.options.store.txCount,
      bytes: this.#bytesSinceStart,
      startedAt: now,
    };
  }

  #maybeLogProgress(target: number): void {
    const now = performance.now();
    const every = this.options.progressEveryMs ?? 5000;
    if (now - this.#progress.at < every) return;
    const seconds = (now - this.#progress.startedAt) / 1000;
    const height = this.processor.height;
    const blocksDone = height - this.#progress.height;
    const txs = this.processor.txCount - this.#progress.txCount;
    const blockRate = blocksDone / seconds;
    const eta = blockRate > 0 ? (target - height) / blockRate : Infinity;
    this.options.log.info(
      `height ${height.toLocaleString("en-US")} of ${target.toLocaleString("en-US")}: ` +
        `${blockRate.toFixed(1)} blocks/s, ${
          Math.round(txs / seconds).toLocaleString("en-US")
        } tx/s, ` +
        `${((this.#bytesSinceStart - this.#progress.bytes) / MB / seconds).toFixed(1)} MB/s, ` +
        `ETA ${formatEta(eta)}, RSS ${Math.round(Deno.memoryUsage().rss / MB)} MB`,
    );
    this.#progress.at = now;
  }
}

/** Seconds as `1h 02m 03s`. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "unknown";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, "0");
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : m > 0 ? `${m}m ${pad(s)}s` : `${s}s`;
}
