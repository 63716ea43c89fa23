/**
 * The output scripts of a generated chain and how each is spent: a mainnet-like mix (P2WPKH
 * first, then P2TR, P2SH, P2PKH, P2WSH), and scriptSigs and witnesses of realistic sizes.
 * Signatures and keys are random bytes shaped like the real ones: nothing here verifies.
 */
import { ByteWriter } from "../chain/bytes.ts";
import { classifyScript, multisigScript, witnessScript } from "../chain/script.ts";
import type { Prng } from "./random.ts";

/**
 * The kinds of output script a generated chain pays to; "other" is anything else seen. Kinds
 * are small numbers, so coin records (utxo_pool.ts) and tables indexed by kind can hold them.
 */
export const ScriptKind = { p2wpkh: 0, p2tr: 1, p2sh: 2, p2pkh: 3, p2wsh: 4, other: 5 } as const;
export type ScriptKind = (typeof ScriptKind)[keyof typeof ScriptKind];

/** Cumulative shares of newly paid outputs by kind, roughly those of mainnet in 2025. */
const KIND_SHARES = [0.55, 0.75, 0.85, 0.93, 1];

/** A kind drawn with the mix's shares. */
export function pickKind(prng: Prng): ScriptKind {
  const x = prng.float();
  for (let kind = 0; kind < KIND_SHARES.length; kind++) {
    if (x < KIND_SHARES[kind]) return kind as ScriptKind;
  }
  return ScriptKind.p2wpkh;
}

/**
 * Each kind's output script around its hash or key: the bytes before it, its length, the bytes
 * after it. P2WPKH `0 <20>`, P2TR `1 <32>`, P2SH `HASH160 <20> EQUAL`, P2PKH `DUP HASH160 <20>
 * EQUALVERIFY CHECKSIG`, P2WSH `0 <32>`.
 */
const TEMPLATES: readonly { before: number[]; program: number; after: number[] }[] = [
  { before: [0x00, 0x14], program: 20, after: [] },
  { before: [0x51, 0x20], program: 32, after: [] },
  { before: [0xa9, 0x14], program: 20, after: [0x87] },
  { before: [0x76, 0xa9, 0x14], program: 20, after: [0x88, 0xac] },
  { before: [0x00, 0x20], program: 32, after: [] },
];

/** Bytes of the output script of `kind`. */
export function outputScriptLength(kind: ScriptKind): number {
  const template = TEMPLATES[kind];
  return template.before.length + template.program + template.after.length;
}

/**
 * Writes the output script of `kind` whose hash or key is taken from `program` at `from` (20
 * or 32 bytes) to `out` at `at`, preceded by its length byte; returns where it ends.
 */
export function writeOutputScript(
  kind: ScriptKind,
  program: Uint8Array,
  from: number,
  out: Uint8Array,
  at: number,
): number {
  const template = TEMPLATES[kind];
  if (template === undefined) throw new RangeError(`no output script is generated for ${kind}`);
  const { before, after } = template;
  out[at++] = before.length + template.program + after.length;
  for (let i = 0; i < before.length; i++) out[at++] = before[i];
  for (let i = 0; i < template.program; i++) out[at++] = program[from + i];
  for (let i = 0; i < after.length; i++) out[at++] = after[i];
  return at;
}

/** The output script of `kind` whose hash or key is taken from `program`. */
export function outputScript(kind: ScriptKind, program: Uint8Array): Uint8Array {
  const withLength = new Uint8Array(1 + outputScriptLength(kind));
  writeOutputScript(kind, program, 0, withLength, 0);
  return withLength.subarray(1);
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
      return ScriptKind[type];
    default:
      return ScriptKind.other;
  }
}

/**
 * Virtual bytes an input spending each kind adds (outpoint, scriptSig, sequence, witness / 4),
 * for fee rates: P2WPKH 68, P2TR 58, P2SH-P2WPKH 91, P2PKH 148, 2-of-2 P2WSH 96, other 41.
 */
export const INPUT_VBYTES: readonly number[] = [68, 58, 91, 148, 96, 41];

/** Distinct signatures, keys and scripts kept per shape; inputs pick among them. */
export const VARIANTS = 256;
const EMPTY = new Uint8Array(0);

