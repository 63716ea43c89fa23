/**
 * Output scripts (scriptPubKeys): their standard templates, builders for each, and the two
 * hashes scripts are known by: Electrum's script hash and the index's hashX.
 */
import { concatBytes, DecodeError, fromHex, hashToHex, isHex } from "./bytes.ts";
import { sha256 } from "./hash.ts";

/**
 * Bitcoin Core's classes of output scripts (`TxoutType`, as `Solver` in its
 * src/script/solver.cpp tells them apart), under their usual short names.
 */
export type ScriptType =
  | "p2pk"
  | "p2pkh"
  | "p2sh"
  | "p2wpkh"
  | "p2wsh"
  | "p2tr"
  | "p2a"
  | "witness_unknown"
  | "multisig"
  | "op_return"
  | "nonstandard";

/** A witness version and program, as in a segwit output script or address. */
export interface WitnessProgram {
  /** 0 to 16. */
  version: number;
  program: Uint8Array;
}

/** Bytes of a hashX: the prefix of a script's SHA-256 that the index keys scripts by. */
export const HASHX_LENGTH = 11;

const OP_0 = 0x00;
const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA2 = 0x4d;
const OP_PUSHDATA4 = 0x4e;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_RETURN = 0x6a;
const OP_DUP = 0x76;
const OP_EQUAL = 0x87;
const OP_EQUALVERIFY = 0x88;
const OP_HASH160 = 0xa9;
const OP_CHECKSIG = 0xac;
const OP_CHECKMULTISIG = 0xae;

const HASH160_LENGTH = 20;
const MAX_WITNESS_VERSION = 16;
const MIN_WITNESS_PROGRAM = 2;
const MAX_WITNESS_PROGRAM = 40;
const SCRIPT_HASH_HEX_LENGTH = 64;

/** One script operation: its opcode, the bytes it pushes if any, and where the next starts. */
interface ScriptOp {
  opcode: number;
  data: Uint8Array | undefined;
  end: number;
}

/** The operation at `at`, or undefined past the end or when a push runs off the script. */
function readOp(script: Uint8Array, at: number): ScriptOp | undefined {
  if (at >= script.length) return undefined;
  const opcode = script[at];
  if (opcode > OP_PUSHDATA4) return { opcode, data: undefined, end: at + 1 };
  let start = at + 1;
  let length = opcode;
  if (opcode >= OP_PUSHDATA1) {
    const width = opcode === OP_PUSHDATA1 ? 1 : opcode === OP_PUSHDATA2 ? 2 : 4;
    if (start + width > script.length) return undefined;
    length = 0;
    for (let i = width - 1; i >= 0; i--) length = length * 256 + script[start + i];
    start += width;
  }
  const end = start + length;
  return end > script.length ? undefined : { opcode, data: script.subarray(start, end), end };
}

/** The opcode(s) that push `length` bytes, the shortest form as Bitcoin Core writes it. */
function pushOpcode(length: number): Uint8Array {
  if (length < OP_PUSHDATA1) return Uint8Array.of(length);
  if (length <= 0xff) return Uint8Array.of(OP_PUSHDATA1, length);
  if (length <= 0xffff) return Uint8Array.of(OP_PUSHDATA2, length & 0xff, length >>> 8);
  return Uint8Array.of(
    OP_PUSHDATA4,
    length & 0xff,
    (length >>> 8) & 0xff,
    (length >>> 16) & 0xff,
    length >>> 24,
  );
}

/** The value 1–16 of OP_1…OP_16, else undefined. */
function smallInteger(opcode: number): number | undefined {
  return opcode >= OP_1 && opcode <= OP_16 ? opcode - OP_1 + 1 : undefined;
}

/** The opcode of a witness version: OP_0 or OP_1…OP_16. */
function versionOpcode(version: number): number {
  return version === 0 ? OP_0 : OP_1 - 1 + version;
}

/** Whether `key` has a public key's size for its header byte (Core's `CPubKey::ValidSize`). */
function isPublicKey(key: Uint8Array): boolean {
  const header = key[0];
  if (key.length === 33) return header === 0x02 || header === 0x03;
  if (key.length === 65) return header === 0x04 || header === 0x06 || header === 0x07;
  return false;
}

/** Whether everything from `at` on is pushes (opcodes up to OP_16), all well formed. */
function isPushOnly(script: Uint8Array, at: number): boolean {
  while (at < script.length) {
    const op = readOp(script, at);
    if (op === undefined || op.opcode > OP_16) return false;
    at = op.end;
  }
  return true;
}

