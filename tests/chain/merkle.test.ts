/**
 * Merkle roots and branches: block 100000, the header checkpoint proof of docs/protocol.md
 * (`blockchain.block.header`), odd levels (the 3-transaction signet block), and a tree built by
 * hand.
 */
import assert from "node:assert/strict";
import { fromHex, hashToHex, hexToHash } from "../../src/chain/bytes.ts";
import { sha256d } from "../../src/chain/hash.ts";
import { parseHeader } from "../../src/chain/header.ts";
import {
  merkleBranch,
  merkleRoot,
  packedMerkleRoot,
  rootFromBranch,
} from "../../src/chain/merkle.ts";
import { readJsonFixture } from "./fixtures.ts";

const BLOCK_100000_TXIDS = [
  "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
  "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
  "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
  "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
];
const BLOCK_100000_ROOT = "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766";

Deno.test("block 100000: the txids hash to the header's merkle root", () => {
  assert.equal(hashToHex(merkleRoot(BLOCK_100000_TXIDS.map(hexToHash))), BLOCK_100000_ROOT);
});

Deno.test("block 100000: every branch climbs to the root", () => {
  const leaves = BLOCK_100000_TXIDS.map(hexToHash);
  for (let index = 0; index < leaves.length; index++) {
    const { branch, root } = merkleBranch(leaves, index);
    assert.equal(hashToHex(root), BLOCK_100000_ROOT);
    assert.equal(branch.length, 2);
    assert.deepEqual(branch[0], leaves[index ^ 1]);
    assert.equal(hashToHex(rootFromBranch(leaves[index], index, branch)), BLOCK_100000_ROOT);
  }
  // Position 2 with position 3's proof does not reach the root.
  const { branch } = merkleBranch(leaves, 3);
  assert.notEqual(hashToHex(rootFromBranch(leaves[2], 2, branch)), BLOCK_100000_ROOT);
});

Deno.test("a tree of five leaves built by hand, odd levels duplicated", () => {
  const leaves = ["a", "b", "c", "d", "e"].map((c) => sha256d(new TextEncoder().encode(c)));
  const [a, b, c, d, e] = leaves;
  const ee = sha256d(e, e);
  const expected = sha256d(sha256d(sha256d(a, b), sha256d(c, d)), sha256d(ee, ee));
  assert.deepEqual(merkleRoot(leaves), expected);
  const { branch, root } = merkleBranch(leaves, 4);
  assert.deepEqual(root, expected);
  assert.deepEqual(branch, [e, ee, sha256d(sha256d(a, b), sha256d(c, d))]);
});

Deno.test("one leaf is its own root; no leaves or a leaf out of range is an error", () => {
  const leaf = hexToHash(BLOCK_100000_TXIDS[0]);
  assert.deepEqual(merkleRoot([leaf]), leaf);
  assert.deepEqual(merkleBranch([leaf], 0), { branch: [], root: leaf });
  assert.deepEqual(rootFromBranch(leaf, 0, []), leaf);
  assert.throws(() => merkleRoot([]), RangeError);
  assert.throws(() => merkleBranch([leaf], 1), /leaf index 1 outside 0..0/);
  assert.throws(() => merkleBranch([leaf], -1), RangeError);
});

Deno.test("the header checkpoint proof of docs/protocol.md (height 5, cp_height 8)", () => {
  const header = parseHeader(
    fromHex(
      "0100000085144a84488ea88d221c8bd6c059da090e88f8a2c99690ee55dbba4e00000000e11c48fecdd9e72510ca84f023370c9a38bf91ac5cae88019bee94d24528526344c36649ffff001d1d03e477",
    ),
  );
  assert.equal(
    hashToHex(header.hash),
    "000000009b7262315dbf071787ad3656097b892abffd1f95a1a022f896f533fc",
  );
  const branch = [
    "000000004ebadb55ee9096c9a2f8880e09da59c0d68b1c228da88e48844a1485",
    "96cbbc84783888e4cc971ae8acf86dd3c1a419370336bb3c634c97695a8c5ac9",
    "965ac94082cebbcffe458075651e9cc33ce703ab0115c72d9e8b1a9906b2b636",
    "89e5daa6950b895190716dd26054432b564ccdc2868188ba1da76de8e1dc7591",
  ].map(hexToHash);
  // The first sibling of leaf 5 is leaf 4: block 5's parent.
  assert.deepEqual(branch[0], header.prevHash);
  assert.equal(
    hashToHex(rootFromBranch(header.hash, 5, branch)),
    "e347b1c43fd9b5415bf0d92708db8284b78daf4d0e24f9c3405f45feb85e25db",
  );
});

Deno.test("odd level: in a 3-transaction block, position 2's branch starts with its own txid", () => {
  const fixture = readJsonFixture("bitcoin_signet_31500.json");
  const leaves = fixture.tx.map(hexToHash);
  assert.equal(leaves.length, 3);
  const { branch, root } = merkleBranch(leaves, 2);
  assert.deepEqual(branch[0], leaves[2]);
  assert.deepEqual(branch[1], sha256d(leaves[0], leaves[1]));
  assert.equal(hashToHex(root), fixture.merkleroot);
  assert.equal(hashToHex(rootFromBranch(leaves[2], 2, branch)), fixture.merkleroot);
});

Deno.test("branches of real blocks with 16 and 374 transactions", () => {
  for (
    const [name, indices] of [
      ["bitcoin_testnet4_40000.json", [0, 1, 7, 14, 15]],
      ["bitcoin_mainnet_951658.json", [0, 1, 255, 256, 372, 373]],
    ] as const
  ) {
    const fixture = readJsonFixture(name);
    const leaves = fixture.tx.map(hexToHash);
    for (const index of indices) {
      const { branch, root } = merkleBranch(leaves, index);
      assert.equal(branch.length, Math.ceil(Math.log2(leaves.length)), `${name} ${index}`);
      assert.equal(hashToHex(root), fixture.merkleroot, `${name} ${index}`);
      assert.equal(
        hashToHex(rootFromBranch(leaves[index], index, branch)),
        fixture.merkleroot,
        `${name} ${index}`,
      );
    }
  }
});

Deno.test("the packed merkle root, computed in place, equals merkleRoot for 1 to 40 leaves", () => {
  for (let count = 1; count <= 40; count++) {
    const leaves = Array.from({ length: count }, (_, i) => sha256d(Uint8Array.of(i, count)));
    const nodes = new Uint8Array(32 * (count + 1));
    leaves.forEach((leaf, i) => nodes.set(leaf, 32 * i));
    packedMerkleRoot(nodes, count);
    assert.equal(
      hashToHex(nodes.subarray(0, 32)),
      hashToHex(merkleRoot(leaves)),
      `${count} leaves`,
    );
  }
  assert.throws(() => packedMerkleRoot(new Uint8Array(64), 2), RangeError);
});