/**
 * Direct pushes of `items` (each up to 75 bytes, so its length byte is its push opcode), one
 * after another: a scriptSig.
 */
function pushed(...items: Uint8Array[]): Uint8Array {
  const writer = new ByteWriter();
  for (const item of items) writer.varBytes(item);
  return writer.finish();
}

/** `bytes` preceded by its length, as a scriptSig stands in a transaction. */
function withLength(bytes: Uint8Array): Uint8Array {
  return new ByteWriter().varBytes(bytes).finish();
}

/** A serialised witness stack: the item count, then each item with its length. */
function stack(...items: Uint8Array[]): Uint8Array {
  const writer = new ByteWriter().compactSize(items.length);
  for (const item of items) writer.varBytes(item);
  return writer.finish();
}

/**
 * Pre-made input material, serialised, so an input costs a few copies: drawing fresh random
 * bytes for every signature would take longer than the rest of the transaction. For each kind
 * and variant, the scriptSig with its length and the witness stack as they appear in a
 * transaction.
 */
export class SpendMaterial {
  readonly #scriptSigs: Uint8Array[][] = [];
  readonly #witnesses: Uint8Array[][] = [];

  constructor(prng: Prng) {
    const ecdsa: Uint8Array[] = [];
    const keys: Uint8Array[] = [];
    const schnorr: Uint8Array[] = [];
    const nestedPrograms: Uint8Array[] = [];
    for (let i = 0; i < VARIANTS; i++) {
      // DER: 30 45 02 21 00 <r> 02 20 <s>, then the sighash byte: 72 bytes.
      const signature = prng.fill(new Uint8Array(72));
      signature.set([0x30, 0x45, 0x02, 0x21, 0x00]);
      signature[37] = 0x02;
      signature[38] = 0x20;
      signature[71] = 0x01;
      const key = prng.fill(new Uint8Array(33));
      key[0] = 0x02 | (key[0] & 1);
      ecdsa.push(signature);
      keys.push(key);
      schnorr.push(prng.fill(new Uint8Array(64)));
      // P2SH-wrapped P2WPKH: the scriptSig pushes the 22-byte v0 program.
      nestedPrograms.push(witnessScript(0, prng.fill(new Uint8Array(20))));
    }
    const empty = Uint8Array.of(0);
    const add = (kind: ScriptKind, spend: (i: number) => [Uint8Array, Uint8Array]) => {
      this.#scriptSigs[kind] = [];
      this.#witnesses[kind] = [];
      for (let i = 0; i < VARIANTS; i++) {
        const [scriptSig, witness] = spend(i);
        this.#scriptSigs[kind].push(scriptSig);
        this.#witnesses[kind].push(witness);
      }
    };
    add(ScriptKind.p2wpkh, (i) => [empty, stack(ecdsa[i], keys[i])]);
    add(ScriptKind.p2tr, (i) => [empty, stack(schnorr[i])]);
    add(ScriptKind.p2sh, (i) => [withLength(pushed(nestedPrograms[i])), stack(ecdsa[i], keys[i])]);
    add(ScriptKind.p2pkh, (i) => [withLength(pushed(ecdsa[i], keys[i])), empty]);
    add(ScriptKind.p2wsh, (i) => {
      const multisig = multisigScript(2, [keys[i], keys[(i + 1) % VARIANTS]]);
      return [empty, stack(EMPTY, ecdsa[i], ecdsa[(i + 7) % VARIANTS], multisig)];
    });
    add(ScriptKind.other, () => [empty, empty]);
  }

  /** The scriptSig, with its length, of variant `variant` of a spend of `kind`. */
  scriptSig(kind: ScriptKind, variant: number): Uint8Array {
    return this.#scriptSigs[kind][variant];
  }

  /** The witness stack of variant `variant` of a spend of `kind` (a zero count if none). */
  witness(kind: ScriptKind, variant: number): Uint8Array {
    return this.#witnesses[kind][variant];
  }
}

/** Whether spending `kind` puts anything in the witness (P2PKH and other kinds do not). */
export function spendsWithWitness(kind: ScriptKind): boolean {
  return kind !== ScriptKind.p2pkh && kind !== ScriptKind.other;
}