/** Bare multisig: `OP_m <key>… OP_n OP_CHECKMULTISIG` with n keys and 1 ≤ m ≤ n ≤ 16. */
function isMultisig(script: Uint8Array): boolean {
  if (script.length < 3 || script[script.length - 1] !== OP_CHECKMULTISIG) return false;
  const required = smallInteger(script[0]);
  if (required === undefined) return false;
  let at = 1;
  let keys = 0;
  for (;;) {
    const op = readOp(script, at);
    if (op?.data === undefined || !isPublicKey(op.data)) break;
    keys++;
    at = op.end;
  }
  return smallInteger(script[at]) === keys && required <= keys && at + 2 === script.length;
}

/**
 * Why a witness program of `length` bytes cannot have version `version` (BIP 141, BIP 350),
 * or undefined when it can.
 */
export function witnessProgramProblem(version: number, length: number): string | undefined {
  if (!Number.isInteger(version) || version < 0 || version > MAX_WITNESS_VERSION) {
    return `invalid witness version ${version} (must be 0 to ${MAX_WITNESS_VERSION})`;
  }
  if (length < MIN_WITNESS_PROGRAM || length > MAX_WITNESS_PROGRAM) {
    return `invalid witness program length ${length} bytes (must be ${MIN_WITNESS_PROGRAM} to ` +
      `${MAX_WITNESS_PROGRAM})`;
  }
  if (version === 0 && length !== 20 && length !== 32) {
    return `invalid witness v0 program length ${length} bytes (must be 20 for P2WPKH or 32 ` +
      `for P2WSH)`;
  }
  return undefined;
}

/**
 * The witness version and program of a segwit output script: OP_0 or OP_1…OP_16 followed by
 * one direct push of 2 to 40 bytes (Core's `IsWitnessProgram`); undefined for other scripts.
 */
export function witnessProgramOf(script: Uint8Array): WitnessProgram | undefined {
  const length = script.length;
  if (length < 2 + MIN_WITNESS_PROGRAM || length > 2 + MAX_WITNESS_PROGRAM) return undefined;
  const first = script[0];
  if (first !== OP_0 && smallInteger(first) === undefined) return undefined;
  if (script[1] !== length - 2) return undefined;
  return { version: first === OP_0 ? 0 : first - OP_1 + 1, program: script.subarray(2) };
}

/** The standard template `script` follows, as Bitcoin Core's `Solver` decides. */
export function classifyScript(script: Uint8Array): ScriptType {
  const length = script.length;
  if (
    length === 23 && script[0] === OP_HASH160 && script[1] === HASH160_LENGTH &&
    script[22] === OP_EQUAL
  ) {
    return "p2sh";
  }
  const witness = witnessProgramOf(script);
  if (witness !== undefined) {
    const { version, program } = witness;
    if (version === 0) {
      return program.length === 20 ? "p2wpkh" : program.length === 32 ? "p2wsh" : "nonstandard";
    }
    if (version === 1 && program.length === 32) return "p2tr";
    if (version === 1 && program.length === 2 && program[0] === 0x4e && program[1] === 0x73) {
      return "p2a";
    }
    return "witness_unknown";
  }
  if (length > 0 && script[0] === OP_RETURN) {
    return isPushOnly(script, 1) ? "op_return" : "nonstandard";
  }
  if (
    (length === 35 || length === 67) && script[0] === length - 2 &&
    script[length - 1] === OP_CHECKSIG && isPublicKey(script.subarray(1, length - 1))
  ) {
    return "p2pk";
  }
  if (
    length === 25 && script[0] === OP_DUP && script[1] === OP_HASH160 &&
    script[2] === HASH160_LENGTH && script[23] === OP_EQUALVERIFY && script[24] === OP_CHECKSIG
  ) {
    return "p2pkh";
  }
  return isMultisig(script) ? "multisig" : "nonstandard";
}

/**
 * Whether ElectrumX leaves an output out of the index: the script starts with OP_RETURN, or
 * with OP_0 OP_RETURN. Such outputs create no UTXO and no history entry.
 */
export function isUnspendable(script: Uint8Array): boolean {
  const length = script.length;
  return length > 0 &&
    (script[0] === OP_RETURN || (length > 1 && script[0] === OP_0 && script[1] === OP_RETURN));
}

