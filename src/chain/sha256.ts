/**
 * SHA-256 in TypeScript, for the small inputs of the indexing hot loop (scripts, txids of
 * ordinary transactions, 64-byte merkle nodes): a call into node:crypto costs about 3 µs of
 * overhead whatever the size, more than hashing a few hundred bytes here. Large inputs should
 * still go to node:crypto, which is faster per byte.
 */

import { smallBytes } from "./bytes.ts";

const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** Initial chaining state (FIPS 180-4). */
export const INITIAL_STATE = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

/** Message schedule and chaining state, reused across calls (hashing is synchronous). */
const W = new Int32Array(64);
const STATE = new Int32Array(8);
const BLOCK = new Uint8Array(64);

function compress(bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + 4 * i;
    W[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15];
    const w2 = W[i - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = STATE[0], b = STATE[1], c = STATE[2], d = STATE[3];
  let e = STATE[4], f = STATE[5], g = STATE[6], h = STATE[7];
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  STATE[0] = (STATE[0] + a) | 0;
  STATE[1] = (STATE[1] + b) | 0;
  STATE[2] = (STATE[2] + c) | 0;
  STATE[3] = (STATE[3] + d) | 0;
  STATE[4] = (STATE[4] + e) | 0;
  STATE[5] = (STATE[5] + f) | 0;
  STATE[6] = (STATE[6] + g) | 0;
  STATE[7] = (STATE[7] + h) | 0;
}

/** The block function on this module's chaining state. */
export const typeScriptBlocks: { readonly state: Int32Array; compress: typeof compress } = {
  state: STATE,
  compress,
};

/** Compresses the 64-byte block at `offset` of `bytes` into the chaining state `state`. */
export function compressInto(state: Int32Array, bytes: Uint8Array, offset: number): void {
  STATE.set(state);
  compress(bytes, offset);
  state.set(STATE);
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256Small(parts: readonly Uint8Array[]): Uint8Array {
  STATE.set(INITIAL_STATE);
  let buffered = 0;
  let total = 0;
  for (const part of parts) {
    total += part.length;
    let offset = 0;
    if (buffered > 0) {
      const take = Math.min(64 - buffered, part.length);
      BLOCK.set(part.subarray(0, take), buffered);
      buffered += take;
      offset = take;
      if (buffered < 64) continue;
      compress(BLOCK, 0);
      buffered = 0;
    }
    for (; offset + 64 <= part.length; offset += 64) compress(part, offset);
    if (offset < part.length) {
      BLOCK.set(part.subarray(offset), 0);
      buffered = part.length - offset;
    }
  }
  // Padding: 0x80, zeros, then the length in bits as a 64-bit big-endian integer.
  BLOCK[buffered++] = 0x80;
  if (buffered > 56) {
    BLOCK.fill(0, buffered);
    compress(BLOCK, 0);
    buffered = 0;
  }
  BLOCK.fill(0, buffered, 56);
  writeBitLength(BLOCK, 64, total);
  compress(BLOCK, 0);
  return digestOf(STATE);
}

/** Ends the padding: the message length in bits, big-endian, in the 8 bytes before `end`. */
export function writeBitLength(block: Uint8Array, end: number, messageBytes: number): void {
  const bits = messageBytes * 8;
  const high = Math.floor(bits / 0x1_0000_0000);
  block[end - 8] = high >>> 24;
  block[end - 7] = high >>> 16;
  block[end - 6] = high >>> 8;
  block[end - 5] = high;
  block[end - 4] = bits >>> 24;
  block[end - 3] = bits >>> 16;
  block[end - 2] = bits >>> 8;
  block[end - 1] = bits;
}

/** The digest: the eight state words, big-endian. */
export function digestOf(state: Int32Array | Uint32Array): Uint8Array {
  const out = smallBytes(32);
  digestInto(state, out, 0);
  return out;
}

/** Writes the digest (the eight state words, big-endian) to `out` at `at`. */
export function digestInto(state: Int32Array | Uint32Array, out: Uint8Array, at: number): void {
  for (let i = 0; i < 8; i++) {
    const word = state[i];
    out[at + 4 * i] = word >>> 24;
    out[at + 4 * i + 1] = word >>> 16;
    out[at + 4 * i + 2] = word >>> 8;
    out[at + 4 * i + 3] = word;
  }
}
