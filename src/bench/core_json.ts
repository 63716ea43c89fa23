/**
 * Headers, blocks, transactions and mempool entries as Bitcoin Core's RPC shows them in JSON
 * (getblockheader, getblock verbosity 1, getrawtransaction verbose, getmempoolentry), for the
 * replay daemon. Script `asm` and output descriptors are left out: no Electrum server reads
 * them.
 */
import { hashToHex, toHex } from "../chain/bytes.ts";
import { parseHeader } from "../chain/header.ts";
import type { Network } from "../chain/networks.ts";
import { classifyScript, type ScriptType } from "../chain/script.ts";
import { scriptToAddress } from "../chain/address.ts";
import { isCoinbaseInput, type Transaction, txVsize, txWeight } from "../chain/transaction.ts";

/** Difficulty of regtest's target (bits 207fffff). */
const REGTEST_DIFFICULTY = 4.656542373906925e-10;
/** Work of one regtest block: 2^256 / (target + 1). */
const REGTEST_BLOCK_WORK = 2n;

/** Core's names of script types. */
const CORE_SCRIPT_TYPES: Record<ScriptType, string> = {
  p2pk: "pubkey",
  p2pkh: "pubkeyhash",
  p2sh: "scripthash",
  p2wpkh: "witness_v0_keyhash",
  p2wsh: "witness_v0_scripthash",
  p2tr: "witness_v1_taproot",
  p2a: "anchor",
  witness_unknown: "witness_unknown",
  multisig: "multisig",
  op_return: "nulldata",
  nonstandard: "nonstandard",
};

/** Satoshis as Core shows amounts: BTC with 8 decimals. */
export function btc(satoshis: number): number {
  return Number((satoshis / 1e8).toFixed(8));
}

/** `chainwork` of the block at `height` of a regtest chain. */
export function regtestChainwork(height: number): string {
  return (BigInt(height + 1) * REGTEST_BLOCK_WORK).toString(16).padStart(64, "0");
}

/** Where a block stands, for its JSON. */
export interface BlockContext {
  height: number;
  /** -1 for a block off the active chain. */
  confirmations: number;
  txCount: number;
  /** Median time of the block and the 10 before it. */
  medianTime: number;
  nextHash?: string;
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}

/** getblockheader's verbose reply. */
export function headerJson(rawHeader: Uint8Array, context: BlockContext): Record<string, unknown> {
  const header = parseHeader(rawHeader);
  const json: Record<string, unknown> = {
    hash: hashToHex(header.hash),
    confirmations: context.confirmations,
    height: context.height,
    version: header.version,
    versionHex: hex32(header.version),
    merkleroot: hashToHex(header.merkleRoot),
    time: header.time,
    mediantime: context.medianTime,
    nonce: header.nonce,
    bits: hex32(header.bits),
    difficulty: REGTEST_DIFFICULTY,
    chainwork: regtestChainwork(context.height),
    nTx: context.txCount,
  };
  if (context.height > 0) json.previousblockhash = hashToHex(header.prevHash);
  if (context.nextHash) json.nextblockhash = context.nextHash;
  return json;
}

/** getblock's reply at verbosity 1. */
export function blockJson(
  rawHeader: Uint8Array,
  transactions: Transaction[],
  size: number,
  context: BlockContext,
): Record<string, unknown> {
  let stripped = size;
  for (const tx of transactions) stripped -= tx.size - tx.strippedSize;
  const { nTx: _, previousblockhash, nextblockhash, ...rest } = headerJson(rawHeader, context);
  return {
    ...rest,
    size,
    strippedsize: stripped,
    weight: 3 * stripped + size,
    tx: transactions.map((tx) => hashToHex(tx.txid)),
    nTx: transactions.length,
    ...(previousblockhash === undefined ? {} : { previousblockhash }),
    ...(nextblockhash === undefined ? {} : { nextblockhash }),
  };
}

/** Where a confirmed transaction is, for its JSON. */
export interface TxContext {
  blockHash: string;
  confirmations: number;
  time: number;
}

/** getrawtransaction's verbose reply. */
export function transactionJson(
  raw: Uint8Array,
  tx: Transaction,
  network: Network,
  context?: TxContext,
): Record<string, unknown> {
  const vin = tx.inputs.map((input) => {
    const witness = input.witness.length > 0
      ? { txinwitness: input.witness.map((item) => toHex(item)) }
      : {};
    if (isCoinbaseInput(input)) {
      return { coinbase: toHex(input.script), ...witness, sequence: input.sequence };
    }
    return {
      txid: hashToHex(input.prevHash),
      vout: input.prevIndex,
      scriptSig: { hex: toHex(input.script) },
      ...witness,
      sequence: input.sequence,
    };
  });
  const vout = tx.outputs.map((output, n) => {
    const address = scriptToAddress(output.script, network);
    return {
      value: btc(output.value),
      n,
      scriptPubKey: {
        hex: toHex(output.script),
        ...(address === undefined ? {} : { address }),
        type: CORE_SCRIPT_TYPES[classifyScript(output.script)],
      },
    };
  });
  const json: Record<string, unknown> = {
    txid: hashToHex(tx.txid),
    hash: hashToHex(tx.wtxid),
    version: tx.version,
    size: tx.size,
    vsize: txVsize(tx),
    weight: txWeight(tx),
    locktime: tx.locktime,
    vin,
    vout,
    hex: toHex(raw),
  };
  if (context) {
    json.blockhash = context.blockHash;
    json.confirmations = context.confirmations;
    json.time = context.time;
    json.blocktime = context.time;
  }
  return json;
}
