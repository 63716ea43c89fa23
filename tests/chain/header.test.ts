/** Block headers: fields and hashes of mainnet headers (genesis, 1, 5, 100000, 125552, 951658). */
import assert from "node:assert/strict";
import {
  ByteReader,
  ByteWriter,
  DecodeError,
  fromHex,
  hashToHex,
  hexToHash,
} from "../../src/chain/bytes.ts";
import { HEADER_SIZE, parseHeader, readHeader } from "../../src/chain/header.ts";

const GENESIS_HEADER =
  "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
const GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
const BLOCK_1_HEADER =
  "010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299";
const BLOCK_5_HEADER =
  "0100000085144a84488ea88d221c8bd6c059da090e88f8a2c99690ee55dbba4e00000000e11c48fecdd9e72510ca84f023370c9a38bf91ac5cae88019bee94d24528526344c36649ffff001d1d03e477";
const BLOCK_100000_HEADER =
  "0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710";

Deno.test("the genesis header: every field and its hash", () => {
  const header = parseHeader(fromHex(GENESIS_HEADER));
  assert.equal(header.version, 1);
  assert.deepEqual(header.prevHash, new Uint8Array(32));
  assert.equal(
    hashToHex(header.merkleRoot),
    "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
  );
  assert.equal(header.time, 1231006505);
  assert.equal(header.bits, 0x1d00ffff);
  assert.equal(header.nonce, 2083236893);
  assert.equal(hashToHex(header.hash), GENESIS_HASH);
  assert.equal(header.raw.length, HEADER_SIZE);
});

Deno.test("blocks 1 and 5 point at their parents", () => {
  const block1 = parseHeader(fromHex(BLOCK_1_HEADER));
  assert.equal(hashToHex(block1.prevHash), GENESIS_HASH);
  assert.equal(
    hashToHex(block1.hash),
    "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048",
  );
  const block5 = parseHeader(fromHex(BLOCK_5_HEADER));
  assert.equal(
    hashToHex(block5.prevHash),
    "000000004ebadb55ee9096c9a2f8880e09da59c0d68b1c228da88e48844a1485",
  );
  assert.equal(
    hashToHex(block5.hash),
    "000000009b7262315dbf071787ad3656097b892abffd1f95a1a022f896f533fc",
  );
});

Deno.test("block 100000", () => {
  const header = parseHeader(fromHex(BLOCK_100000_HEADER));
  assert.equal(
    hashToHex(header.hash),
    "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506",
  );
  assert.equal(
    hashToHex(header.merkleRoot),
    "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766",
  );
  assert.equal(
    hashToHex(header.prevHash),
    "000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250",
  );
  assert.equal(header.time, 1293623863);
  assert.equal(header.bits, 0x1b04864c);
  assert.equal(header.nonce, 274148111);
});

Deno.test("block 125552, assembled from its fields", () => {
  const raw = new ByteWriter(HEADER_SIZE)
    .i32(1)
    .bytes(hexToHash("00000000000008a3a41b85b8b29ad444def299fee21793cd8b9e567eab02cd81"))
    .bytes(hexToHash("2b12fcf1b09288fcaff797d71e950e71ae42b91e8bdb2304758dfcffc2b620e3"))
    .u32(1305998791)
    .u32(0x1a44b9f2)
    .u32(2504433986)
    .finish();
  assert.equal(
    hashToHex(parseHeader(raw).hash),
    "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d",
  );
});

Deno.test("block 951658: BIP 9 version bits and hashes", () => {
  const header = parseHeader(
    fromHex(
      "04c03a25324409f3c6f4854ec44ca6b4890235e8ffc9b2a8675c01000000000000000000c731dfc5a4e40187d893c75dbd6e5e75e5df1f15dea22270ac899bf9679311012f5c1a6a8f0602171a014f96",
    ),
  );
  assert.equal(header.version, 0x253ac004);
  assert.equal(
    hashToHex(header.hash),
    "00000000000000000001cbe4b4add61d60d9a470e0958f1b4024f202db9ca628",
  );
  assert.equal(
    hashToHex(header.prevHash),
    "000000000000000000015c67a8b2c9ffe8350289b4a64cc44e85f4c6f3094432",
  );
  assert.equal(
    hashToHex(header.merkleRoot),
    "01119367f99b89ac7022a2de151fdfe5755e6ebd5dc793d88701e4a4c5df31c7",
  );
  assert.equal(header.bits, 0x1702068f);
});

Deno.test("readHeader reads at the reader's offset and moves past the header", () => {
  const two = fromHex(GENESIS_HEADER + BLOCK_1_HEADER);
  const reader = new ByteReader(two);
  assert.equal(hashToHex(readHeader(reader).hash), GENESIS_HASH);
  assert.equal(reader.offset, HEADER_SIZE);
  assert.equal(hashToHex(readHeader(reader).prevHash), GENESIS_HASH);
  assert.equal(reader.remaining, 0);
});

Deno.test("a header of the wrong size is a DecodeError", () => {
  const raw = fromHex(GENESIS_HEADER);
  for (const bad of [raw.subarray(0, 79), new Uint8Array(81), new Uint8Array()]) {
    assert.throws(
      () => parseHeader(bad),
      (error: Error) =>
        error instanceof DecodeError &&
        error.message === `block header must be 80 bytes, got ${bad.length}`,
    );
  }
  assert.throws(
    () => readHeader(new ByteReader(raw.subarray(0, 50))),
    (error: Error) =>
      error instanceof DecodeError && error.message === "block header needs 80 bytes, have 50",
  );
});
