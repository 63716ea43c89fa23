/**
 * Whole blocks: every real fixture parsed end to end and checked against bitcoind's JSON and
 * tests/fixtures/README.md, and malformed blocks refused with a useful DecodeError.
 */
import assert from "node:assert/strict";
import { type Block, parseBlock } from "../../src/chain/block.ts";
import {
  ByteWriter,
  compactSizeLength,
  concatBytes,
  DecodeError,
  fromHex,
  hashToHex,
  toHex,
} from "../../src/chain/bytes.ts";
import { HEADER_SIZE } from "../../src/chain/header.ts";
import { isCoinbaseInput, serializeTransaction, txWeight } from "../../src/chain/transaction.ts";
import { JSON_FIXTURES, RAW_FIXTURES, readJsonFixture, readRawFixture } from "./fixtures.ts";

/** Asserts that `fn` throws a DecodeError whose message matches `message`. */
function assertDecodeError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: Error) => error instanceof DecodeError && message.test(error.message));
}

/** Block stripped size as bitcoind reports it: header, tx count and stripped transactions. */
function strippedSize(block: Block): number {
  return HEADER_SIZE + compactSizeLength(block.transactions.length) +
    block.transactions.reduce((sum, tx) => sum + tx.strippedSize, 0);
}

const MAINNET_951658 = readJsonFixture("bitcoin_mainnet_951658.json");

Deno.test("JSON fixtures: header, txids, merkle root and sizes agree with bitcoind", () => {
  for (const name of JSON_FIXTURES) {
    const fixture = readJsonFixture(name);
    const block = parseBlock(fixture.raw);
    const { header } = block;
    assert.equal(hashToHex(header.hash), fixture.hash, name);
    assert.equal(hashToHex(header.prevHash), fixture.previousblockhash, name);
    assert.equal(hashToHex(header.merkleRoot), fixture.merkleroot, name);
    assert.equal(header.time, fixture.time, name);
    assert.equal(header.nonce, fixture.nonce, name);
    assert.equal(header.bits.toString(16).padStart(8, "0"), fixture.bits, name);
    if (fixture.version !== undefined) assert.equal(header.version, fixture.version, name);
    assert.deepEqual(block.transactions.map((tx) => hashToHex(tx.txid)), fixture.tx, name);
    assert.equal(block.transactions.length, fixture.nTx ?? fixture.tx.length, name);
    assert.equal(block.size, fixture.size, name);
    assert.equal(block.size, fixture.raw.length, name);
    const sizes = block.transactions.reduce((sum, tx) => sum + tx.size, 0);
    assert.equal(HEADER_SIZE + compactSizeLength(block.transactions.length) + sizes, block.size);
    if (fixture.strippedsize !== undefined) {
      assert.equal(strippedSize(block), fixture.strippedsize, name);
    }
    if (fixture.weight !== undefined) {
      assert.equal(3 * strippedSize(block) + block.size, fixture.weight, name);
      const txWeights = block.transactions.reduce((sum, tx) => sum + txWeight(tx), 0);
      const overhead = 4 * (HEADER_SIZE + compactSizeLength(block.transactions.length));
      assert.equal(txWeights + overhead, fixture.weight, name);
    }
  }
});

Deno.test("block 951658: sizes, weight, hash and header as in the fixtures README", () => {
  const block = parseBlock(MAINNET_951658.raw);
  assert.equal(block.size, 99_628);
  assert.equal(block.transactions.length, 374);
  assert.equal(strippedSize(block), 44_645);
  assert.equal(3 * strippedSize(block) + block.size, 233_563);
  assert.equal(
    hashToHex(block.header.hash),
    "00000000000000000001cbe4b4add61d60d9a470e0958f1b4024f202db9ca628",
  );
  assert.equal(
    toHex(block.header.raw),
    "04c03a25324409f3c6f4854ec44ca6b4890235e8ffc9b2a8675c01000000000000000000c731dfc5a4e40187d893c75dbd6e5e75e5df1f15dea22270ac899bf9679311012f5c1a6a8f0602171a014f96",
  );
});

Deno.test("raw fixtures: hash is the file name, counts and sizes as in the fixtures README", () => {
  for (const { hash, txCount, size, version, time } of RAW_FIXTURES) {
    const raw = readRawFixture(hash);
    const block = parseBlock(raw);
    assert.equal(hashToHex(block.header.hash), hash);
    assert.equal(block.transactions.length, txCount, hash);
    assert.equal(block.size, size, hash);
    assert.equal(block.header.version, version, hash);
    assert.equal(block.header.time, time, hash);
    assert.equal(block.transactions.filter((tx) => tx.hasWitness).length, 0, hash);
    assert.equal(block.transactions.filter((tx) => isCoinbaseInput(tx.inputs[0])).length, 1);
  }
});

