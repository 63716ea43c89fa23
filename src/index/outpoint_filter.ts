/**
 * A Bloom filter of the outpoints (txid prefix, output index) a UTXO run holds, so that a spend
 * looks its output up only in the runs that may have it instead of descending into every run's
 * B-tree (sync_runs.ts). That descent was most of the cost of a spend from disk: with a dozen
 * runs, a dozen statements per input.
 *
 * Blocked: each key sets its bits inside one 64-byte block, so a probe touches one cache line.
 * At 12 bits per key and 7 bits set, about 1.5% of probes of absent keys answer "maybe".
 */

const BITS_PER_KEY = 12;
const BITS_SET = 7;
/** 16 words of 32 bits: one cache line. */
const WORDS_PER_BLOCK = 16;

/** The filter's bits, as stored and as sent between threads. */
export type OutpointFilterBits = Uint32Array;

/**
 * Two 32-bit hashes of an outpoint. The prefix is 48 bits of a txid, random already; the output
 * index is mixed in, and the top 16 bits feed the second hash.
 */
function blockHash(prefix: number, vout: number): number {
  const low = prefix >>> 0;
  return (low ^ Math.imul(vout + 1, 0x9e3779b1)) >>> 0;
}

function bitsHash(prefix: number, vout: number, block: number): number {
  const high = Math.floor(prefix / 0x100000000);
  const mixed = Math.imul(block ^ (high << 11) ^ vout, 0x85ebca6b);
  return (mixed ^ (mixed >>> 15)) >>> 0;
}

export class OutpointFilter {
  readonly bits: OutpointFilterBits;
  readonly #blocks: number;

  /** An empty filter sized for `keys` keys, or the filter of stored `bits`. */
  constructor(keysOrBits: number | OutpointFilterBits) {
    if (typeof keysOrBits === "number") {
      const blocks = Math.max(1, Math.ceil((keysOrBits * BITS_PER_KEY) / (WORDS_PER_BLOCK * 32)));
      this.bits = new Uint32Array(blocks * WORDS_PER_BLOCK);
    } else {
      this.bits = keysOrBits;
    }
    this.#blocks = this.bits.length / WORDS_PER_BLOCK;
  }

  add(prefix: number, vout: number): void {
    this.#probe(prefix, vout, true);
  }

  /** False when the run certainly does not hold the outpoint. */
  mayHave(prefix: number, vout: number): boolean {
    return this.#probe(prefix, vout, false);
  }

  /** Visits the key's bits (double hashing inside its block), setting them or testing them. */
  #probe(prefix: number, vout: number, set: boolean): boolean {
    const hash = blockHash(prefix, vout);
    const base = (hash % this.#blocks) * WORDS_PER_BLOCK;
    const first = bitsHash(prefix, vout, hash);
    const step = (first >>> 9) | 1;
    for (let i = 0; i < BITS_SET; i++) {
      const bit = (first + i * step) & 511;
      const word = base + (bit >>> 5);
      const mask = 1 << (bit & 31);
      if (set) this.bits[word] |= mask;
      else if ((this.bits[word] & mask) === 0) return false;
    }
    return true;
  }
}
