/**
 * Fetches blocks ahead of the block processor and has them digested as they arrive, so the
 * daemon's work, parsing and index writes overlap: batched getblockhash + getblock calls,
 * sized by recent block sizes, with a bounded number of bytes in flight.
 */
import { DecodeError, hashToHex } from "../chain/bytes.ts";
import type { BlockDigest } from "./block_digest.ts";
import type { BlockSource, FetchedBlocks } from "./block_source.ts";

/** A block that does not parse, or is not the block the daemon named for its height. */
export class BadBlockError extends Error {
  override name = "BadBlockError";
}

export interface PrefetchOptions {
  /** Bytes of raw blocks to keep fetched ahead. */
  targetBytes?: number;
  /** Most blocks in one batch. */
  maxBatch?: number;
}

/** Fetches a batch and checks each block is the one the daemon named for its height. */
async function fetchChecked(
  source: BlockSource,
  first: number,
  count: number,
): Promise<FetchedBlocks> {
  let fetched: FetchedBlocks;
  try {
    fetched = await source.fetch(first, count);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    throw new BadBlockError(`daemon sent an unparsable block: ${error.message}`);
  }
  fetched.digests.forEach((block, i) => {
    const got = hashToHex(block.hash);
    if (got !== fetched.hashes[i]) {
      throw new BadBlockError(
        `daemon sent block ${got} for height ${first + i}, expected ${fetched.hashes[i]}`,
      );
    }
  });
  return fetched;
}

/**
 * Yields the digests of blocks `from..to` in order. Up to `targetBytes` of blocks are
 * requested ahead of the consumer; the first batch is small so the first block arrives
 * quickly.
 */
export async function* prefetchBlocks(
  source: BlockSource,
  from: number,
  to: number,
  options: PrefetchOptions = {},
): AsyncGenerator<BlockDigest> {
  const targetBytes = options.targetBytes ?? 64 * 1024 * 1024;
  const maxBatch = options.maxBatch ?? 500;
  let averageSize = 0;
  let next = from;
  const pending: Promise<FetchedBlocks>[] = [];
  let bytesAhead = 0;

  function request(): void {
    const perBatch = averageSize === 0 ? 4 : Math.floor(targetBytes / 8 / averageSize);
    const count = Math.max(1, Math.min(maxBatch, perBatch, to - next + 1));
    const first = next;
    next += count;
    bytesAhead += count * (averageSize || 1);
    const batch = fetchChecked(source, first, count);
    batch.catch(() => {}); // surfaced when awaited below
    pending.push(batch);
  }

  try {
    while (next <= to || pending.length > 0) {
      while (
        next <= to && (pending.length === 0 || bytesAhead < targetBytes) && pending.length < 16
      ) {
        request();
      }
      const batch = await pending.shift()!;
      const count = batch.digests.length;
      averageSize = averageSize === 0
        ? batch.bytes / count
        : averageSize * 0.8 + (batch.bytes / count) * 0.2;
      bytesAhead = Math.max(0, bytesAhead - count * averageSize);
      yield* batch.digests;
    }
  } finally {
    // Stop waiting on requests the consumer no longer wants.
    pending.length = 0;
  }
}
