/**
 * Bitcoin transactions, legacy and segwit (BIP 144): parsing with txid and wtxid, and
 * serialisation for transactions we build ourselves (test wallets, generated chains).
 */
import { ByteReader, ByteWriter, DecodeError } from "./bytes.ts";
import { sha256d } from "./hash.ts";

/** An input: the outpoint it spends, its scriptSig, sequence and witness stack. */
export interface TxInput {
  /** Txid of the spent output's transaction, internal byte order. */
  prevHash: Uint8Array;
  prevIndex: number;
  script: Uint8Array;
  sequence: number;
  witness: Uint8Array[];
}

/** An output: value in satoshis and the scriptPubKey. */
export interface TxOutput {
  value: number;
  script: Uint8Array;
}

/** The fields a transaction is made of, enough to serialise it. */
export interface TxFields {
  version: number;
  inputs: TxInput[];
  outputs: TxOutput[];
  locktime: number;
}

/** A parsed transaction with its identifiers and sizes. */
export interface Transaction extends TxFields {
  /** SHA256d of the non-witness serialisation, internal byte order. */
  readonly txid: Uint8Array;
  /** SHA256d of the full serialisation, internal byte order (computed on first use). */
  readonly wtxid: Uint8Array;
  /** The full serialisation (a view into the parsed buffer). */
  readonly raw: Uint8Array;
  /** Bytes of the full serialisation. */
  readonly size: number;
  /** Bytes of the non-witness serialisation. */
  readonly strippedSize: number;
  readonly hasWitness: boolean;
}

/**
 * A transaction read from bytes. The wtxid is computed only when asked for: the indexer never
 * needs it, and it would cost a second SHA256d for every segwit transaction.
 */
class ParsedTransaction implements Transaction {
  #wtxid?: Uint8Array;

  constructor(
    readonly version: number,
    readonly inputs: TxInput[],
    readonly outputs: TxOutput[],
    readonly locktime: number,
    readonly txid: Uint8Array,
    readonly raw: Uint8Array,
    readonly strippedSize: number,
    readonly hasWitness: boolean,
  ) {
    if (!hasWitness) this.#wtxid = txid;
  }

  get wtxid(): Uint8Array {
    return this.#wtxid ??= sha256d(this.raw);
  }

  get size(): number {
    return this.raw.length;
  }
}

const COINBASE_PREV_INDEX = 0xffffffff;

/** True for the input of a coinbase transaction (null prevout), which spends nothing. */
export function isCoinbaseInput(input: TxInput): boolean {
  if (input.prevIndex !== COINBASE_PREV_INDEX) return false;
  for (let i = 0; i < 32; i++) if (input.prevHash[i] !== 0) return false;
  return true;
}

/** BIP 141 weight. */
export function txWeight(tx: Transaction): number {
  return 3 * tx.strippedSize + tx.size;
}

/** Virtual size, `ceil(weight / 4)` (not sigop-adjusted, as ElectrumX). */
export function txVsize(tx: Transaction): number {
  return Math.ceil(txWeight(tx) / 4);
}

/**
 * Reads one transaction at the reader's offset. Byte arrays in the result are views into the
 * reader's buffer, so parsing a block copies nothing but the hashes.
 */
export function readTransaction(reader: ByteReader): Transaction {
  const bytes = reader.bytes;
  const start = reader.offset;
  const version = reader.i32();
  let hasWitness = false;
  if (reader.remaining >= 2 && bytes[reader.offset] === 0) {
    if (bytes[reader.offset + 1] !== 1) {
      throw new DecodeError(`transaction at offset ${start}: bad segwit flag`);
    }
    hasWitness = true;
    reader.offset += 2;
  }
  const bodyStart = reader.offset;
  const inputCount = reader.compactSize();
  if (inputCount > reader.remaining / 41) {
    throw new DecodeError(`transaction at offset ${start}: ${inputCount} inputs cannot fit`);
  }
  const inputs: TxInput[] = new Array(inputCount);
  for (let i = 0; i < inputCount; i++) {
    inputs[i] = {
      prevHash: reader.bytesView(32),
      prevIndex: reader.u32(),
      script: reader.varBytes(),
      sequence: reader.u32(),
      witness: [],
    };
  }
  const outputCount = reader.compactSize();
  if (outputCount > reader.remaining / 9) {
    throw new DecodeError(`transaction at offset ${start}: ${outputCount} outputs cannot fit`);
  }
  const outputs: TxOutput[] = new Array(outputCount);
  for (let i = 0; i < outputCount; i++) {
    outputs[i] = { value: reader.u64(), script: reader.varBytes() };
  }
  const bodyEnd = reader.offset;
  if (hasWitness) {
    let witnessItems = 0;
    for (const input of inputs) {
      const items = reader.compactSize();
      if (items > reader.remaining) {
        throw new DecodeError(`transaction at offset ${start}: witness stack cannot fit`);
      }
      for (let j = 0; j < items; j++) input.witness.push(reader.varBytes());
      witnessItems += items;
    }
    // Core rejects this ("superfluous witness record"): serialising the parsed transaction
    // again would drop the marker, so its size and wtxid would disagree with bitcoind's.
    if (witnessItems === 0) {
      throw new DecodeError(
        `transaction at offset ${start}: segwit marker but every witness stack is empty`,
      );
    }
  }
  const locktimeAt = reader.offset;
  const locktime = reader.u32();
  const end = reader.offset;
  const full = bytes.subarray(start, end);
  const txid = hasWitness
    ? sha256d(
      bytes.subarray(start, start + 4),
      bytes.subarray(bodyStart, bodyEnd),
      bytes.subarray(locktimeAt, end),
    )
    : sha256d(full);
  const strippedSize = hasWitness ? 8 + (bodyEnd - bodyStart) : end - start;
  return new ParsedTransaction(
    version,
    inputs,
    outputs,
    locktime,
    txid,
    full,
    strippedSize,
    hasWitness,
  );
}

/** Parses a complete serialised transaction; trailing bytes are an error. */
export function parseTransaction(raw: Uint8Array): Transaction {
  const reader = new ByteReader(raw);
  const tx = readTransaction(reader);
  if (reader.remaining !== 0) {
    throw new DecodeError(`transaction has ${reader.remaining} trailing bytes`);
  }
  return tx;
}

/**
 * Serialises a transaction; with `withWitness` (the default) the BIP 144 form is used when
 * any input has witness data, as bitcoind does.
 */
export function serializeTransaction(
  tx: TxFields,
  options: { withWitness?: boolean } = {},
): Uint8Array {
  const witness = (options.withWitness ?? true) && tx.inputs.some((i) => i.witness.length > 0);
  const writer = new ByteWriter(64 + tx.inputs.length * 150 + tx.outputs.length * 40);
  writer.i32(tx.version);
  if (witness) writer.u8(0).u8(1);
  writer.compactSize(tx.inputs.length);
  for (const input of tx.inputs) {
    writer.bytes(input.prevHash).u32(input.prevIndex).varBytes(input.script).u32(input.sequence);
  }
  writer.compactSize(tx.outputs.length);
  for (const output of tx.outputs) writer.u64(output.value).varBytes(output.script);
  if (witness) {
    for (const input of tx.inputs) {
      writer.compactSize(input.witness.length);
      for (const item of input.witness) writer.varBytes(item);
    }
  }
  writer.u32(tx.locktime);
  return writer.finish();
}
