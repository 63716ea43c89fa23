/**
 * Transactions of the real blocks: identifiers, sizes and weights against bitcoind's figures,
 * byte-exact serialisation round trips, and malformed input.
 */
import assert from "node:assert/strict";
import { concatBytes, DecodeError, fromHex, hashToHex, toHex } from "../../src/chain/bytes.ts";
import { sha256d } from "../../src/chain/hash.ts";
import {
  isCoinbaseInput,
  parseTransaction,
  serializeTransaction,
  type TxFields,
  txVsize,
  txWeight,
} from "../../src/chain/transaction.ts";
import {
  JSON_FIXTURES,
  RAW_FIXTURES,
  readJsonFixture,
  readRawFixture,
  walkBlock,
} from "./fixtures.ts";

/** Asserts that `fn` throws a DecodeError whose message matches `message`. */
function assertDecodeError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: Error) => error instanceof DecodeError && message.test(error.message));
}

/** Every fixture block's raw bytes, by name. */
function allFixtureBlocks(): [string, Uint8Array][] {
  return [
    ...JSON_FIXTURES.map((name): [string, Uint8Array] => [name, readJsonFixture(name).raw]),
    ...RAW_FIXTURES.map(({ hash }): [string, Uint8Array] => [hash, readRawFixture(hash)]),
  ];
}

const block951658 = walkBlock(readJsonFixture("bitcoin_mainnet_951658.json").raw).txs;

Deno.test("every transaction of every fixture serialises back to its exact bytes", () => {
  let checked = 0;
  for (const [name, raw] of allFixtureBlocks()) {
    for (const { tx, bytes } of walkBlock(raw).txs) {
      const label = `${name} ${hashToHex(tx.txid)}`;
      assert.deepEqual(serializeTransaction(tx), bytes, label);
      assert.deepEqual(parseTransaction(bytes).wtxid, tx.wtxid, label);
      const stripped = serializeTransaction(tx, { withWitness: false });
      assert.equal(stripped.length, tx.strippedSize, label);
      assert.deepEqual(sha256d(stripped), tx.txid, label);
      assert.deepEqual(sha256d(bytes), tx.wtxid, label);
      assert.equal(tx.size, bytes.length, label);
      assert.equal(tx.hasWitness, tx.inputs.some((input) => input.witness.length > 0), label);
      if (!tx.hasWitness) assert.equal(tx.txid, tx.wtxid, label);
      checked++;
    }
  }
  assert.equal(checked, 374 + 3 + 16 + 1652 + 202);
});

Deno.test("block 951658: witness, input and output counts", () => {
  assert.equal(block951658.length, 374);
  assert.equal(block951658.filter(({ tx }) => tx.hasWitness).length, 369);
  assert.equal(block951658.reduce((n, { tx }) => n + tx.inputs.length, 0), 413);
  assert.equal(block951658.reduce((n, { tx }) => n + tx.outputs.length, 0), 696);
});

Deno.test("block 951658: the coinbase", () => {
  const fixture = readJsonFixture("bitcoin_mainnet_951658.json") as unknown as {
    coinbase_tx: { version: number; locktime: number; sequence: number; coinbase: string };
  };
  const { tx } = block951658[0];
  assert.equal(
    hashToHex(tx.txid),
    "fd09ffa77f4de17d5c10b46d11f4440ddfccd2c9613b30037edd6db96a014865",
  );
  assert.equal(
    hashToHex(tx.wtxid),
    "e58ff2be7093685303507eca291d853a4dd31bfd443fded887c8f75de3bc2719",
  );
  assert.equal(tx.inputs.length, 1);
  const input = tx.inputs[0];
  assert.equal(isCoinbaseInput(input), true);
  assert.equal(toHex(input.script), fixture.coinbase_tx.coinbase);
  assert.equal(input.sequence, fixture.coinbase_tx.sequence);
  assert.equal(tx.version, fixture.coinbase_tx.version);
  assert.equal(tx.locktime, fixture.coinbase_tx.locktime);
  // BIP 141: one 32-byte witness reserved value.
  assert.deepEqual(input.witness, [new Uint8Array(32)]);
  for (const { tx: other } of block951658.slice(1)) {
    for (const spend of other.inputs) assert.equal(isCoinbaseInput(spend), false);
  }
});

