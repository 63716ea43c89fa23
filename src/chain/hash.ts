/** Hash functions of Bitcoin: SHA-256, SHA256d, HASH160. */
import { createHash } from "node:crypto";

/** SHA-256 of the concatenation of `parts` (no copy is made to join them). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** SHA256d: SHA-256 applied twice, over the concatenation of `parts`. */
export function sha256d(...parts: Uint8Array[]): Uint8Array {
  return sha256(sha256(...parts));
}

/** RIPEMD-160 of SHA-256: the hash inside P2PKH, P2SH and P2WPKH scripts. */
export function hash160(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("ripemd160").update(sha256(data)).digest());
}
