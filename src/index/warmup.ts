/**
 * Compiles the live-block path before the first real block needs it. V8 runs code in its
 * interpreter until the code has run enough to be optimised: on the 1M-tx benchmark chain the
 * first 3,000-tx block after a start took 272 ms to apply (200 ms of it the commit), the next
 * ones 189 and 134 ms, the fourth 61 ms (measured). A server starts already synced, so its
 * first block is the first time that code runs. Applying a few synthetic blocks of that size
 * to a throwaway index in a temporary directory runs the same code (block processor, journal,
 * its overlay, the merge) at startup instead, where it costs a few hundred milliseconds once.
 */
import { HASHX_LENGTH } from "../chain/script.ts";
import { sha256d } from "../chain/hash.ts";
import type { Network } from "../chain/networks.ts";
import type { BlockDigest } from "./block_digest.ts";
import { BlockProcessor } from "./block_processor.ts";
import { IndexStore } from "./store.ts";

/** Fills `bytes` with pseudo-random bytes (xorshift32): distinct txids and hashXs. */
function fillRandom(bytes: Uint8Array, seed: number): void {
  let state = seed | 1;
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state;
  }
}

/**
 * A block of `txCount` transactions on top of `previous`: each pays two outputs, and each
 * but the coinbase spends output 0 of the same transaction of `previous` (when given).
 */
function syntheticBlock(
  height: number,
  txCount: number,
  prevHash: Uint8Array,
  previous: BlockDigest | undefined,
): BlockDigest {
  const header = new Uint8Array(80);
  header.set(prevHash, 4);
  new DataView(header.buffer).setUint32(76, height, true);
  const txids = new Uint8Array(32 * txCount);
  fillRandom(txids, height * 7919 + 1);
  const spenders = previous ? txCount - 1 : 0;
  const inputTx = Uint32Array.from({ length: spenders }, (_, i) => i + 1);
  const inputPrevTxid = previous ? previous.txids.slice(32, 32 * txCount) : new Uint8Array(0);
  const outputs = 2 * txCount;
  const outputHashX = new Uint8Array(HASHX_LENGTH * outputs);
  fillRandom(outputHashX, height * 104729 + 3);
  // Some scripts are paid again and again, as addresses are reused.
  for (let i = 0; i < outputs; i += 10) outputHashX.copyWithin(i * HASHX_LENGTH, 0, HASHX_LENGTH);
  return {
    height,
    hash: sha256d(header),
    header,
    size: 500 * txCount,
    txCount,
    txids,
    inputTx,
    inputPrevTxid,
    inputPrevVout: new Uint32Array(spenders),
    outputTx: Uint32Array.from({ length: outputs }, (_, i) => i >> 1),
    outputVout: Uint32Array.from({ length: outputs }, (_, i) => i & 1),
    outputHashX,
    outputValue: Float64Array.from({ length: outputs }, (_, i) => 1000 + i),
  };
}

/**
 * Applies `blocks` synthetic live blocks of `txCount` transactions to a throwaway index (in a
 * temporary directory, removed after); returns how long it took and the transactions applied.
 */
export async function warmLiveBlockPath(
  network: Network,
  { blocks = 4, txCount = 3000 } = {},
): Promise<{ milliseconds: number; transactions: number }> {
  const started = performance.now();
  let transactions = 0;
  const directory = await Deno.makeTempDir({ prefix: "electrumx-warmup-" });
  try {
    const store = IndexStore.open(directory, network, { cacheMb: 16 });
    try {
      const processor = new BlockProcessor(store, { reorgLimit: blocks });
      let block = syntheticBlock(0, 1, new Uint8Array(32), undefined);
      processor.advance(block, 0);
      processor.flush();
      store.markSynced();
      for (let height = 1; height <= blocks; height++) {
        block = syntheticBlock(height, txCount, block.hash, height > 1 ? block : undefined);
        processor.advance(block, height);
        processor.flush(new Set());
        // Half the blocks then spend from the tables, half from the journal.
        if (height % 2 === 0) store.mergeJournal();
      }
      transactions = store.txCount;
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
  return { milliseconds: performance.now() - started, transactions };
}
