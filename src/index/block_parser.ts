/**
 * Turns raw blocks into digests on another thread, so that on a 2-core machine parsing and
 * hashing (about half the work of an initial sync) overlap with the index writes. Digests
 * come back in the order blocks were submitted.
 */
import { DecodeError } from "../chain/bytes.ts";
import type { BlockDigest } from "./block_digest.ts";

interface Reply {
  id: number;
  digest?: BlockDigest;
  error?: string;
}

/** A worker thread digesting blocks; close() it when done. */
export class BlockParser {
  #worker = new Worker(new URL("./block_parser_worker.ts", import.meta.url).href, {
    type: "module",
  });
  #waiting = new Map<number, { resolve(digest: BlockDigest): void; reject(e: Error): void }>();
  #nextId = 0;
  #closed = false;

  constructor() {
    this.#worker.onmessage = ({ data }: MessageEvent<Reply>) => {
      const waiter = this.#waiting.get(data.id);
      if (!waiter) return;
      this.#waiting.delete(data.id);
      if (data.digest) waiter.resolve(data.digest);
      else waiter.reject(new DecodeError(data.error ?? "block parser failed"));
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#failAll(new Error(`block parser thread failed: ${event.message}`));
    };
  }

  /** Digests `raw` (the block at `height`); the bytes are moved to the worker, not copied. */
  digest(raw: Uint8Array, height: number): Promise<BlockDigest> {
    if (this.#closed) return Promise.reject(new Error("block parser is closed"));
    const id = this.#nextId++;
    const result = new Promise<BlockDigest>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
    });
    // A view into a larger buffer is copied out; a whole buffer is transferred.
    const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength
      ? raw
      : raw.slice();
    this.#worker.postMessage({ id, height, raw: own }, [own.buffer as ArrayBuffer]);
    return result;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.terminate();
    this.#failAll(new Error("block parser is closed"));
  }

  #failAll(error: Error): void {
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }
}
