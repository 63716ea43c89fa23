/**
 * A small, fast, seedable PRNG for generated chains: xoshiro128** seeded through splitmix32.
 * Generating a million transactions draws about 10^8 numbers, so the generator needs a full
 * 128-bit state and integer draws without Math.random's lack of a seed.
 */

/** One step of splitmix32: turns any 32-bit value into a well-mixed one. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Deterministic pseudo-random numbers (xoshiro128**). */
export class Prng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /**
   * A generator for `seed` and optional stream labels: the same seed and labels always give the
   * same sequence, different labels give independent ones (e.g. one stream per block height).
   */
  constructor(seed: number, ...labels: number[]) {
    let mix = splitmix32(seed >>> 0 ^ Math.floor(seed / 0x1_0000_0000));
    for (const label of labels) mix = splitmix32(mix ^ splitmix32(label >>> 0));
    this.#s0 = mix = splitmix32(mix);
    this.#s1 = mix = splitmix32(mix);
    this.#s2 = mix = splitmix32(mix);
    this.#s3 = splitmix32(mix) | 1; // the all-zero state is the one to avoid
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** An integer in [0, n), for n up to 2^32. */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [min, max], both included. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /**
   * An integer in [min, max] whose logarithm is uniform: small values are common and large ones
   * still occur, as with payment amounts and the input counts of consolidations.
   */
  logUniform(min: number, max: number): number {
    return Math.min(max, Math.floor(min * (max / min) ** this.float()));
  }

  /**
   * A rank in [0, n) with Zipf-like (1/rank) probabilities: rank 0 is the most likely, and the
   * top few ranks take a large share. The continuous approximation needs one power per draw.
   */
  zipf(n: number): number {
    return Math.min(n - 1, Math.floor((n + 1) ** this.float()) - 1);
  }

  /** Fills `bytes[start, end)` (by default all of it) with random bytes; returns `bytes`. */
  fill(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const word = this.u32();
      bytes[i] = word;
      bytes[i + 1] = word >>> 8;
      bytes[i + 2] = word >>> 16;
      bytes[i + 3] = word >>> 24;
    }
    if (i < end) {
      let word = this.u32();
      for (; i < end; i++, word >>>= 8) bytes[i] = word;
    }
    return bytes;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
