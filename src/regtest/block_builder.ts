/**
 * Building regtest blocks outside the node: a coinbase paying any output script (BIP 34 height
 * push, BIP 141 witness commitment), the merkle root, and a nonce ground for the trivial
 * regtest target. The node accepts the result through `submitblock`.
 */
import { ByteWriter, concatBytes } from "../chain/bytes.ts";
import { sha256d } from "../chain/hash.ts";
import { merkleRoot } from "../chain/merkle.ts";
import {
  parseTransaction,
  serializeTransaction,
  type Transaction,
  type TxOutput,
} from "../chain/transaction.ts";

/** Regtest's compact target (bcoin and Bitcoin Core): anything below 0x7fffff << 232. */
export const REGTEST_BITS = 0x207fffff;

/** Blocks between subsidy halvings: bcoin's and Core's regtest use 150. */
export const REGTEST_HALVING_INTERVAL = 150;

/** 50 BTC. */
const INITIAL_SUBSIDY = 50 * 100_000_000;

/** The BIP 141 commitment output script prefix: OP_RETURN, push 36, magic aa21a9ed. */
const COMMITMENT_PREFIX = new Uint8Array([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]);

/** Raised when no nonce gives a hash under the target (only with a real difficulty). */
export class BlockBuildError extends Error {
  override name = "BlockBuildError";
}

/** The block subsidy at `height`, in satoshis. */
export function blockSubsidy(
  height: number,
  halvingInterval: number = REGTEST_HALVING_INTERVAL,
): number {
  const halvings = Math.floor(height / halvingInterval);
  if (halvings >= 64) return 0;
  return Math.floor(INITIAL_SUBSIDY / 2 ** halvings);
}

/**
 * The script push of a number as BIP 34 wants the height (Bitcoin Core's `CScript() << n`):
 * OP_0, OP_1..OP_16, or a minimal little-endian sign-magnitude push.
 */
export function scriptNumberPush(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`bad script number ${value}`);
  if (value === 0) return new Uint8Array([0x00]);
  if (value <= 16) return new Uint8Array([0x50 + value]);
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0) {
    bytes.push(rest % 256);
    rest = Math.floor(rest / 256);
  }
  if (bytes[bytes.length - 1] & 0x80) bytes.push(0);
  return new Uint8Array([bytes.length, ...bytes]);
}

/** The expanded 256-bit target of a compact `bits` value, big-endian. */
export function compactToTarget(bits: number): Uint8Array {
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007fffff;
  const target = new Uint8Array(32);
  if (bits & 0x00800000) return target; // negative: nothing is below it
  for (let i = 0; i < 3; i++) {
    const byte = (mantissa >>> (8 * (2 - i))) & 0xff;
    const position = 32 - exponent + i;
    if (position >= 0 && position < 32) target[position] = byte;
  }
  return target;
}

/** True when the (internal-order) hash, read as a little-endian number, is ≤ the target. */
export function hashMeetsTarget(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const h = hash[31 - i];
    if (h !== target[i]) return h < target[i];
  }
  return true;
}

/** The BIP 141 witness commitment output script for the block's other transactions. */
export function witnessCommitmentScript(transactions: Transaction[]): Uint8Array {
  const leaves = [new Uint8Array(32), ...transactions.map((tx) => tx.wtxid)];
  return commitmentOfRoot(merkleRoot(leaves));
}

/** The witness commitment output script for the merkle root of a block's wtxids. */
function commitmentOfRoot(witnessRoot: Uint8Array): Uint8Array {
  return concatBytes(COMMITMENT_PREFIX, sha256d(witnessRoot, WITNESS_RESERVED_VALUE));
}

/** The coinbase witness nonce: 32 zero bytes. */
const WITNESS_RESERVED_VALUE = new Uint8Array(32);

/** A transaction with its exact serialisation (kept, so nothing is re-encoded). */
export interface RawTx {
  raw: Uint8Array;
  tx: Transaction;
}

/** Parses `raw` into a {@link RawTx}. */
export function rawTx(raw: Uint8Array): RawTx {
  return { raw, tx: parseTransaction(raw) };
}

