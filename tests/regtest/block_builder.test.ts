/** The block builder's pure parts: subsidy, BIP 34 height pushes, targets, commitments. */
import assert from "node:assert/strict";
import { fromHex, toHex } from "../../src/chain/bytes.ts";
import { parseHeader } from "../../src/chain/header.ts";
import {
  assembleBlock,
  blockSubsidy,
  buildCoinbase,
  compactToTarget,
  hashMeetsTarget,
  REGTEST_BITS,
  scriptNumberPush,
} from "../../src/regtest/block_builder.ts";
import { parseBlock } from "../../src/chain/block.ts";

Deno.test("block subsidy halves every 150 blocks on regtest", () => {
  assert.equal(blockSubsidy(0), 5_000_000_000);
  assert.equal(blockSubsidy(149), 5_000_000_000);
  assert.equal(blockSubsidy(150), 2_500_000_000);
  assert.equal(blockSubsidy(450), 625_000_000);
  assert.equal(blockSubsidy(150 * 33), 0);
  assert.equal(blockSubsidy(420_000, 210_000), 1_250_000_000);
});

Deno.test("BIP 34 height pushes are minimal script numbers", () => {
  assert.equal(toHex(scriptNumberPush(0)), "00");
  assert.equal(toHex(scriptNumberPush(1)), "51");
  assert.equal(toHex(scriptNumberPush(16)), "60");
  assert.equal(toHex(scriptNumberPush(17)), "0111");
  assert.equal(toHex(scriptNumberPush(127)), "017f");
  assert.equal(toHex(scriptNumberPush(128)), "028000");
  assert.equal(toHex(scriptNumberPush(255)), "02ff00");
  assert.equal(toHex(scriptNumberPush(256)), "020001");
  // 227,836 = 0x0379fc, pushed little-endian.
  assert.equal(toHex(scriptNumberPush(227_836)), "03fc7903");
  // A set top bit needs a zero byte, or the number would read as negative.
  assert.equal(toHex(scriptNumberPush(0x800000)), "0400008000");
});

Deno.test("compact targets expand as Bitcoin does", () => {
  assert.equal(
    toHex(compactToTarget(0x1d00ffff)),
    "00000000ffff0000000000000000000000000000000000000000000000000000",
  );
  assert.equal(
    toHex(compactToTarget(REGTEST_BITS)),
    "7fffff0000000000000000000000000000000000000000000000000000000000",
  );
  // The mainnet genesis header meets its target; one bit more difficulty it does not.
  const genesis = parseHeader(fromHex(
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c",
  ));
  assert.ok(hashMeetsTarget(genesis.hash, compactToTarget(genesis.bits)));
  assert.ok(!hashMeetsTarget(genesis.hash, compactToTarget(0x1a00ffff)));
});

Deno.test("an assembled block parses, its merkle root and proof of work hold", () => {
  const coinbase = buildCoinbase({
    height: 500,
    outputs: [{ value: blockSubsidy(500), script: fromHex("51") }],
    witness: true,
    transactions: [],
    tag: new Uint8Array([1, 2, 3, 4]),
  });
  assert.equal(toHex(coinbase.tx.inputs[0].script), "02f401" + "0401020304");
  assert.equal(coinbase.tx.outputs.length, 2);
  // With no other transactions the witness root is the zero coinbase wtxid; bcoin's
  // getblocktemplate gives this same default_witness_commitment for an empty template.
  assert.equal(
    toHex(coinbase.tx.outputs[1].script),
    "6a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9",
  );
  const built = assembleBlock(
    { version: 0x20000000, prevHash: new Uint8Array(32), time: 1_700_000_000, bits: REGTEST_BITS },
    coinbase,
    [],
  );
  const block = parseBlock(built.raw);
  assert.deepEqual(block.header.hash, built.hash);
  assert.deepEqual(block.transactions[0].txid, coinbase.tx.txid);
  assert.ok(hashMeetsTarget(built.hash, compactToTarget(REGTEST_BITS)));
});
