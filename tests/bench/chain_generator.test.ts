/**
 * The benchmark chain generator: deterministic for a seed, blocks that parse (merkle and
 * witness commitment right) and link from regtest's genesis, a UTXO-valid chain with the
 * promised shape, truth that agrees with an independent reading of the blocks, and the chain
 * directory's files.
 */
import assert from "node:assert/strict";
import { type Block, parseBlock } from "../../src/chain/block.ts";
import { bytesEqual, fromHex, hashToHex, toHex } from "../../src/chain/bytes.ts";
import { NETWORKS } from "../../src/chain/networks.ts";
import { classifyScript, isUnspendable, scriptHash } from "../../src/chain/script.ts";
import { isCoinbaseInput, parseTransaction } from "../../src/chain/transaction.ts";
import { witnessCommitmentScript } from "../../src/regtest/block_builder.ts";
import { StoredChain, writeGeneratedChain } from "../../src/bench/chain_directory.ts";
import { ChainGenerator, type GeneratedBlock } from "../../src/bench/chain_generator.ts";
import { TruthRecorder } from "../../src/bench/truth.ts";
import { ChainTruth } from "../support/chain_truth.ts";

const SHAPE = { txsPerBlock: 25, reusePool: 200 };

function generate(seed: number, blocks: number, truth?: TruthRecorder): GeneratedBlock[] {
  const generator = new ChainGenerator({ seed, shape: SHAPE, truth });
  return Array.from({ length: blocks + 1 }, () => generator.nextBlock());
}

const truth = new TruthRecorder();
const chain = generate(7, 150, truth);
const parsed: Block[] = chain.map((block) => parseBlock(block.raw));

Deno.test("the same seed gives the same chain, another seed another one", () => {
  const again = generate(7, 150);
  assert.equal(hashToHex(again[150].hash), hashToHex(chain[150].hash));
  assert.ok(again.every((block, i) => bytesEqual(block.raw, chain[i].raw)));
  assert.notEqual(hashToHex(generate(8, 150)[150].hash), hashToHex(chain[150].hash));
});

Deno.test("the chain starts at regtest's genesis and every block links to its parent", () => {
  assert.equal(hashToHex(parsed[0].header.hash), NETWORKS.regtest.genesisHash);
  for (let height = 1; height < parsed.length; height++) {
    const block = parsed[height];
    assert.ok(bytesEqual(block.header.prevHash, parsed[height - 1].header.hash), `link ${height}`);
    assert.ok(bytesEqual(block.header.hash, chain[height].hash));
    assert.equal(chain[height].height, height);
  }
});

Deno.test("blocks carry a valid witness commitment and the reported txids and offsets", () => {
  for (const [height, block] of parsed.entries()) {
    const generated = chain[height];
    assert.deepEqual(
      Array.from(
        generated.txOffsets,
        (_, i) => hashToHex(generated.txids.subarray(32 * i, 32 * i + 32)),
      ),
      block.transactions.map((tx) => hashToHex(tx.txid)),
    );
    generated.txOffsets.forEach((offset, i) => {
      const end = generated.txOffsets[i + 1] ?? generated.raw.length;
      assert.equal(end - offset, block.transactions[i].size, `tx ${i} of block ${height}`);
    });
    if (height === 0) continue;
    const coinbase = block.transactions[0];
    const commitment = coinbase.outputs[coinbase.outputs.length - 1].script;
    assert.equal(toHex(commitment), toHex(witnessCommitmentScript(block.transactions.slice(1))));
    assert.equal(coinbase.inputs[0].witness.length, 1, "coinbase witness reserved value");
  }
});

Deno.test("every input spends an existing unspent output exactly once, and none pays more", () => {
  const unspent = new Map<string, number>();
  let spends = 0;
  for (const [height, block] of parsed.entries()) {
    for (const tx of block.transactions) {
      let inValue = 0;
      for (const input of tx.inputs) {
        if (isCoinbaseInput(input)) continue;
        const key = `${hashToHex(input.prevHash)}:${input.prevIndex}`;
        const value = unspent.get(key);
        assert.ok(value !== undefined, `block ${height} spends missing or spent ${key}`);
        unspent.delete(key);
        inValue += value;
        spends++;
      }
      const outValue = tx.outputs.reduce((total, output) => total + output.value, 0);
      if (!isCoinbaseInput(tx.inputs[0])) assert.ok(inValue >= outValue, "fee is negative");
      if (height === 0) continue; // the genesis output is not spendable
      tx.outputs.forEach((output, vout) => {
        if (!isUnspendable(output.script)) {
          unspent.set(`${hashToHex(tx.txid)}:${vout}`, output.value);
        }
      });
    }
  }
  assert.ok(spends > 3000, `only ${spends} spends`);
});