/** What a coinbase needs to know. */
export interface CoinbaseSpec {
  height: number;
  /** The outputs paid (the witness commitment is appended when `witness` is set). */
  outputs: TxOutput[];
  /** Add the witness commitment output and the witness nonce (segwit active). */
  witness: boolean;
  /** The block's other transactions, for the witness commitment. */
  transactions?: Transaction[];
  /**
   * Instead of `transactions`: the merkle root of the block's wtxids (the coinbase's taken as
   * zero), for a caller that computed it.
   */
  witnessRoot?: Uint8Array;
  /** Extra bytes pushed after the height, making the coinbase txid unique. */
  tag?: Uint8Array;
}

/** Builds the coinbase transaction. */
export function buildCoinbase(spec: CoinbaseSpec): RawTx {
  const heightPush = scriptNumberPush(spec.height);
  const tag = spec.tag ?? new Uint8Array(0);
  if (tag.length > 75) throw new RangeError("coinbase tag longer than 75 bytes");
  let scriptSig = tag.length > 0
    ? concatBytes(heightPush, new Uint8Array([tag.length]), tag)
    : heightPush;
  // A coinbase scriptSig must be 2..100 bytes; Core pads small heights with OP_0.
  if (scriptSig.length < 2) scriptSig = concatBytes(scriptSig, new Uint8Array([0x00]));
  const outputs = [...spec.outputs];
  if (spec.witness) {
    outputs.push({
      value: 0,
      script: spec.witnessRoot
        ? commitmentOfRoot(spec.witnessRoot)
        : witnessCommitmentScript(spec.transactions ?? []),
    });
  }
  const raw = serializeTransaction({
    version: 2,
    inputs: [{
      prevHash: new Uint8Array(32),
      prevIndex: 0xffffffff,
      script: scriptSig,
      sequence: 0xffffffff,
      witness: spec.witness ? [WITNESS_RESERVED_VALUE] : [],
    }],
    outputs,
    locktime: 0,
  });
  return rawTx(raw);
}

/** The header fields chosen by the miner. */
export interface HeaderSpec {
  version: number;
  /** Parent block hash, internal byte order. */
  prevHash: Uint8Array;
  time: number;
  bits: number;
}

/** A built block with its hash. */
export interface BuiltBlock {
  /** The serialised block. */
  raw: Uint8Array;
  /** Block hash, internal byte order. */
  hash: Uint8Array;
  header: Uint8Array;
  coinbase: RawTx;
  transactions: RawTx[];
}

/**
 * Assembles a block (`coinbase` then `transactions`) and grinds the nonce until the header hash meets `bits`.
 */
export function assembleBlock(
  header: HeaderSpec,
  coinbase: RawTx,
  transactions: RawTx[],
  maxTries = 0x1_0000_0000,
): BuiltBlock {
  const all = [coinbase, ...transactions];
  const root = merkleRoot(all.map((entry) => entry.tx.txid));
  const { header: headerBytes, hash } = mineHeader(header, root, maxTries);
  let size = 80 + 9;
  for (const entry of all) size += entry.raw.length;
  const writer = new ByteWriter(size).bytes(headerBytes).compactSize(all.length);
  for (const entry of all) writer.bytes(entry.raw);
  return { raw: writer.finish(), hash, header: headerBytes, coinbase, transactions };
}

/** The 80-byte header over `merkleRoot`, its nonce ground until the hash meets `bits`. */
export function mineHeader(
  header: HeaderSpec,
  merkleRoot: Uint8Array,
  maxTries = 0x1_0000_0000,
): { header: Uint8Array; hash: Uint8Array } {
  const headerBytes = new ByteWriter(80)
    .i32(header.version)
    .bytes(header.prevHash)
    .bytes(merkleRoot)
    .u32(header.time)
    .u32(header.bits)
    .u32(0)
    .finish();
  const target = compactToTarget(header.bits);
  const view = new DataView(headerBytes.buffer, headerBytes.byteOffset, 80);
  let hash = sha256d(headerBytes);
  let tries = 1;
  while (!hashMeetsTarget(hash, target)) {
    if (tries >= maxTries) throw new BlockBuildError(`no nonce found in ${tries} tries`);
    view.setUint32(76, tries, true);
    hash = sha256d(headerBytes);
    tries++;
  }
  return { header: headerBytes, hash };
}
