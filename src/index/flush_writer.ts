/**
 * The initial sync's flushes on a thread of their own, so that writing one batch overlaps
 * applying the next. Per flush the thread (flush_worker.ts) commits the batch's runs and
 * blocks (sync_runs.ts, three transactions as ever), then merges runs as due; the indexer's
 * store adopts each step, and the merged runs' tables are dropped only once it has stopped
 * reading them:
 *
 *   flush → committed: store.adoptCommitted() (new tip, new runs); the processor stops
 *                      looking outputs up in the batch it handed over
 *   merge → merged:    store.adoptCommitted() (the merged runs)
 *   release → done:    the merged-away tables dropped, WAL checkpointed
 *
 * One flush at a time: the next waits for the previous one's steps. SQLite has one writer
 * per file, and the indexer writes nothing while the sync runs.
 */
import type { Logger } from "../log.ts";
import { releaseFreedMemory } from "../memory_trim.ts";
import { type FlushPayload, payloadBuffers } from "./flush_payload.ts";
import type { IndexStore } from "./store.ts";
import type { RunStats } from "./sync_runs.ts";

type Reply = {
  ok: true;
  seconds: number;
  /** The flush's lookups of deferred spends, included in `seconds`. */
  lookups: { count: number; seconds: number };
  runs?: RunStats;
} | { error: string };
type Done = Extract<Reply, { ok: true }>;

export class FlushWriter {
  readonly #worker: Worker;
  #reply?: (reply: Reply) => void;
  /** The flush in progress, through all its steps. */
  #current: Promise<void> = Promise.resolve();
  #failure: Error | undefined;
  #opened: Promise<unknown>;

  constructor(readonly store: IndexStore, readonly log: Logger, cacheMb: number) {
    this.#worker = new Worker(new URL("./flush_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = ({ data }: MessageEvent<Reply>) => this.#reply?.(data);
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#reply?.({ error: `flush thread failed: ${event.message}` });
    };
    const directory = store.path.replace(/\/[^/]*$/, "");
    this.#opened = this.#ask(
      { type: "open", directory, network: store.network.name, cacheMb },
    );
    // A failure to open surfaces at the first write.
    this.#opened.catch(() => undefined);
  }

  /**
   * Hands a flush over once the previous one is through; `onCommitted` runs once its blocks
   * are in the index and the store has adopted them. Rejects with an earlier flush's failure;
   * this one's surfaces in {@link idle} and the next call.
   */
  async write(payload: FlushPayload, onCommitted: () => void): Promise<void> {
    await this.idle();
    await this.#opened;
    const blocks = payload.blocks.length;
    const txs = payload.txids.length / 32;
    const flush = this.#ask({ type: "flush", payload }, payloadBuffers(payload));
    this.#current = flush.then(async (written) => {
      this.store.adoptCommitted();
      onCommitted();
      const merged = await this.#ask({ type: "merge" });
      this.store.adoptCommitted();
      const released = await this.#ask({ type: "release" });
      // The batch's buffers, freed across threads, are otherwise kept by the allocator.
      releaseFreedMemory();
      const runs = merged.runs!;
      this.log.info(
        `wrote ${blocks} blocks (${txs.toLocaleString("en-US")} txs) to height ` +
          `${this.store.height.toLocaleString("en-US")} in ${
            (written.seconds + merged.seconds + released.seconds).toFixed(1)
          }s on the flush thread (${
            written.lookups.count.toLocaleString("en-US")
          } spends looked up ${written.lookups.seconds.toFixed(1)}s, runs and blocks ${
            (written.seconds - written.lookups.seconds).toFixed(1)
          }s, merges ` +
          `${merged.seconds.toFixed(1)}s of ${runs.mergedRows.toLocaleString("en-US")} rows, ` +
          `checkpoint ${released.seconds.toFixed(1)}s); runs: ${runs.historyRuns} history, ` +
          `${runs.utxoRuns} UTXO`,
      );
    });
    this.#current.catch((error) => {
      this.#failure ??= error;
      this.log.error(`flush failed: ${(error as Error).message}`);
    });
  }

  /** Resolves once no flush is in progress; rejects if one failed. */
  async idle(): Promise<void> {
    await this.#current.catch(() => undefined);
    if (this.#failure) throw this.#failure;
  }

  /** Waits for the flush in progress, then ends the thread; returns a flush's failure. */
  async close(): Promise<Error | undefined> {
    await this.#current.catch(() => undefined);
    await this.#ask({ type: "close" }).catch(() => undefined);
    this.#worker.terminate();
    return this.#failure;
  }

  async #ask(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Done> {
    const reply = await new Promise<Reply>((resolve) => {
      this.#reply = resolve;
      this.#worker.postMessage(message, transfer);
    });
    if ("error" in reply) throw new Error(reply.error);
    return reply;
  }
}