/** Throws RangeError unless `hash` is a 20-byte HASH160. */
function checkHash160(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH160_LENGTH) {
    throw new RangeError(`${what} must be a ${HASH160_LENGTH}-byte hash, got ${hash.length} bytes`);
  }
}

/** Throws RangeError unless `key` is a 33-byte compressed or 65-byte uncompressed key. */
function checkPublicKey(key: Uint8Array): void {
  if (!isPublicKey(key)) {
    throw new RangeError(
      `public key must be 33 bytes starting 02/03 or 65 bytes starting 04, got ${key.length} bytes`,
    );
  }
}

/** `OP_DUP OP_HASH160 <hash160> OP_EQUALVERIFY OP_CHECKSIG`. */
export function p2pkhScript(hash160: Uint8Array): Uint8Array {
  checkHash160(hash160, "P2PKH key hash");
  return concatBytes(
    Uint8Array.of(OP_DUP, OP_HASH160, HASH160_LENGTH),
    hash160,
    Uint8Array.of(OP_EQUALVERIFY, OP_CHECKSIG),
  );
}

/** `OP_HASH160 <hash160> OP_EQUAL` (BIP 16). */
export function p2shScript(hash160: Uint8Array): Uint8Array {
  checkHash160(hash160, "P2SH script hash");
  return concatBytes(Uint8Array.of(OP_HASH160, HASH160_LENGTH), hash160, Uint8Array.of(OP_EQUAL));
}

/** `<pubkey> OP_CHECKSIG`. */
export function p2pkScript(pubkey: Uint8Array): Uint8Array {
  checkPublicKey(pubkey);
  return concatBytes(pushOpcode(pubkey.length), pubkey, Uint8Array.of(OP_CHECKSIG));
}

/** A segwit output: `OP_0 <program>` for v0, `OP_n <program>` for version n. */
export function witnessScript(version: number, program: Uint8Array): Uint8Array {
  const problem = witnessProgramProblem(version, program.length);
  if (problem !== undefined) throw new RangeError(problem);
  return concatBytes(Uint8Array.of(versionOpcode(version), program.length), program);
}

/** `OP_RETURN <data>`, pushed with the shortest opcode (OP_0 when empty, then PUSHDATA1/2/4). */
export function opReturnScript(data: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(OP_RETURN), pushOpcode(data.length), data);
}

/** Bare m-of-n multisig: `OP_m <pubkey>… OP_n OP_CHECKMULTISIG`, 1 ≤ m ≤ n ≤ 16. */
export function multisigScript(m: number, pubkeys: Uint8Array[]): Uint8Array {
  const n = pubkeys.length;
  if (!Number.isInteger(m) || m < 1 || m > n || n > 16) {
    throw new RangeError(`multisig needs 1 <= m <= n <= 16, got m=${m}, n=${n}`);
  }
  const parts: Uint8Array[] = [Uint8Array.of(versionOpcode(m))];
  for (const key of pubkeys) {
    checkPublicKey(key);
    parts.push(pushOpcode(key.length), key);
  }
  parts.push(Uint8Array.of(versionOpcode(n), OP_CHECKMULTISIG));
  return concatBytes(...parts);
}

/** Electrum's script hash: SHA-256 of the script, display (byte-reversed) hex. */
export function scriptHash(script: Uint8Array): string {
  return hashToHex(sha256(script));
}

/** The index key of a script: the first 11 bytes of its SHA-256, digest order. */
export function hashX(script: Uint8Array): Uint8Array {
  return sha256(script).subarray(0, HASHX_LENGTH);
}

/** The hashX of an Electrum script hash (64 hex characters, display order). */
export function scriptHashToHashX(scriptHashHex: string): Uint8Array {
  if (scriptHashHex.length !== SCRIPT_HASH_HEX_LENGTH) {
    throw new DecodeError(
      `a script hash is ${SCRIPT_HASH_HEX_LENGTH} hex characters, got ${scriptHashHex.length}`,
    );
  }
  if (!isHex(scriptHashHex)) {
    throw new DecodeError(`script hash ${scriptHashHex} has a non-hex character`);
  }
  // The display order is reversed, so the hashX is the reversed tail of the hex.
  return fromHex(scriptHashHex.slice(SCRIPT_HASH_HEX_LENGTH - 2 * HASHX_LENGTH)).reverse();
}
