/**
 * Signature hashes: the message a signature commits to. Legacy (pre-segwit), BIP 143 (witness
 * version 0) and BIP 341 (taproot). Used by the regtest wallet to sign the transactions it
 * builds; the hash types other than ALL/DEFAULT are here so published vectors can be checked.
 */
import { ByteWriter } from "../chain/bytes.ts";
import { sha256, sha256d } from "../chain/hash.ts";
import type { TxFields, TxOutput } from "../chain/transaction.ts";

/** BIP 341's default hash type: like ALL, but the signature carries no hash-type byte. */
export const SIGHASH_DEFAULT = 0x00;
export const SIGHASH_ALL = 0x01;
export const SIGHASH_NONE = 0x02;
export const SIGHASH_SINGLE = 0x03;
export const SIGHASH_ANYONECANPAY = 0x80;

/** Raised for a hash type or input index the requested algorithm cannot sign. */
export class SighashError extends Error {
  override name = "SighashError";
}

function checkIndex(tx: TxFields, inputIndex: number): void {
  if (!Number.isInteger(inputIndex) || inputIndex < 0 || inputIndex >= tx.inputs.length) {
    throw new SighashError(`input index ${inputIndex} outside 0..${tx.inputs.length - 1}`);
  }
}

/**
 * The legacy signature hash (the original algorithm, for P2PK, P2PKH, bare and P2SH multisig).
 * `scriptCode` is the script being executed (the previous output script, or the P2SH redeem
 * script). It is used as given: no OP_CODESEPARATOR processing and no FindAndDelete of the
 * signature, which only matter for scripts this wallet never makes.
 */
export function legacySighash(
  tx: TxFields,
  inputIndex: number,
  scriptCode: Uint8Array,
  hashType: number,
): Uint8Array {
  checkIndex(tx, inputIndex);
  const base = hashType & 0x1f;
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  if (base === SIGHASH_SINGLE && inputIndex >= tx.outputs.length) {
    // Bitcoin's historical quirk: the "hash" is the number one.
    const one = new Uint8Array(32);
    one[0] = 1;
    return one;
  }
  const writer = new ByteWriter(
    64 + 50 * tx.inputs.length + scriptCode.length + outputsSize(tx.outputs),
  );
  writer.i32(tx.version);
  const signed = anyoneCanPay ? [inputIndex] : tx.inputs.map((_, i) => i);
  writer.compactSize(signed.length);
  for (const i of signed) {
    const input = tx.inputs[i];
    const own = i === inputIndex;
    outpointBytes(writer, tx, i).varBytes(own ? scriptCode : EMPTY);
    // NONE and SINGLE let the other inputs' sequences change.
    writer.u32(!own && (base === SIGHASH_NONE || base === SIGHASH_SINGLE) ? 0 : input.sequence);
  }
  if (base === SIGHASH_NONE) {
    writer.compactSize(0);
  } else if (base === SIGHASH_SINGLE) {
    // Outputs before the signed one are blanked: value -1, empty script.
    writer.compactSize(inputIndex + 1);
    for (let i = 0; i < inputIndex; i++) writer.u32(0xffffffff).u32(0xffffffff).compactSize(0);
    outputBytes(writer, tx.outputs[inputIndex]);
  } else {
    writer.compactSize(tx.outputs.length);
    for (const output of tx.outputs) outputBytes(writer, output);
  }
  writer.u32(tx.locktime).u32(hashType);
  return sha256d(writer.finish());
}

const EMPTY = new Uint8Array(0);

function outpointBytes(writer: ByteWriter, tx: TxFields, index: number): ByteWriter {
  const input = tx.inputs[index];
  return writer.bytes(input.prevHash).u32(input.prevIndex);
}

function outputBytes(writer: ByteWriter, output: TxOutput): ByteWriter {
  return writer.u64(output.value).varBytes(output.script);
}

/** An upper bound of the serialised size of `outputs`, to size writers up front. */
function outputsSize(outputs: TxOutput[]): number {
  let size = 9;
  for (const output of outputs) size += 17 + output.script.length;
  return size;
}

function singleOutput(output: TxOutput): Uint8Array {
  return outputBytes(new ByteWriter(outputsSize([output])), output).finish();
}

/**
 * The BIP 143 preimage (witness version 0) for input `inputIndex` spending `value` satoshis.
 * `scriptCode` is, for P2WPKH, `76a914{hash160}88ac`; for P2WSH, the witness script.
 */
export function witnessV0SigMsg(
  tx: TxFields,
  inputIndex: number,
  scriptCode: Uint8Array,
  value: number,
  hashType: number,
): Uint8Array {
  checkIndex(tx, inputIndex);
  const base = hashType & 0x1f;
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  const zero: Uint8Array = new Uint8Array(32);
  let hashPrevouts = zero;
  let hashSequence = zero;
  let hashOutputs = zero;
  if (!anyoneCanPay) {
    const writer = new ByteWriter(36 * tx.inputs.length);
    for (let i = 0; i < tx.inputs.length; i++) outpointBytes(writer, tx, i);
    hashPrevouts = sha256d(writer.finish());
  }
  if (!anyoneCanPay && base !== SIGHASH_SINGLE && base !== SIGHASH_NONE) {
    const writer = new ByteWriter(4 * tx.inputs.length);
    for (const input of tx.inputs) writer.u32(input.sequence);
    hashSequence = sha256d(writer.finish());
  }
  if (base !== SIGHASH_SINGLE && base !== SIGHASH_NONE) {
    const writer = new ByteWriter(outputsSize(tx.outputs));
    for (const output of tx.outputs) outputBytes(writer, output);
    hashOutputs = sha256d(writer.finish());
  } else if (base === SIGHASH_SINGLE && inputIndex < tx.outputs.length) {
    hashOutputs = sha256d(singleOutput(tx.outputs[inputIndex]));
  }
  const writer = new ByteWriter(160 + scriptCode.length)
    .i32(tx.version)
    .bytes(hashPrevouts)
    .bytes(hashSequence);
  outpointBytes(writer, tx, inputIndex)
    .varBytes(scriptCode)
    .u64(value)
    .u32(tx.inputs[inputIndex].sequence)
    .bytes(hashOutputs)
    .u32(tx.locktime)
    .u32(hashType);
  return writer.finish();
}

