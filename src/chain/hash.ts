/** Hash functions of Bitcoin: SHA-256, SHA256d, HASH160. */
import { createHash } from "node:crypto";
import { sha256Small } from "./sha256.ts";

/**
 * Below this many bytes the TypeScript SHA-256 beats node:crypto, whose per-call overhead
 * dominates small inputs (measured by bench/hash.bench.ts).
 */
const SMALL_INPUT = 448;

/** SHA-256 of the concatenation of `parts` (no copy is made to join them). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  if (length <= SMALL_INPUT) return sha256Small(parts);
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** SHA256d: SHA-256 applied twice, over the concatenation of `parts`. */
export function sha256d(...parts: Uint8Array[]): Uint8Array {
  return sha256Small([sha256(...parts)]);
}

/** RIPEMD-160 of SHA-256: the hash inside P2PKH, P2SH and P2WPKH scripts. */
export function hash160(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("ripemd160").update(sha256(data)).digest());
}
