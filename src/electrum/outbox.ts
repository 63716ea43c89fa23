/**
 * A session's outgoing queue: messages are written in order, as many per write as are
 * waiting, one write at a time. The amount waiting tells the session when to stop reading
 * (a client that does not read its answers is paused until they drain).
 */
import type { Connection, OutgoingMessage } from "./connection.ts";

/** Above this many queued bytes the session stops reading requests. */
export const HIGH_WATER = 512 * 1024;
/** Reading resumes once the queue is down to this. */
export const LOW_WATER = 64 * 1024;

interface DrainWaiter {
  below: number;
  resolve: () => void;
}

/** Ordered writer over a {@link Connection}. */
export class Outbox {
  #queue: OutgoingMessage[] = [];
  #queuedBytes = 0;
  #writing = false;
  #failed = false;
  #waiters: DrainWaiter[] = [];
  /** When the write in flight started or last made progress; undefined when none is. */
  #progressAt: number | undefined;

  /**
   * @param onFailure called once when a write fails or is abandoned (the session aborts)
   */
  constructor(
    readonly connection: Connection,
    readonly onFailure: (error: Error) => void,
  ) {}

  /** How long the write in flight has gone without the peer taking any of it (0 if none). */
  stalledMs(now: number): number {
    return this.#progressAt === undefined ? 0 : now - this.#progressAt;
  }

  /** Gives up on writing: queued messages are dropped and `onFailure` is called. */
  fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#notify();
    this.onFailure(error);
  }

  /** Bytes queued or being written. */
  get buffered(): number {
    return this.#queuedBytes;
  }

  /**
   * Queues a message of `bytes` bytes. Writing starts once the current task yields, so
   * messages queued together (a notification round's header and statuses for one session,
   * the answers of a batch) go out in one write.
   */
  push(message: OutgoingMessage, bytes: number): void {
    if (this.#failed) return;
    this.#queue.push(message);
    this.#queuedBytes += bytes;
    if (!this.#writing) {
      this.#writing = true;
      queueMicrotask(() => this.#pump());
    }
  }

  /** Resolves once at most `below` bytes are waiting (or writing failed). */
  drained(below = 0): Promise<void> {
    if (this.#queuedBytes <= below || this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ below, resolve }));
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#failed) {
        const batch = this.#queue;
        const bytes = this.#queuedBytes;
        this.#queue = [];
        this.#progressAt = performance.now();
        try {
          await this.connection.write(batch, () => this.#progressAt = performance.now());
        } catch (error) {
          this.fail(error as Error);
          return;
        } finally {
          this.#progressAt = undefined;
        }
        // Abandoned meanwhile (a stalled write given up on): the counts were reset.
        if (this.#failed) return;
        this.#queuedBytes -= bytes;
        this.#notify();
      }
    } finally {
      this.#writing = false;
    }
  }

  #notify(): void {
    if (this.#waiters.length === 0) return;
    const still: DrainWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (this.#queuedBytes <= waiter.below || this.#failed) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }
}
