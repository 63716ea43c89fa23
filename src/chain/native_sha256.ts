/**
 * SHA-256 by the system's OpenSSL (libcrypto 3) through Deno's FFI, when the process may load
 * it (`--allow-ffi`) and the library is there. OpenSSL uses the CPU's SHA instructions where
 * it has them; one FFI call costs about 50 ns, against about 650 ns to hash a 22-byte script
 * in TypeScript and 3 µs of overhead per node:crypto call (bench/hash.bench.ts). Indexing
 * hashes every transaction, output script and merkle node, so this is most of the parsing
 * threads' time.
 *
 * The message is copied into a scratch buffer with its padding, and each 64-byte block is
 * compressed by SHA256_Transform, whose arguments are two pointers (no length whose C type the
 * FFI would have to match), into a context whose chaining state this module sets and reads.
 */

import { openNativeLibrary } from "../native_library.ts";
import { toHex } from "./bytes.ts";
import { digestOf, INITIAL_STATE, writeBitLength } from "./sha256.ts";

/** Library names tried in order: Debian's libssl3 package, then the development link. */
const LIBRARIES = ["libcrypto.so.3", "libcrypto.so"];

const SYMBOLS = {
  SHA256_Transform: { parameters: ["buffer", "buffer"], result: "void" },
} as const;

/** SHA-256 of the concatenation of `parts`. */
export type Sha256 = (parts: readonly Uint8Array[]) => Uint8Array;

/** Compresses the 64-byte block at `offset` of `bytes` into the chaining state `state`. */
export type Sha256Compress = (state: Int32Array, bytes: Uint8Array, offset: number) => void;

/**
 * The block function on a chaining state of its own, for hashing many blocks in a row without
 * copying the state in and out of each call as Sha256Compress does.
 */
export interface Sha256Blocks {
  /** The chaining state `compress` updates. */
  readonly state: Int32Array;
  /** Compresses the 64-byte block at `offset` of `bytes` into `state`. */
  compress(bytes: Uint8Array, offset: number): void;
}

/** A SHA-256 implementation: whole messages, and the block function for incremental use. */
export interface Sha256Functions {
  hash: Sha256;
  compress: Sha256Compress;
  blocks: Sha256Blocks;
}

function nativeSha256(library: Deno.DynamicLibrary<typeof SYMBOLS>): Sha256Functions {
  const transform = library.symbols.SHA256_Transform;
  // SHA256_CTX: the state h0…h7 (native-endian words) first, then counters and a buffer that
  // SHA256_Transform does not touch; 112 bytes in all.
  const context = new Uint8Array(128);
  const state = new Int32Array(context.buffer, 0, 8);
  let scratch = new Uint8Array(1024);
  const compress: Sha256Compress = (words, bytes, offset) => {
    state.set(words);
    transform(context, offset === 0 ? bytes : bytes.subarray(offset, offset + 64));
    words.set(state);
  };
  const hash: Sha256 = (parts) => {
    let length = 0;
    for (const part of parts) length += part.length;
    // The message, 0x80, zeros, and the length in bits in the last 8 bytes of a block.
    const padded = Math.ceil((length + 9) / 64) * 64;
    if (padded > scratch.length) scratch = new Uint8Array(padded * 2);
    let at = 0;
    for (const part of parts) {
      scratch.set(part, at);
      at += part.length;
    }
    scratch[at++] = 0x80;
    scratch.fill(0, at, padded - 8);
    writeBitLength(scratch, padded, length);
    state.set(INITIAL_STATE);
    transform(context, scratch);
    for (let block = 64; block < padded; block += 64) {
      transform(context, scratch.subarray(block, block + 64));
    }
    return digestOf(state);
  };
  const blocks: Sha256Blocks = {
    state,
    compress: (bytes, offset) => {
      transform(context, offset === 0 ? bytes : bytes.subarray(offset, offset + 64));
    },
  };
  return { hash, compress, blocks };
}

/** SHA-256("abc"), to check the library before trusting it. */
const ABC_DIGEST = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

/**
 * OpenSSL's SHA-256, or undefined when it cannot be loaded or gives a wrong answer (the
 * caller then hashes in TypeScript).
 */
export function loadNativeSha256(): Sha256Functions | undefined {
  const library = openNativeLibrary(LIBRARIES, SYMBOLS);
  if (!library) return undefined;
  const functions = nativeSha256(library);
  if (toHex(functions.hash([new TextEncoder().encode("abc")])) === ABC_DIGEST) return functions;
  library.close();
  return undefined;
}
