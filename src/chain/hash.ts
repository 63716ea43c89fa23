/** Hash functions of Bitcoin: SHA-256, SHA256d, HASH160. */
import { createHash } from "node:crypto";
import { loadNativeSha256, type Sha256 } from "./native_sha256.ts";
import { sha256Small } from "./sha256.ts";

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
export const sha256Engine: { name: string; hash: Sha256 } = (() => {
  const native = loadNativeSha256();
  return native
    ? { name: "OpenSSL libcrypto (FFI)", hash: native }
    : { name: "TypeScript", hash: portableSha256 };
})();

const hash = sha256Engine.hash;

/** SHA-256 of the concatenation of `parts` (no copy is made to join them). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return hash(parts);
}

/** SHA256d: SHA-256 applied twice, over the concatenation of `parts`. */
export function sha256d(...parts: Uint8Array[]): Uint8Array {
  return hash([hash(parts)]);
}

/** RIPEMD-160 of SHA-256: the hash inside P2PKH, P2SH and P2WPKH scripts. */
export function hash160(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("ripemd160").update(hash([data])).digest());
}