Deno.test("the chain has the promised shape: script mix, batches, consolidations, reuse", () => {
  const types = new Map<string, number>();
  let batches = 0;
  let consolidations = 0;
  let oneOrTwoInputs = 0;
  let txs = 0;
  for (const block of parsed.slice(2)) {
    for (const tx of block.transactions.slice(1)) {
      txs++;
      if (tx.outputs.length >= 20) batches++;
      if (tx.inputs.length >= 20) consolidations++;
      if (tx.inputs.length <= 2) oneOrTwoInputs++;
      for (const output of tx.outputs) {
        const type = classifyScript(output.script);
        types.set(type, (types.get(type) ?? 0) + 1);
      }
    }
  }
  for (const type of ["p2wpkh", "p2tr", "p2pkh", "p2sh", "p2wsh", "op_return"]) {
    assert.ok((types.get(type) ?? 0) > 0, `no ${type} output`);
  }
  assert.ok(types.get("p2wpkh")! > types.get("p2tr")!, "P2WPKH dominates");
  assert.ok(
    batches > 0 && consolidations > 0,
    `${batches} batches, ${consolidations} consolidations`,
  );
  assert.ok(oneOrTwoInputs / txs > 0.75, "most transactions have one or two inputs");
  const busiest = truth.result().scripts[0];
  assert.ok(busiest.historyCount > 100, `busiest script has ${busiest.historyCount} entries`);
});

Deno.test("the recorded truth agrees with an independent reading of the blocks", () => {
  const expected = new ChainTruth();
  expected.addBlocks(parsed);
  const recorded = truth.result();
  assert.equal(recorded.txCount, expected.txCount);
  let historyRows = 0;
  let utxos = 0;
  for (const script of expected.scripts.values()) {
    historyRows += script.history.length;
    utxos += script.utxos.size;
  }
  assert.equal(recorded.historyRows, historyRows);
  assert.equal(recorded.utxoCount, utxos);
  assert.ok(recorded.scripts.length >= 10);
  const byScriptHash = new Map(
    [...expected.scripts.entries()].map((
      [key, script],
    ) => [scriptHash(fromHex(script.script)), { key, script }]),
  );
  for (const sample of recorded.scripts) {
    const { key, script } = byScriptHash.get(sample.scriptHash)!;
    assert.equal(sample.historyCount, script.history.length, `history of ${sample.script}`);
    assert.equal(sample.firstTxid, script.history[0][0]);
    assert.equal(sample.lastTxid, script.history[script.history.length - 1][0]);
    assert.equal(sample.balance, expected.balance(key));
    assert.equal(sample.utxoCount, script.utxos.size);
  }
});

Deno.test("a chain directory stores blocks, txids and a manifest that read back", () => {
  const directory = Deno.makeTempDirSync({ prefix: "electrumx-chain-" });
  try {
    const manifest = writeGeneratedChain(directory, { seed: 7, blocks: 150, shape: SHAPE });
    assert.equal(manifest.tipHash, hashToHex(chain[150].hash));
    assert.equal(manifest.genesisHash, NETWORKS.regtest.genesisHash);
    assert.equal(manifest.blocks, 151);
    assert.equal(manifest.txCount, parsed.reduce((n, block) => n + block.transactions.length, 0));
    assert.equal(manifest.bytes, chain.reduce((n, block) => n + block.raw.length, 0));
    assert.deepEqual(manifest.truth, truth.result());
    const stored = StoredChain.open(directory);
    try {
      for (const height of [0, 1, 77, 150]) {
        assert.ok(bytesEqual(stored.readBlock(height), chain[height].raw), `block ${height}`);
        assert.equal(stored.blocks[height].hash, hashToHex(chain[height].hash));
      }
      for (const [height, block] of parsed.entries()) {
        for (const tx of block.transactions) {
          const location = stored.findTransaction(tx.txid)!;
          assert.equal(location.height, height);
          const raw = stored.readRange(location.height, location.offset, location.length);
          assert.equal(hashToHex(parseTransaction(raw).txid), hashToHex(tx.txid));
        }
      }
      assert.equal(stored.findTransaction(new Uint8Array(32)), undefined);
    } finally {
      stored.close();
    }
  } finally {
    Deno.removeSync(directory, { recursive: true });
  }
});
