/**
 * Large regtest chains, fast: transactions spend anyone-can-spend (`OP_TRUE`) outputs, so they
 * need no signatures, and are mined straight into blocks (bare `OP_TRUE` spends are valid by
 * consensus though not relayed). Each transaction also pays a script drawn from a pool with
 * heavy-tailed reuse, across the common script types, plus the odd OP_RETURN. Used where a
 * test or the demo needs thousands of transactions in seconds, e.g. crash tests that must
 * catch a sync between flushes.
 */
import { sha256 } from "../chain/hash.ts";
import { opReturnScript, p2pkhScript, p2shScript, witnessScript } from "../chain/script.ts";
import { parseTransaction, serializeTransaction, type TxInput } from "../chain/transaction.ts";
import { Random } from "./activity.ts";
import { COINBASE_MATURITY, type RegtestNode } from "./node.ts";

/** `OP_TRUE`: spendable with an empty scriptSig. */
const ANYONE_CAN_SPEND = new Uint8Array([0x51]);
const FEE = 1_000;
const PAYMENT = 5_000;

export interface BulkChainOptions {
  /** Blocks of transactions to mine (after the funding blocks). */
  blocks: number;
  txsPerBlock: number;
  /** Distinct payee scripts; reuse follows a heavy tail over them. */
  scripts?: number;
  seed?: number;
}

interface SpendableOutput {
  txid: Uint8Array;
  vout: number;
  value: number;
}

/** A payee script of one of the common types, derived from `index`. */
function payeeScript(index: number): Uint8Array {
  const digest = sha256(new TextEncoder().encode(`bulk payee ${index}`));
  switch (index % 5) {
    case 0:
      return witnessScript(0, digest.subarray(0, 20));
    case 1:
      return witnessScript(1, digest);
    case 2:
      return p2pkhScript(digest.subarray(0, 20));
    case 3:
      return p2shScript(digest.subarray(0, 20));
    default:
      return witnessScript(0, digest);
  }
}

function spend(output: SpendableOutput): TxInput {
  return {
    prevHash: output.txid,
    prevIndex: output.vout,
    script: new Uint8Array(0),
    sequence: 0xffffffff,
    witness: [],
  };
}

/**
 * Mines funding blocks whose coinbases are anyone-can-spend, then `blocks` blocks of
 * `txsPerBlock` transactions each. Returns the number of transactions created.
 */
export async function mineBulkChain(node: RegtestNode, options: BulkChainOptions): Promise<number> {
  const random = new Random(options.seed ?? 1);
  const scriptCount = options.scripts ?? 500;
  // One coinbase funds a few hundred transactions' fees and payments.
  const fundingBlocks = Math.ceil((options.blocks * options.txsPerBlock) / 400) + 1;
  const funding = await node.mineBlocks(fundingBlocks, ANYONE_CAN_SPEND);
  await node.mine(COINBASE_MATURITY, { mempool: false });
  const pool: SpendableOutput[] = funding.map((block) => ({
    txid: block.coinbase.tx.txid,
    vout: 0,
    value: block.coinbase.tx.outputs[0].value,
  }));
  let created = 0;
  for (let b = 0; b < options.blocks; b++) {
    const transactions: { raw: Uint8Array; fee: number }[] = [];
    for (let t = 0; t < options.txsPerBlock && pool.length > 0; t++) {
      // Mostly one input, sometimes two; spend recent and old outputs alike.
      const inputs = [pool.splice(Math.floor(random.next() * pool.length), 1)[0]];
      if (pool.length > 0 && random.next() < 0.2) {
        inputs.push(pool.splice(Math.floor(random.next() * pool.length), 1)[0]);
      }
      const total = inputs.reduce((sum, input) => sum + input.value, 0);
      // Heavy tail: index = n * u^3 picks low indexes far more often.
      const payee = payeeScript(Math.floor(scriptCount * random.next() ** 3));
      const outputs = [{ value: PAYMENT, script: payee }];
      if (random.next() < 0.05) {
        outputs.push({ value: 0, script: opReturnScript(new Uint8Array([b, t])) });
      }
      const change = total - PAYMENT - FEE;
      if (change < PAYMENT + FEE) continue;
      const changeOutputs = random.next() < 0.1 ? 2 : 1;
      for (let i = 0; i < changeOutputs; i++) {
        outputs.push({ value: Math.floor(change / changeOutputs), script: ANYONE_CAN_SPEND });
      }
      const raw = serializeTransaction({
        version: 2,
        inputs: inputs.map(spend),
        outputs,
        locktime: 0,
      });
      const txid = parseTransaction(raw).txid;
      outputs.forEach((output, vout) => {
        if (output.script === ANYONE_CAN_SPEND) pool.push({ txid, vout, value: output.value });
      });
      transactions.push({ raw, fee: FEE });
      created++;
    }
    await node.mineBlocks(1, { transactions, mempool: false });
  }
  return created;
}
