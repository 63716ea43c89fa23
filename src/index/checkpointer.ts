/**
 * WAL checkpoints on a worker thread with its own connection to the index file. In live mode
 * the WAL is copied back into the database after every block, about 200 ms for a 3,000-tx
 * block: on the indexer's thread that would hold up every request; here it runs on another
 * core meanwhile (in WAL mode one connection checkpoints while another reads and writes).
 */
import type { Logger } from "../log.ts";

/** What a checkpoint did: frames in the WAL and frames copied into the database. */
export interface CheckpointResult {
  walFrames: number;
  checkpointedFrames: number;
}

type Reply = { result: CheckpointResult } | { error: string } | { closed: true };

/** Runs PASSIVE checkpoints of one database file in the background, one at a time. */
export class BackgroundCheckpointer {
  readonly #worker: Worker;
  #current?: Promise<CheckpointResult>;
  #next?: Promise<CheckpointResult>;
  #reply?: (reply: Reply) => void;
  #closed = false;

  constructor(readonly path: string, readonly log: Logger) {
    this.#worker = new Worker(new URL("./checkpoint_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = ({ data }: MessageEvent<Reply>) => this.#reply?.(data);
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#reply?.({ error: `checkpoint thread failed: ${event.message}` });
    };
  }

  /**
   * Asks for a checkpoint of everything committed so far. Requests made while one runs share
   * the one after it. Failures are logged (the next block asks again) and reject.
   */
  request(): Promise<CheckpointResult> {
    if (this.#closed) return Promise.reject(new Error("checkpointer is closed"));
    if (!this.#current) return this.#current = this.#run();
    this.#next ??= this.#current.catch(() => undefined).then(() => {
      this.#next = undefined;
      return this.#current = this.#run();
    });
    return this.#next;
  }

  /** Waits for the checkpoints asked for, then closes the thread's connection and the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await (this.#next ?? this.#current)?.catch(() => undefined);
    await this.#ask({ type: "close" });
    this.#worker.terminate();
  }

  async #run(): Promise<CheckpointResult> {
    const started = performance.now();
    try {
      const reply = await this.#ask({ type: "checkpoint", path: this.path });
      if ("error" in reply) throw new Error(reply.error);
      if (!("result" in reply)) throw new Error("checkpoint thread closed");
      const { walFrames, checkpointedFrames } = reply.result;
      this.log.debug(
        `checkpoint: ${checkpointedFrames} of ${walFrames} WAL frames in ${
          Math.round(performance.now() - started)
        } ms`,
      );
      return reply.result;
    } catch (error) {
      this.log.warning(`WAL checkpoint failed: ${(error as Error).message}`);
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
