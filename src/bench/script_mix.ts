/**
 * The output scripts of a generated chain and how each is spent: a mainnet-like mix (P2WPKH
 * first, then P2TR, P2SH, P2PKH, P2WSH), and scriptSigs and witnesses of realistic sizes.
 * Signatures and keys are random bytes shaped like the real ones: nothing here verifies.
 */
import {
  classifyScript,
  multisigScript,
  p2pkhScript,
  p2shScript,
  witnessScript,
} from "../chain/script.ts";
import type { Prng } from "./random.ts";

/** The kinds of output script a generated chain pays to; "other" is anything else seen. */
export type ScriptKind = "p2wpkh" | "p2tr" | "p2sh" | "p2pkh" | "p2wsh" | "other";

/** Cumulative shares of newly paid outputs, roughly those of mainnet in 2025. */
const KIND_SHARES: readonly [ScriptKind, number][] = [
  ["p2wpkh", 0.55],
  ["p2tr", 0.75],
  ["p2sh", 0.85],
  ["p2pkh", 0.93],
  ["p2wsh", 1],
];

/** A kind drawn with the mix's shares. */
export function pickKind(prng: Prng): ScriptKind {
  const x = prng.float();
  for (const [kind, upTo] of KIND_SHARES) if (x < upTo) return kind;
  return "p2wpkh";
}

/**
 * The output script of `kind` whose hash or key is taken from `program` (at least 32 bytes of
 * random material).
 */
export function outputScript(kind: ScriptKind, program: Uint8Array): Uint8Array {
  switch (kind) {
    case "p2wpkh":
      return witnessScript(0, program.subarray(0, 20));
    case "p2tr":
      return witnessScript(1, program.subarray(0, 32));
    case "p2sh":
      return p2shScript(program.subarray(0, 20));
    case "p2pkh":
      return p2pkhScript(program.subarray(0, 20));
    case "p2wsh":
      return witnessScript(0, program.subarray(0, 32));
    case "other":
      throw new RangeError("no output script is generated for kind 'other'");
  }
}

/** The kind of an existing output script, to spend it with the right shape of input. */
export function kindOfScript(script: Uint8Array): ScriptKind {
  const type = classifyScript(script);
  switch (type) {
    case "p2wpkh":
    case "p2tr":
    case "p2sh":
    case "p2pkh":
    case "p2wsh":
      return type;
    default:
      return "other";
  }
}

/**
 * Virtual bytes an input spending `kind` adds (outpoint, scriptSig, sequence, witness / 4), for
 * fee rates: P2WPKH 68, P2TR 58, P2SH-P2WPKH 91, P2PKH 148, 2-of-2 P2WSH 96.
 */
export function inputVbytes(kind: ScriptKind): number {
  switch (kind) {
    case "p2wpkh":
      return 68;
    case "p2tr":
      return 58;
    case "p2sh":
      return 91;
    case "p2pkh":
      return 148;
    case "p2wsh":
      return 96;
    case "other":
      return 41;
  }
}

/** The scriptSig and witness of one input. */
export interface InputSpend {
  script: Uint8Array;
  witness: Uint8Array[];
}

/** Distinct signatures, keys and scripts kept per shape; inputs pick among them. */
const VARIANTS = 256;
const EMPTY = new Uint8Array(0);

/** Direct pushes of `items` (each up to 75 bytes), one after another: a scriptSig. */
function pushed(...items: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const item of items) length += 1 + item.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const item of items) {
    out[at++] = item.length;
    out.set(item, at);
    at += item.length;
  }
  return out;
}

/**
 * Pre-made input material, so an input costs a few array picks: drawing fresh random bytes for
 * every signature would take longer than the rest of the transaction.
 */
export class SpendMaterial {
  readonly #ecdsa: Uint8Array[] = [];
  readonly #schnorr: Uint8Array[] = [];
  readonly #keys: Uint8Array[] = [];
  readonly #p2pkhSigs: Uint8Array[] = [];
  readonly #p2shSigs: Uint8Array[] = [];
  readonly #multisig: Uint8Array[] = [];

  constructor(prng: Prng) {
    for (let i = 0; i < VARIANTS; i++) {
      // DER: 30 45 02 21 00 <r> 02 20 <s>, then the sighash byte: 72 bytes.
      const ecdsa = prng.fill(new Uint8Array(72));
      ecdsa.set([0x30, 0x45, 0x02, 0x21, 0x00]);
      ecdsa[37] = 0x02;
      ecdsa[38] = 0x20;
      ecdsa[71] = 0x01;
      const key = prng.fill(new Uint8Array(33));
      key[0] = 0x02 | (key[0] & 1);
      this.#ecdsa.push(ecdsa);
      this.#keys.push(key);
      this.#schnorr.push(prng.fill(new Uint8Array(64)));
      this.#p2pkhSigs.push(pushed(ecdsa, key));
      // P2SH-wrapped P2WPKH: the scriptSig pushes the 22-byte v0 program.
      this.#p2shSigs.push(pushed(witnessScript(0, prng.fill(new Uint8Array(20)))));
    }
    for (let i = 0; i < VARIANTS; i++) {
      this.#multisig.push(multisigScript(2, [this.#keys[i], this.#keys[(i + 1) % VARIANTS]]));
    }
  }

  /** The scriptSig and witness spending an output of `kind`. */
  spend(kind: ScriptKind, prng: Prng): InputSpend {
    const i = prng.below(VARIANTS);
    switch (kind) {
      case "p2wpkh":
        return { script: EMPTY, witness: [this.#ecdsa[i], this.#keys[i]] };
      case "p2tr":
        return { script: EMPTY, witness: [this.#schnorr[i]] };
      case "p2sh":
        return { script: this.#p2shSigs[i], witness: [this.#ecdsa[i], this.#keys[i]] };
      case "p2pkh":
        return { script: this.#p2pkhSigs[i], witness: [] };
      case "p2wsh": {
        const j = (i + 7) % VARIANTS;
        return {
          script: EMPTY,
          witness: [EMPTY, this.#ecdsa[i], this.#ecdsa[j], this.#multisig[i]],
        };
      }
      case "other":
        return { script: EMPTY, witness: [] };
    }
  }
}
