/**
 * Fetches raw blocks ahead of the block processor, so parsing and writing overlap with the
 * daemon's work: batched getblockhash + getblock calls, sized by recent block sizes, with a
 * bounded number of bytes in flight.
 */
import type { Daemon } from "../daemon/daemon.ts";

/** A fetched block, not yet parsed. */
export interface RawBlock {
  height: number;
  /** Display hex, as the daemon reported it for this height. */
  hash: string;
  raw: Uint8Array;
}

export interface PrefetchOptions {
  /** Bytes of raw blocks to keep fetched ahead. */
  targetBytes?: number;
  /** Most blocks in one batch. */
  maxBatch?: number;
}

/**
 * Yields blocks `from..to` in order. Up to `targetBytes` of blocks are requested ahead of the
 * consumer; the first batch is small so the first block arrives quickly.
 */
export async function* prefetchBlocks(
  daemon: Daemon,
  from: number,
  to: number,
  options: PrefetchOptions = {},
): AsyncGenerator<RawBlock> {
  const targetBytes = options.targetBytes ?? 32 * 1024 * 1024;
  const maxBatch = options.maxBatch ?? 500;
  let averageSize = 0;
  let next = from;
  const pending: Promise<RawBlock[]>[] = [];
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
      return raws.map((raw, i) => ({ height: first + i, hash: hashes[i], raw }));
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
      let batchBytes = 0;
      for (const block of batch) batchBytes += block.raw.length;
      averageSize = averageSize === 0
        ? batchBytes / batch.length
        : averageSize * 0.8 + (batchBytes / batch.length) * 0.2;
      bytesAhead = Math.max(0, bytesAhead - batch.length * averageSize);
      yield* batch;
    }
  } finally {
    // Stop waiting on requests the consumer no longer wants.
    pending.length = 0;
  }
}
