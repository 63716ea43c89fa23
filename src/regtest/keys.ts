/**
 * secp256k1 keys of the regtest wallet: deterministic derivation from a seed, ECDSA signatures
 * (DER, low-S, RFC 6979) for legacy and segwit v0 inputs, and BIP 340 Schnorr signatures with
 * the BIP 341/86 key tweak for taproot key-path inputs.
 */
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { concatBytes } from "../chain/bytes.ts";
import { hash160, sha256 } from "../chain/hash.ts";
import { taggedHash } from "./sighash.ts";

const CURVE_ORDER = secp256k1.Point.Fn.ORDER;

function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function bigIntToBytes32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let rest = value;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** BIP 341 TapTweak of an x-only key; `merkleRoot` absent means no script tree (BIP 86). */
export function taprootTweak(xOnlyKey: Uint8Array, merkleRoot?: Uint8Array): Uint8Array {
  return merkleRoot
    ? taggedHash("TapTweak", xOnlyKey, merkleRoot)
    : taggedHash("TapTweak", xOnlyKey);
}

/** The taproot output key `Q = lift_x(P) + tG` (x-only) for an internal x-only key. */
export function taprootOutputKey(internalKey: Uint8Array, merkleRoot?: Uint8Array): Uint8Array {
  const tweak = bytesToBigInt(taprootTweak(internalKey, merkleRoot));
  if (tweak >= CURVE_ORDER) throw new RangeError("taproot tweak out of range");
  const point = schnorr.utils.lift_x(bytesToBigInt(internalKey))
    .add(schnorr.Point.BASE.multiply(tweak));
  return schnorr.utils.pointToBytes(point);
}

/** A private key with the derived public forms the wallet needs. */
export class PrivateKey {
  /** 33-byte compressed public key. */
  readonly publicKey: Uint8Array;
  /** 32-byte x-only public key (BIP 340), the taproot internal key. */
  readonly xOnlyPublicKey: Uint8Array;
  readonly #secret: Uint8Array;

  constructor(secret: Uint8Array) {
    if (secret.length !== 32) throw new RangeError("private key must be 32 bytes");
    const value = bytesToBigInt(secret);
    if (value === 0n || value >= CURVE_ORDER) throw new RangeError("private key out of range");
    this.#secret = secret.slice();
    this.publicKey = secp256k1.getPublicKey(this.#secret, true);
    this.xOnlyPublicKey = this.publicKey.slice(1);
  }

  /**
   * The key number `index` of `seed`: SHA-256(seed ‖ index as 4 bytes big-endian), re-hashed
   * in the (astronomically unlikely) case it is not a valid scalar.
   */
  static derive(seed: Uint8Array, index: number): PrivateKey {
    const indexBytes = new Uint8Array(4);
    new DataView(indexBytes.buffer).setUint32(0, index);
    let secret = sha256(seed, indexBytes);
    while (bytesToBigInt(secret) === 0n || bytesToBigInt(secret) >= CURVE_ORDER) {
      secret = sha256(secret);
    }
    return new PrivateKey(secret);
  }

  /** The raw 32 secret bytes (a copy). */
  get secret(): Uint8Array {
    return this.#secret.slice();
  }

  /** HASH160 of the compressed public key (P2PKH, P2WPKH). */
  get publicKeyHash(): Uint8Array {
    return hash160(this.publicKey);
  }

  /**
   * A DER ECDSA signature of a 32-byte hash, low-S, deterministic (RFC 6979), followed by the
   * hash-type byte as it goes into a scriptSig or witness.
   */
  signEcdsa(hash: Uint8Array, hashType: number): Uint8Array {
    const der = secp256k1.sign(hash, this.#secret, { prehash: false, format: "der" });
    return concatBytes(der, new Uint8Array([hashType]));
  }

  /** The secret key tweaked for a taproot key-path spend (BIP 341 `taproot_tweak_seckey`). */
  taprootSecret(merkleRoot?: Uint8Array): Uint8Array {
    const hasOddY = this.publicKey[0] === 0x03;
    const secret = bytesToBigInt(this.#secret);
    const base = hasOddY ? CURVE_ORDER - secret : secret;
    const tweak = bytesToBigInt(taprootTweak(this.xOnlyPublicKey, merkleRoot));
    if (tweak >= CURVE_ORDER) throw new RangeError("taproot tweak out of range");
    return bigIntToBytes32((base + tweak) % CURVE_ORDER);
  }

  /** The x-only taproot output key committed in a P2TR script (BIP 86 with no tree). */
  taprootOutputKey(merkleRoot?: Uint8Array): Uint8Array {
    return taprootOutputKey(this.xOnlyPublicKey, merkleRoot);
  }

  /**
   * A taproot key-path signature: BIP 340 Schnorr over `hash` with the tweaked key, with
   * all-zero auxiliary randomness (deterministic), plus the hash-type byte unless DEFAULT.
   */
  signTaproot(hash: Uint8Array, hashType = 0, merkleRoot?: Uint8Array): Uint8Array {
    const signature = schnorr.sign(hash, this.taprootSecret(merkleRoot), new Uint8Array(32));
    return hashType === 0 ? signature : concatBytes(signature, new Uint8Array([hashType]));
  }
}

/** Verifies a DER ECDSA signature (without hash-type byte) against a hash and public key. */
export function verifyEcdsa(
  derSignature: Uint8Array,
  hash: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return secp256k1.verify(derSignature, hash, publicKey, {
    prehash: false,
    format: "der",
    lowS: false,
  });
}

/** Verifies a 64-byte BIP 340 signature against a hash and x-only public key. */
export function verifySchnorr(
  signature: Uint8Array,
  hash: Uint8Array,
  xOnlyKey: Uint8Array,
): boolean {
  return schnorr.verify(signature, hash, xOnlyKey);
}
