/**
 * A block reduced to what the index needs, in flat typed arrays: txids, the outpoints its
 * inputs spend, and the hashX and value of each spendable output. Digests are made off the
 * main thread (block_parser.ts) and moved to it without copying, so the indexer's thread
 * spends its time on the UTXO set and the database, not on parsing and hashing.
 */
import { parseBlock } from "../chain/block.ts";
import { hashToHex } from "../chain/bytes.ts";
import { hashX, HASHX_LENGTH, isUnspendable } from "../chain/script.ts";
import { isCoinbaseInput } from "../chain/transaction.ts";

/** The index's view of one block. */
export interface BlockDigest {
  height: number;
  /** Internal-order block hash. */
  hash: Uint8Array;
  /** The 80-byte header. */
  header: Uint8Array;
  /** Bytes of the serialised block. */
  size: number;
  txCount: number;
  /** 32 bytes per transaction, internal order. */
  txids: Uint8Array;
  /** Per non-coinbase input, in block order: the spending tx's position in the block. */
  inputTx: Uint32Array;
  /** 32 bytes per input: the spent output's txid. */
  inputPrevTxid: Uint8Array;
  inputPrevVout: Uint32Array;
  /** Per spendable output, in block order: its tx's position in the block. */
  outputTx: Uint32Array;
  outputVout: Uint32Array;
  /** 11 bytes per output. */
  outputHashX: Uint8Array;
  outputValue: Float64Array;
}

/** Every buffer of a digest, for transferring it between threads. */
export function digestBuffers(digest: BlockDigest): ArrayBuffer[] {
  return [
    digest.hash,
    digest.header,
    digest.txids,
    digest.inputTx,
    digest.inputPrevTxid,
    digest.inputPrevVout,
    digest.outputTx,
    digest.outputVout,
    digest.outputHashX,
    digest.outputValue,
  ].map((array) => array.buffer as ArrayBuffer);
}

/**
 * Parses a raw block (checking its merkle root) and digests it. Genesis is digested with no
 * transactions, as ElectrumX indexes it: its output is unspendable.
 */
export function digestBlock(raw: Uint8Array, height: number): BlockDigest {
  const block = parseBlock(raw);
  const transactions = height === 0 ? [] : block.transactions;
  let inputs = 0;
  let outputs = 0;
  for (const tx of transactions) {
    inputs += tx.inputs.length;
    outputs += tx.outputs.length;
  }
  const txids = new Uint8Array(32 * transactions.length);
  const inputTx = new Uint32Array(inputs);
  const inputPrevTxid = new Uint8Array(32 * inputs);
  const inputPrevVout = new Uint32Array(inputs);
  const outputTx = new Uint32Array(outputs);
  const outputVout = new Uint32Array(outputs);
  const outputHashX = new Uint8Array(HASHX_LENGTH * outputs);
  const outputValue = new Float64Array(outputs);
  let nIn = 0;
  let nOut = 0;
  for (let t = 0; t < transactions.length; t++) {
    const tx = transactions[t];
    txids.set(tx.txid, 32 * t);
    for (const input of tx.inputs) {
      if (isCoinbaseInput(input)) continue;
      inputTx[nIn] = t;
      inputPrevTxid.set(input.prevHash, 32 * nIn);
      inputPrevVout[nIn] = input.prevIndex;
      nIn++;
    }
    for (let vout = 0; vout < tx.outputs.length; vout++) {
      const output = tx.outputs[vout];
      if (isUnspendable(output.script)) continue;
      outputTx[nOut] = t;
      outputVout[nOut] = vout;
      outputHashX.set(hashX(output.script), HASHX_LENGTH * nOut);
      outputValue[nOut] = output.value;
      nOut++;
    }
  }
  return {
    height,
    hash: block.header.hash.slice(),
    header: block.header.raw.slice(),
    size: raw.length,
    txCount: transactions.length,
    txids,
    // Trimmed copies: coinbase inputs and unspendable outputs were counted above.
    inputTx: inputTx.slice(0, nIn),
    inputPrevTxid: inputPrevTxid.slice(0, 32 * nIn),
    inputPrevVout: inputPrevVout.slice(0, nIn),
    outputTx: outputTx.slice(0, nOut),
    outputVout: outputVout.slice(0, nOut),
    outputHashX: outputHashX.slice(0, HASHX_LENGTH * nOut),
    outputValue: outputValue.slice(0, nOut),
  };
}

/** Display hex of a digest's block hash. */
export function digestHashHex(digest: BlockDigest): string {
  return hashToHex(digest.hash);
}
