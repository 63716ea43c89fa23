/**
 * Fetches blocks ahead of the block processor and has them digested as they arrive, so the
 * daemon's work, parsing and index writes overlap: batched getblockhash + getblock calls,
 * sized by recent block sizes, with a bounded number of bytes in flight.
 */
import { hashToHex } from "../chain/bytes.ts";
import type { Daemon } from "../daemon/daemon.ts";
import type { BlockDigest } from "./block_digest.ts";

/** Digests a raw block; rejects if it is not a valid block. */
export type Digester = (raw: Uint8Array, height: number) => Promise<BlockDigest>;

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

/** Digests one fetched block and checks it is the block the daemon named for its height. */
async function checkedDigest(
  digest: Digester,
  raw: Uint8Array,
  height: number,
  hash: string,
): Promise<BlockDigest> {
  let block: BlockDigest;
  try {
    block = await digest(raw, height);
  } catch (error) {
    throw new BadBlockError(
      `daemon sent an unparsable block at height ${height}: ${(error as Error).message}`,
    );
  }
  const got = hashToHex(block.hash);
  if (got !== hash) {
    throw new BadBlockError(`daemon sent block ${got} for height ${height}, expected ${hash}`);
  }
  return block;
}

/**
 * Yields the digests of blocks `from..to` in order. Up to `targetBytes` of blocks are
 * requested ahead of the consumer, and each is handed to `digest` as soon as it arrives; the
 * first batch is small so the first block arrives quickly.
 */
export async function* prefetchBlocks(
  daemon: Daemon,
  digest: Digester,
  from: number,
  to: number,
  options: PrefetchOptions = {},
): AsyncGenerator<BlockDigest> {
  const targetBytes = options.targetBytes ?? 32 * 1024 * 1024;
  const maxBatch = options.maxBatch ?? 500;
  let averageSize = 0;
  let next = from;
  const pending: Promise<{ bytes: number; digests: Promise<BlockDigest>[] }>[] = [];
  let bytesAhead = 0;

  function request(): void {
    const perBatch = averageSize === 0 ? 4 : Math.floor(targetBytes / 4 / averageSize);
    const count = Math.max(1, Math.min(maxBatch, perBatch, to - next + 1));
    const first = next;
    next += count;
    bytesAhead += count * (averageSize || 1);
    const batch = (async () => {
      const hashes = await daemon.getBlockHashes(first, count);
      const raws = await daemon.getRawBlocks(hashes);
      let bytes = 0;
      for (const raw of raws) bytes += raw.length;
      const digests = raws.map((raw, i) => checkedDigest(digest, raw, first + i, hashes[i]));
      for (const result of digests) result.catch(() => {}); // surfaced when awaited below
      return { bytes, digests };
    })();
    batch.catch(() => {}); // surfaced when awaited below
    pending.push(batch);
  }

  try {
    while (next <= to || pending.length > 0) {
      while (
        next <= to && (pending.length === 0 || bytesAhead < targetBytes) && pending.length < 8
      ) {
        request();
      }
      const batch = await pending.shift()!;
      const count = batch.digests.length;
      averageSize = averageSize === 0
        ? batch.bytes / count
        : averageSize * 0.8 + (batch.bytes / count) * 0.2;
      bytesAhead = Math.max(0, bytesAhead - count * averageSize);
      for (const result of batch.digests) yield await result;
    }
  } finally {
    // Stop waiting on requests the consumer no longer wants.
    pending.length = 0;
  }
}
