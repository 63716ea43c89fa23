/** Hash functions of Bitcoin: SHA-256, SHA256d, HASH160, and incremental SHA-256 of text. */
import { createHash } from "node:crypto";
import { toHex } from "./bytes.ts";
import {
  loadNativeSha256,
  type Sha256,
  type Sha256Compress,
  type Sha256Functions,
} from "./native_sha256.ts";
import {
  compressInto,
  digestInto,
  digestOf,
  INITIAL_STATE,
  sha256Small,
  typeScriptBlocks,
  writeBitLength,
} from "./sha256.ts";

/**
 * Below this many bytes the TypeScript SHA-256 beats node:crypto, whose per-call overhead
 * dominates small inputs (measured by bench/hash.bench.ts).
 */
const SMALL_INPUT = 448;

/** SHA-256 without OpenSSL through FFI: TypeScript for small inputs, node:crypto for large. */
export const portableSha256: Sha256 = (parts) => {
  let length = 0;
  for (const part of parts) length += part.length;
  if (length <= SMALL_INPUT) return sha256Small(parts);
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

/** The SHA-256 in use: OpenSSL's when it loads (native_sha256.ts), else the portable one. */
export const sha256Engine: Sha256Functions & { name: string } = (() => {
  const native = loadNativeSha256();
  return native ? { name: "OpenSSL libcrypto (FFI)", ...native } : {
    name: "TypeScript",
    hash: portableSha256,
    compress: compressInto,
    blocks: typeScriptBlocks,
  };
})();

const hash = sha256Engine.hash;
const compress = sha256Engine.compress;

/** SHA-256 of the concatenation of `parts` (no copy is made to join them). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return hash(parts);
}

/** SHA256d: SHA-256 applied twice, over the concatenation of `parts`. */
export function sha256d(...parts: Uint8Array[]): Uint8Array {
  return hash([hash(parts)]);
}

const blocks = sha256Engine.blocks;
const intoBlock = new Uint8Array(128);

/**
 * SHA256d of `bytes[start, end)` written to `out[at, at + 32)`, with no array made or copied
 * but the last partial block: for hashing millions of messages where they lie (a generated
 * chain's transactions and merkle nodes). `out` may overlap the message.
 */
export function sha256dInto(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
): void {
  const state = blocks.state;
  const block = intoBlock;
  state.set(INITIAL_STATE);
  let offset = start;
  for (; offset + 64 <= end; offset += 64) blocks.compress(bytes, offset);
  const tail = end - offset;
  for (let i = 0; i < tail; i++) block[i] = bytes[offset + i];
  block[tail] = 0x80;
  const padded = tail < 56 ? 64 : 128;
  block.fill(0, tail + 1, padded - 8);
  writeBitLength(block, padded, end - start);
  blocks.compress(block, 0);
  if (padded === 128) blocks.compress(block, 64);
  // The second SHA-256: the 32-byte digest and its padding make one block.
  digestInto(state, block, 0);
  block[32] = 0x80;
  block.fill(0, 33, 56);
  writeBitLength(block, 64, 32);
  state.set(INITIAL_STATE);
  blocks.compress(block, 0);
  digestInto(state, out, at);
}

/** RIPEMD-160 of SHA-256: the hash inside P2PKH, P2SH and P2WPKH scripts. */
export function hash160(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("ripemd160").update(hash([data])).digest());
}

const encoder = new TextEncoder();
let textBytes = new Uint8Array(4096);
/** Where hex() finishes a copy of the state (allocating them would cost more than hashing). */
const finalState = new Int32Array(8);
const finalBlock = new Uint8Array(64);

/**
 * SHA-256 of text (UTF-8) fed in pieces, which can be copied to hash several continuations:
 * Electrum statuses hash a script's whole history, and a subscribed script keeps the state of
 * its confirmed part to extend it. Copying and finishing cost a few hundred nanoseconds, against
 * about 3 µs per node:crypto call.
 */
export class Sha256Text {
  #state = Int32Array.from(INITIAL_STATE);
  /** The block function: the engine's, or another for tests. */
  readonly #compress: Sha256Compress;
  #block = new Uint8Array(64);
  #buffered = 0;
  #length = 0;

  constructor(compressBlock: Sha256Compress = compress) {
    this.#compress = compressBlock;
  }

  /** Adds `text`; returns this. */
  update(text: string): this {
    if (text.length * 3 > textBytes.length) textBytes = new Uint8Array(text.length * 6);
    const bytes = textBytes;
    const length = encoder.encodeInto(text, bytes).written;
    this.#length += length;
    let offset = 0;
    if (this.#buffered > 0) {
      const take = Math.min(64 - this.#buffered, length);
      this.#block.set(bytes.subarray(0, take), this.#buffered);
      this.#buffered += take;
      offset = take;
      if (this.#buffered < 64) return this;
      this.#compress(this.#state, this.#block, 0);
      this.#buffered = 0;
    }
    for (; offset + 64 <= length; offset += 64) this.#compress(this.#state, bytes, offset);
    this.#block.set(bytes.subarray(offset, length), 0);
    this.#buffered = length - offset;
    return this;
  }

  /** An independent hasher in the same state. */
  copy(): Sha256Text {
    const copy = new Sha256Text(this.#compress);
    copy.#state.set(this.#state);
    copy.#block.set(this.#block);
    copy.#buffered = this.#buffered;
    copy.#length = this.#length;
    return copy;
  }

  /** Hex digest of everything added so far (the hasher can go on). */
  hex(): string {
    const state = finalState;
    const block = finalBlock;
    state.set(this.#state);
    block.set(this.#block);
    let at = this.#buffered;
    block[at++] = 0x80;
    if (at > 56) {
      block.fill(0, at);
      this.#compress(state, block, 0);
      at = 0;
    }
    block.fill(0, at, 56);
    writeBitLength(block, 64, this.#length);
    this.#compress(state, block, 0);
    return toHex(digestOf(state));
  }
}