/** The BIP 143 signature hash: SHA256d of {@link witnessV0SigMsg}. */
export function witnessV0Sighash(
  tx: TxFields,
  inputIndex: number,
  scriptCode: Uint8Array,
  value: number,
  hashType: number,
): Uint8Array {
  return sha256d(witnessV0SigMsg(tx, inputIndex, scriptCode, value, hashType));
}

const TAG_HASHES = new Map<string, Uint8Array>();

/** BIP 340's tagged hash: SHA256(SHA256(tag) ‖ SHA256(tag) ‖ data…). */
export function taggedHash(tag: string, ...parts: Uint8Array[]): Uint8Array {
  let tagHash = TAG_HASHES.get(tag);
  if (!tagHash) {
    tagHash = sha256(new TextEncoder().encode(tag));
    TAG_HASHES.set(tag, tagHash);
  }
  return sha256(tagHash, tagHash, ...parts);
}

/** Options of a taproot signature message beyond the key path basics. */
export interface TaprootSigOptions {
  /** The annex (witness item starting 0x50), when the spend has one. */
  annex?: Uint8Array;
  /** For a script-path spend: the tapleaf hash (BIP 342); key path when absent. */
  leafHash?: Uint8Array;
  /** Position of the last executed OP_CODESEPARATOR (script path); none by default. */
  codeSeparatorPosition?: number;
}

/**
 * The BIP 341 signature message (SigMsg, before the "TapSighash" tagged hash, without the
 * leading epoch byte). `prevouts` are the outputs spent by every input, in input order.
 */
export function taprootSigMsg(
  tx: TxFields,
  inputIndex: number,
  prevouts: TxOutput[],
  hashType: number = SIGHASH_DEFAULT,
  options: TaprootSigOptions = {},
): Uint8Array {
  checkIndex(tx, inputIndex);
  if (prevouts.length !== tx.inputs.length) {
    throw new SighashError(
      `taproot signature needs all ${tx.inputs.length} spent outputs, got ${prevouts.length}`,
    );
  }
  if (!(hashType <= 0x03 || (hashType >= 0x81 && hashType <= 0x83))) {
    throw new SighashError(`invalid taproot hash type 0x${hashType.toString(16)}`);
  }
  const base = hashType & 0x03;
  const anyoneCanPay = (hashType & SIGHASH_ANYONECANPAY) !== 0;
  const writer = new ByteWriter(320 + prevouts[inputIndex].script.length)
    .u8(hashType)
    .i32(tx.version)
    .u32(tx.locktime);
  if (!anyoneCanPay) {
    const prevoutsW = new ByteWriter(36 * tx.inputs.length);
    const amounts = new ByteWriter(8 * tx.inputs.length);
    const scripts = new ByteWriter(outputsSize(prevouts));
    const sequences = new ByteWriter(4 * tx.inputs.length);
    for (let i = 0; i < tx.inputs.length; i++) {
      outpointBytes(prevoutsW, tx, i);
      amounts.u64(prevouts[i].value);
      scripts.varBytes(prevouts[i].script);
      sequences.u32(tx.inputs[i].sequence);
    }
    writer
      .bytes(sha256(prevoutsW.finish()))
      .bytes(sha256(amounts.finish()))
      .bytes(sha256(scripts.finish()))
      .bytes(sha256(sequences.finish()));
  }
  if (base !== SIGHASH_NONE && base !== SIGHASH_SINGLE) {
    const outputs = new ByteWriter(outputsSize(tx.outputs));
    for (const output of tx.outputs) outputBytes(outputs, output);
    writer.bytes(sha256(outputs.finish()));
  }
  const extFlag = options.leafHash ? 1 : 0;
  const spendType = extFlag * 2 + (options.annex ? 1 : 0);
  writer.u8(spendType);
  if (anyoneCanPay) {
    outpointBytes(writer, tx, inputIndex);
    outputBytes(writer, prevouts[inputIndex]);
    writer.u32(tx.inputs[inputIndex].sequence);
  } else {
    writer.u32(inputIndex);
  }
  if (options.annex) {
    writer.bytes(
      sha256(new ByteWriter(options.annex.length + 9).varBytes(options.annex).finish()),
    );
  }
  if (base === SIGHASH_SINGLE) {
    if (inputIndex >= tx.outputs.length) {
      throw new SighashError(`SIGHASH_SINGLE for input ${inputIndex} without a matching output`);
    }
    writer.bytes(sha256(singleOutput(tx.outputs[inputIndex])));
  }
  if (options.leafHash) {
    writer
      .bytes(options.leafHash)
      .u8(0) // key_version
      .u32(options.codeSeparatorPosition ?? 0xffffffff);
  }
  return writer.finish();
}

/** The BIP 341 signature hash: `TapSighash` tagged hash of epoch 0 ‖ {@link taprootSigMsg}. */
export function taprootSighash(
  tx: TxFields,
  inputIndex: number,
  prevouts: TxOutput[],
  hashType: number = SIGHASH_DEFAULT,
  options: TaprootSigOptions = {},
): Uint8Array {
  const message = taprootSigMsg(tx, inputIndex, prevouts, hashType, options);
  return taggedHash("TapSighash", new Uint8Array([0]), message);
}