Deno.test("every fixture block serialises back to its exact bytes", () => {
  const blocks = [
    ...JSON_FIXTURES.map((name) => readJsonFixture(name).raw),
    ...RAW_FIXTURES.map(({ hash }) => readRawFixture(hash)),
  ];
  for (const raw of blocks) {
    const block = parseBlock(raw);
    const writer = new ByteWriter(raw.length).bytes(block.header.raw);
    writer.compactSize(block.transactions.length);
    for (const tx of block.transactions) writer.bytes(serializeTransaction(tx));
    assert.deepEqual(writer.finish(), raw, hashToHex(block.header.hash));
  }
});

Deno.test("parsing copies nothing but hashes: scripts are views into the block", () => {
  const block = parseBlock(MAINNET_951658.raw);
  assert.equal(block.transactions[5].outputs[0].script.buffer, MAINNET_951658.raw.buffer);
  assert.equal(block.header.raw.buffer, MAINNET_951658.raw.buffer);
});

Deno.test("a truncated block is refused", () => {
  const raw = MAINNET_951658.raw;
  assertDecodeError(
    () => parseBlock(raw.subarray(0, raw.length - 1)),
    /unexpected end of data: need 4 bytes/,
  );
  assertDecodeError(() => parseBlock(raw.subarray(0, 5000)), /implausible tx count 374/);
  assertDecodeError(() => parseBlock(raw.subarray(0, 80)), /unexpected end of data/);
  assertDecodeError(() => parseBlock(raw.subarray(0, 79)), /block header needs 80 bytes, have 79/);
  assertDecodeError(() => parseBlock(new Uint8Array()), /block header needs 80 bytes, have 0/);
});

Deno.test("trailing bytes, a zero tx count and a bad segwit flag are refused", () => {
  const raw = MAINNET_951658.raw;
  assertDecodeError(
    () => parseBlock(concatBytes(raw, Uint8Array.of(0, 0))),
    /^block 00000000000000000001cbe4b4add61d60d9a470e0958f1b4024f202db9ca628 has 2 trailing bytes$/,
  );
  assertDecodeError(
    () => parseBlock(concatBytes(raw.subarray(0, 80), Uint8Array.of(0))),
    /implausible tx count 0/,
  );
  // The coinbase starts after header and count (fd 76 01): version, then marker and flag.
  const coinbaseAt = HEADER_SIZE + 3;
  assert.deepEqual([raw[coinbaseAt + 4], raw[coinbaseAt + 5]], [0, 1]);
  const badFlag = raw.slice();
  badFlag[coinbaseAt + 5] = 0x03;
  assertDecodeError(() => parseBlock(badFlag), /transaction at offset 83: bad segwit flag/);
});

Deno.test("a block whose transactions do not hash to its merkle root is refused", () => {
  const raw = MAINNET_951658.raw.slice();
  raw[36] ^= 1; // first byte of the merkle root
  assertDecodeError(
    () => parseBlock(raw),
    /transactions hash to merkle root 01119367f99b89ac7022a2de151fdfe5755e6ebd5dc793d88701e4a4c5df31c7, header says 01119367f99b89ac7022a2de151fdfe5755e6ebd5dc793d88701e4a4c5df31c6/,
  );
  // Accepted when the caller asks not to check.
  assert.equal(parseBlock(raw, { checkMerkle: false }).transactions.length, 374);
  // A changed output value alters a txid instead: the coinbase's first output, length-prefixed
  // script right after its 8-byte value.
  const tampered = MAINNET_951658.raw.slice();
  const script = toHex(Uint8Array.of(22)) + "0014c929f0c63bb0a162c43b445a72effea1b17432bf";
  const scriptAt = toHex(tampered).indexOf(script) / 2;
  assert.ok(Number.isInteger(scriptAt) && scriptAt > 0);
  tampered[scriptAt - 8] ^= 1;
  assertDecodeError(() => parseBlock(tampered), /transactions hash to merkle root/);
  assert.equal(
    parseBlock(tampered, { checkMerkle: false }).transactions[0].outputs[0].value,
    312_596_190,
  );
});

Deno.test("bad hex from a daemon is a DecodeError before any parsing", () => {
  assertDecodeError(() => parseBlock(fromHex("0100zz")), /invalid hex character near offset 4/);
  assertDecodeError(() => parseBlock(fromHex("010")), /odd length/);
});