Deno.test("block 951658: tx #1 and the first legacy transaction", () => {
  const { tx } = block951658[1];
  assert.equal(
    hashToHex(tx.txid),
    "8434f459e0080890cef04205ecfa822ff9eba0fa1497780e226fb1caa067e678",
  );
  assert.equal(
    hashToHex(tx.wtxid),
    "9973824af66b88b6799c240120450a46eacc1d17ff0a313efac3d39900c37b8a",
  );
  assert.deepEqual([tx.size, txWeight(tx), txVsize(tx)], [340, 1030, 258]);
  const firstLegacy = block951658.findIndex(({ tx }) => !tx.hasWitness);
  assert.equal(firstLegacy, 3);
  const legacy = block951658[3].tx;
  assert.equal(
    hashToHex(legacy.txid),
    "e8a4eef8e2a4e528ba49d937f9a28b62bd8aad8e1a3ce0901a58b9eaef825b64",
  );
  assert.equal(legacy.size, 291);
  assert.equal(legacy.strippedSize, 291);
  assert.equal(txWeight(legacy), 4 * 291);
});

Deno.test("a transaction built here serialises, parses and identifies itself", () => {
  const fields: TxFields = {
    version: 2,
    inputs: [{
      prevHash: new Uint8Array(32).fill(7),
      prevIndex: 1,
      script: new Uint8Array(),
      sequence: 0xfffffffd,
      witness: [Uint8Array.of(1, 2, 3), new Uint8Array()],
    }, {
      prevHash: new Uint8Array(32).fill(9),
      prevIndex: 0,
      script: Uint8Array.of(0x51),
      sequence: 0xffffffff,
      witness: [],
    }],
    outputs: [{ value: 2_100_000_000_000_000, script: fromHex("51024e73") }],
    locktime: 800_000,
  };
  const full = serializeTransaction(fields);
  const tx = parseTransaction(full);
  assert.equal(tx.hasWitness, true);
  assert.equal(tx.outputs[0].value, 2_100_000_000_000_000);
  assert.equal(tx.locktime, 800_000);
  assert.equal(tx.inputs[0].sequence, 0xfffffffd);
  assert.deepEqual(tx.inputs[0].witness, [Uint8Array.of(1, 2, 3), new Uint8Array()]);
  assert.deepEqual(tx.inputs[1].witness, []);
  // Marker, flag, and witness stacks (2 items: 1+3, 1+0; then an empty stack: 1).
  assert.equal(tx.size - tx.strippedSize, 2 + (1 + 4 + 1) + 1);
  const legacy = serializeTransaction(fields, { withWitness: false });
  assert.deepEqual(sha256d(legacy), tx.txid);
  const reparsed = parseTransaction(legacy);
  assert.equal(reparsed.hasWitness, false);
  assert.deepEqual(reparsed.txid, tx.txid);
  assert.notDeepEqual(tx.wtxid, tx.txid);
});

Deno.test("malformed transactions are DecodeErrors that say what is wrong", () => {
  const segwit = block951658[1].bytes;
  const legacy = block951658[3].bytes;
  assert.equal(segwit[4], 0x00, "marker");
  const badFlag = segwit.slice();
  badFlag[5] = 0x02;
  assertDecodeError(() => parseTransaction(badFlag), /transaction at offset 0: bad segwit flag/);
  assertDecodeError(
    () => parseTransaction(segwit.subarray(0, segwit.length - 1)),
    /unexpected end of data: need 4 bytes/,
  );
  assertDecodeError(
    () => parseTransaction(concatBytes(legacy, Uint8Array.of(0))),
    /1 trailing bytes/,
  );
  assertDecodeError(() => parseTransaction(fromHex("02000000fdff00")), /255 inputs cannot fit/);
  assertDecodeError(() => parseTransaction(fromHex("0200000000")), /unexpected end of data/);
  assertDecodeError(() => parseTransaction(fromHex("020000")), /unexpected end of data/);
  // A legacy transaction dressed up as segwit with nothing but empty witness stacks.
  const tx = parseTransaction(legacy);
  const superfluous = concatBytes(
    legacy.subarray(0, 4),
    Uint8Array.of(0, 1),
    legacy.subarray(4, legacy.length - 4),
    new Uint8Array(tx.inputs.length),
    legacy.subarray(legacy.length - 4),
  );
  assertDecodeError(
    () => parseTransaction(superfluous),
    /segwit marker but every witness stack is empty/,
  );
});
