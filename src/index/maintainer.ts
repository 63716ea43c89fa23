/**
 * Index upkeep on a worker thread with its own connection to the index file: merging the live
 * journal into the tables (journal.ts) and WAL checkpoints. After a 3,000-tx block each takes
 * 100-300 ms; on the indexer's thread that would hold up every request, here it runs on
 * another core meanwhile (in WAL mode one connection writes while another reads).
 *
 * The indexer must not write while a merge runs (SQLite has one writer; its busy wait would
 * block the indexer's thread): it awaits {@link IndexMaintainer.idle} first.
 */
import type { Logger } from "../log.ts";
import type { MergeResult } from "./journal.ts";

/** What one round did. */
export interface MaintenanceResult {
  merged: MergeResult;
  mergeMs: number;
  /** The checkpoint copied the whole WAL into the database and emptied it. */
  walTruncated: boolean;
}

type Reply = { result: MaintenanceResult } | { error: string } | { closed: true };

/** Runs merge-then-checkpoint rounds for one database file, one at a time. */
export class IndexMaintainer {
  readonly #worker: Worker;
  #current?: Promise<MaintenanceResult>;
  #next?: Promise<MaintenanceResult>;
  /** Journal entries the next round merges, up to this sequence number. */
  #mergeThrough = 0;
  #reply?: (reply: Reply) => void;
  #closed = false;

  constructor(readonly path: string, readonly log: Logger) {
    this.#worker = new Worker(new URL("./maintenance_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = ({ data }: MessageEvent<Reply>) => this.#reply?.(data);
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#reply?.({ error: `maintenance thread failed: ${event.message}` });
    };
  }

  /**
   * Asks for a round: merge the journal entries up to `mergeThrough` (0: none), then
   * checkpoint everything committed. Requests made while a round runs share the one after
   * it, which merges up to the highest number asked for. Failures are logged (the next block
   * asks again) and reject.
   */
  request(mergeThrough = 0): Promise<MaintenanceResult> {
    if (this.#closed) return Promise.reject(new Error("maintainer is closed"));
    this.#mergeThrough = Math.max(this.#mergeThrough, mergeThrough);
    if (!this.#current) return this.#current = this.#run();
    this.#next ??= this.#current.catch(() => undefined).then(() => {
      this.#next = undefined;
      return this.#current = this.#run();
    });
    return this.#next;
  }

  /** Resolves once no round is running or asked for. */
  async idle(): Promise<void> {
    while (this.#current || this.#next) {
      await (this.#next ?? this.#current)?.catch(() => undefined);
    }
  }

  /** Waits for the rounds asked for, then closes the thread's connection and the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.idle();
    await this.#ask({ type: "close" });
    this.#worker.terminate();
  }

  async #run(): Promise<MaintenanceResult> {
    const started = performance.now();
    const mergeThrough = this.#mergeThrough;
    this.#mergeThrough = 0;
    try {
      const reply = await this.#ask({ type: "maintain", path: this.path, mergeThrough });
      if ("error" in reply) throw new Error(reply.error);
      if (!("result" in reply)) throw new Error("maintenance thread closed");
      const { merged, mergeMs, walTruncated } = reply.result;
      this.log.debug(
        `merged ${merged.blocks} journaled blocks in ${Math.round(mergeMs)} ms; checkpoint ` +
          `${walTruncated ? "done" : "partial (readers of older snapshots)"}; ${
            Math.round(performance.now() - started)
          } ms in all`,
      );
      return reply.result;
    } catch (error) {
      // What was not merged is merged by a later round.
      this.#mergeThrough = Math.max(this.#mergeThrough, mergeThrough);
      this.log.warning(`index maintenance failed: ${(error as Error).message}`);
      throw error;
    } finally {
      if (!this.#next) this.#current = undefined;
    }
  }

  #ask(message: Record<string, unknown>): Promise<Reply> {
    return new Promise((resolve) => {
      this.#reply = resolve;
      this.#worker.postMessage(message);
    });
  }
}
