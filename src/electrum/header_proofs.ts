/**
 * Checkpoint proofs of headers (`cp_height`): the merkle branch of a block hash in the tree
 * over the block hashes of heights 0..cp_height. Computing it from scratch hashes the whole
 * chain, so, as ElectrumX does, the tree is cut at a fixed depth: the roots of complete
 * chunks of 2^depth headers are cached and a proof hashes one chunk plus the level of chunk
 * roots. Cached chunks near the tip are re-checked against the store, so reorgs are safe.
 */
import { sha256d } from "../chain/hash.ts";
import type { IndexStore } from "../index/store.ts";
import { branchFromLevels, merkleLevels, merkleParents } from "./caches.ts";

/** A branch and root, internal byte order. */
export interface HeaderProof {
  branch: Uint8Array[];
  root: Uint8Array;
}

interface ChunkRoot {
  root: Uint8Array;
  /** Hash of the chunk's last header, to detect a reorg through it. */
  lastHash: Uint8Array;
}

/** Cached chunk roots and proofs from them. */
export class HeaderProofs {
  readonly chunkSize: number;
  #chunks: ChunkRoot[] = [];
  #filling?: Promise<void>;

  /**
   * @param reorgLimit cached chunks whose last height is within this of the tip are verified
   *   before use
   */
  constructor(readonly store: IndexStore, readonly reorgLimit: number, readonly depth = 10) {
    this.chunkSize = 2 ** depth;
  }

  /** Chunk roots cached. */
  get cachedChunks(): number {
    return this.#chunks.length;
  }

  #leaves(start: number, count: number): Uint8Array[] {
    return this.store.headers(start, count).map((header) => sha256d(header));
  }

  /** Drops cached chunks that a reorg may have changed. */
  #verifyTail(): void {
    const tip = this.store.height;
    const firstSuspect = Math.max(0, Math.floor((tip - this.reorgLimit) / this.chunkSize));
    for (let j = firstSuspect; j < this.#chunks.length; j++) {
      const lastHeight = (j + 1) * this.chunkSize - 1;
      const header = lastHeight <= tip ? this.store.header(lastHeight) : undefined;
      const hash = header ? sha256d(header) : undefined;
      if (!hash || !sameBytes(hash, this.#chunks[j].lastHash)) {
        this.#chunks.length = j;
        return;
      }
    }
  }

  /**
   * Caches chunk roots up to `count` chunks, yielding to the event loop between chunks so a
   * first build on a long chain does not stall the server. One fill runs at a time.
   */
  async fill(count: number): Promise<void> {
    this.#verifyTail();
    while (this.#chunks.length < count) {
      const before = this.#chunks.length;
      this.#filling ??= this.#fillSome(count).finally(() => (this.#filling = undefined));
      await this.#filling;
      if (this.#chunks.length <= before) return;
    }
  }

  /** Computes the next chunk root; false when the store does not have the whole chunk. */
  #addChunk(): boolean {
    const j = this.#chunks.length;
    const leaves = this.#leaves(j * this.chunkSize, this.chunkSize);
    if (leaves.length < this.chunkSize) return false;
    const levels = merkleLevels(leaves);
    this.#chunks.push({ root: levels[levels.length - 1][0], lastHash: leaves[leaves.length - 1] });
    return true;
  }

  async #fillSome(count: number): Promise<void> {
    while (this.#chunks.length < count) {
      if (!this.#addChunk()) return;
      if (this.#chunks.length % 8 === 0) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        this.#verifyTail();
      }
    }
  }

  /** Fills the cache for the current tip (e.g. at start-up, in the background). */
  warm(): Promise<void> {
    return this.fill(Math.floor((this.store.height + 1) / this.chunkSize));
  }

  /** The proof of the header at `height` against heights 0..`cpHeight` (height <= cpHeight). */
  async proof(height: number, cpHeight: number): Promise<HeaderProof> {
    const n = cpHeight + 1;
    if (n <= this.chunkSize) {
      const levels = merkleLevels(this.#leaves(0, n));
      return { branch: branchFromLevels(levels, height), root: levels[levels.length - 1][0] };
    }
    const complete = Math.floor(n / this.chunkSize);
    await this.fill(complete);
    // The store may have moved while filling: check again, synchronously from here on.
    this.#verifyTail();
    while (this.#chunks.length < complete) {
      if (!this.#addChunk()) throw new RangeError(`no headers for checkpoint ${cpHeight}`);
    }
    const chunk = height >> this.depth;
    const start = chunk * this.chunkSize;
    // The branch inside the target's chunk, carried up exactly `depth` levels (a partial last
    // chunk keeps duplicating its last node, as the whole tree does).
    let level = this.#leaves(start, Math.min(n, start + this.chunkSize) - start);
    let position = height - start;
    const branch: Uint8Array[] = [];
    for (let i = 0; i < this.depth; i++) {
      branch.push(level[position ^ 1] ?? level[position]);
      level = merkleParents(level);
      position >>= 1;
    }
    const roots = this.#chunks.slice(0, complete).map((c) => c.root);
    if (complete * this.chunkSize < n) {
      if (chunk === complete) {
        roots.push(level[0]);
      } else {
        let partial = this.#leaves(complete * this.chunkSize, n - complete * this.chunkSize);
        for (let i = 0; i < this.depth; i++) partial = merkleParents(partial);
        roots.push(partial[0]);
      }
    }
    const upper = merkleLevels(roots);
    return {
      branch: [...branch, ...branchFromLevels(upper, chunk)],
      root: upper[upper.length - 1][0],
    };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
