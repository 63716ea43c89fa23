/**
 * Block sources for the prefetcher: fetch raw blocks and turn them into digests. The worker
 * source does both on another thread, so that on a 2-core machine reading the daemon's
 * replies, parsing and hashing (most of the work of an initial sync) overlap with the index
 * writes; the inline source does them on the calling thread, which saves starting a thread
 * for a block or two in live mode.
 */
import { DecodeError } from "../chain/bytes.ts";
import type { Daemon } from "../daemon/daemon.ts";
import { type BlockDigest, digestBlock } from "./block_digest.ts";

/** Fetched and digested blocks of one batch, in height order. */
export interface FetchedBlocks {
  /** The daemon's block hash (display hex) of each height. */
  hashes: string[];
  /** Bytes of the raw blocks. */
  bytes: number;
  digests: BlockDigest[];
}

/**
 * Fetches and digests the `count` blocks from height `first`. A block that does not parse
 * rejects with DecodeError; daemon failures reject as the daemon client's do.
 */
export interface BlockSource {
  fetch(first: number, count: number): Promise<FetchedBlocks>;
  close(): void;
}

/** Fetches through the daemon client and digests on this thread. */
export class InlineBlockSource implements BlockSource {
  constructor(readonly daemon: Daemon) {}

  async fetch(first: number, count: number): Promise<FetchedBlocks> {
    const hashes = await this.daemon.getBlockHashes(first, count);
    const raws = await this.daemon.getRawBlocks(hashes);
    let bytes = 0;
    for (const raw of raws) bytes += raw.length;
    const digests = raws.map((raw, i) => {
      try {
        return digestBlock(raw, first + i);
      } catch (error) {
        throw new DecodeError(`block at height ${first + i}: ${(error as Error).message}`);
      }
    });
    return { hashes, bytes, digests };
  }

  close(): void {}
}

interface Reply {
  id: number;
  hashes?: string[];
  digests?: BlockDigest[];
  bytes?: number;
  error?: string;
  fetchFailed?: boolean;
}

/**
 * Fetches and digests on a worker thread. If the worker's plain request fails in any way,
 * the batch is fetched again through the daemon client (with its waits, retries, failover
 * and logs) and only digested on the worker.
 */
export class WorkerBlockSource implements BlockSource {
  #workers: Worker[];
  #waiting = new Map<number, (reply: Reply) => void>();
  #nextId = 0;
  #closed = false;

  /** Batches go to `threads` workers in turn. */
  constructor(readonly daemon: Daemon, threads = 1) {
    this.#workers = Array.from({ length: threads }, () => {
      const worker = new Worker(new URL("./block_source_worker.ts", import.meta.url).href, {
        type: "module",
      });
      worker.onmessage = ({ data }: MessageEvent<Reply>) => {
        const waiter = this.#waiting.get(data.id);
        this.#waiting.delete(data.id);
        waiter?.(data);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#failAll(`block parser thread failed: ${event.message}`);
      };
      return worker;
    });
  }

  async fetch(first: number, count: number): Promise<FetchedBlocks> {
    const target = await this.daemon.client.requestTarget();
    const reply = await this.#ask({ type: "fetch", ...target, first, count }, []);
    if (!reply.fetchFailed) return this.#result(reply, reply.hashes ?? []);
    const hashes = await this.daemon.getBlockHashes(first, count);
    // Whole buffers are moved to the worker; a view into a larger one is copied out first.
    const raws = (await this.daemon.getRawBlocks(hashes)).map((raw) =>
      raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : raw.slice()
    );
    const digested = await this.#ask(
      { type: "digest", first, raws },
      raws.map((raw) => raw.buffer),
    );
    return this.#result(digested, hashes);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const worker of this.#workers) worker.terminate();
    this.#failAll("block parser is closed");
  }

  #result(reply: Reply, hashes: string[]): FetchedBlocks {
    if (reply.digests) return { hashes, bytes: reply.bytes ?? 0, digests: reply.digests };
    throw new DecodeError(reply.error ?? "block parser failed");
  }

  #ask(message: Record<string, unknown>, transfer: ArrayBufferLike[]): Promise<Reply> {
    if (this.#closed) return Promise.resolve({ id: -1, error: "block parser is closed" });
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve) => this.#waiting.set(id, resolve));
    this.#workers[id % this.#workers.length].postMessage(
      { ...message, id },
      transfer as ArrayBuffer[],
    );
    return reply;
  }

  #failAll(error: string): void {
    for (const [id, waiter] of this.#waiting) waiter({ id, error });
    this.#waiting.clear();
  }
}
