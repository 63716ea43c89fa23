/**
 * Output scripts: script hash and hashX vectors (docs/protocol.md's example, BIP 173 and BIP 350
 * addresses, genesis, anchor and empty scripts), classification
 * (including every output of mainnet block 951658), the unspendable rule and the builders.
 */
import assert from "node:assert/strict";
import { DecodeError, fromHex, hexToHash, toHex } from "../../src/chain/bytes.ts";
import { parseBlock } from "../../src/chain/block.ts";
import {
  classifyScript,
  hashX,
  HASHX_LENGTH,
  isUnspendable,
  multisigScript,
  opReturnScript,
  p2pkhScript,
  p2pkScript,
  p2shScript,
  scriptHash,
  scriptHashToHashX,
  type ScriptType,
  witnessProgramOf,
  witnessScript,
} from "../../src/chain/script.ts";
import { readJsonFixture } from "./fixtures.ts";

const GENESIS_PUBKEY =
  "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f";
const COMPRESSED_KEY = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
const COMPRESSED_KEY_2 = "03c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5";

/** Script, its type and its Electrum script hash. */
const VECTORS: [string, ScriptType, string][] = [
  [
    "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac",
    "p2pkh",
    "8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161",
  ],
  [
    "a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1887",
    "p2sh",
    "ec35ea972385bf7d2520900c400645c6c22ba04c13b45fa2b7b942e78ea72ed6",
  ],
  [
    `41${GENESIS_PUBKEY}ac`,
    "p2pk",
    "740485f380ff6379d11ef6fe7d7cdd68aea7f8bd0d953d9fdf3531fb7d531833",
  ],
  [
    "0014751e76e8199196d454941c45d1b3a323f1433bd6",
    "p2wpkh",
    "9623df75239b5daa7f5f03042d325b51498c4bb7059c7748b17049bf96f73888",
  ],
  [
    "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    "p2tr",
    "a12cf1aa7c74a6e9f54984646526173abed2a9f4a4862dc83eb94e8e8ef5220a",
  ],
  [
    "00149f9aa3795e57c535d2f7b160ff023804c60fca6e",
    "p2wpkh",
    "f04bf26fc16a27abaa2f10540da7a24e369e6ec408f2d901202a7c0cd4a6112d",
  ],
  [
    "51024e73",
    "p2a",
    "c5d0fb3863474a90cfe5b26801e66cb45fdc046b40e6829788eaf1b8770ffea6",
  ],
  ["", "nonstandard", "55b852781b9995a44c939b64e441ae2724b96f99c8f4fb9a141cfc9842c4b0e3"],
];

Deno.test("script hashes of the vectors", () => {
  for (const [script, , hash] of VECTORS) assert.equal(scriptHash(fromHex(script)), hash, script);
});

Deno.test("hashX is the first 11 bytes of the digest, and the script hash maps to it", () => {
  const genesisP2pkh = fromHex("76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac");
  assert.equal(toHex(hashX(genesisP2pkh)), "6191c3b590bfcfa0475e87");
  for (const [script, , hash] of VECTORS) {
    const key = hashX(fromHex(script));
    assert.equal(key.length, HASHX_LENGTH);
    assert.deepEqual(key, hexToHash(hash).subarray(0, HASHX_LENGTH), script);
    assert.deepEqual(scriptHashToHashX(hash), key, script);
    assert.deepEqual(scriptHashToHashX(hash.toUpperCase()), key, script);
  }
});

Deno.test("hashX results are independent of each other", () => {
  const first = hashX(fromHex("51024e73"));
  const copy = first.slice();
  hashX(fromHex("0014751e76e8199196d454941c45d1b3a323f1433bd6"));
  assert.deepEqual(first, copy);
});

Deno.test("scriptHashToHashX refuses what is not 64 hex characters", () => {
  const good = VECTORS[0][2];
  const cases: [string, RegExp][] = [
    ["", /64 hex characters, got 0/],
    [good.slice(1), /64 hex characters, got 63/],
    [good + "00", /64 hex characters, got 66/],
    [good.slice(0, 63) + "g", /non-hex character/],
    [" " + good.slice(1), /non-hex character/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => scriptHashToHashX(text),
      (error: Error) => error instanceof DecodeError && message.test(error.message),
      text,
    );
  }
});

Deno.test("classification of the vectors", () => {
  for (const [script, type] of VECTORS) assert.equal(classifyScript(fromHex(script)), type, script);
});

Deno.test("classification follows Bitcoin Core's templates at the edges", () => {
  const cases: [string, ScriptType][] = [
    [`21${COMPRESSED_KEY}ac`, "p2pk"],
    // A 33-byte push that is not a public key (header byte 05).
    [`2105${COMPRESSED_KEY.slice(2)}ac`, "nonstandard"],
    [`5121${COMPRESSED_KEY}21${COMPRESSED_KEY_2}52ae`, "multisig"],
    // n says 3 keys, there are 2.
    [`5121${COMPRESSED_KEY}21${COMPRESSED_KEY_2}53ae`, "nonstandard"],
    // m > n.
    [`5321${COMPRESSED_KEY}21${COMPRESSED_KEY_2}52ae`, "nonstandard"],
    // OP_0 as m.
    [`0021${COMPRESSED_KEY}51ae`, "nonstandard"],
    ["6a", "op_return"],
    ["6a00", "op_return"],
    ["6a0401020304", "op_return"],
    ["6a5d0400c0a233", "op_return"], // a runestone: OP_RETURN OP_13 <push>
    ["6aac", "nonstandard"], // OP_CHECKSIG is not a push
    ["6a4c05010203", "nonstandard"], // PUSHDATA1 runs off the end
    ["6a4d", "nonstandard"],
    ["0015" + "00".repeat(21), "nonstandard"], // v0 with a 21-byte program
    ["5102abcd", "witness_unknown"], // v1, 2 bytes but not the anchor
    ["5128" + "00".repeat(40), "witness_unknown"],
    ["5229" + "00".repeat(41), "nonstandard"], // 41-byte program
    ["5c1b2281000000000000000000c0843dda0564c801099b813aed060000", "witness_unknown"],
    ["6002751e", "witness_unknown"],
    ["0020" + "00".repeat(32), "p2wsh"],
    ["a914" + "00".repeat(20) + "88", "nonstandard"],
    ["76a914" + "00".repeat(20) + "88ad", "nonstandard"],
    ["006a", "nonstandard"],
    ["00", "nonstandard"],
  ];
  for (const [script, type] of cases) assert.equal(classifyScript(fromHex(script)), type, script);
});

Deno.test("witnessProgramOf reads version and program of segwit scripts only", () => {
  const taproot = witnessProgramOf(fromHex(VECTORS[4][0]));
  assert.equal(taproot?.version, 1);
  assert.equal(
    toHex(taproot?.program ?? new Uint8Array()),
    "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  );
  assert.equal(witnessProgramOf(fromHex("6002751e"))?.version, 16);
  assert.equal(
    witnessProgramOf(fromHex("0014751e76e8199196d454941c45d1b3a323f1433bd6"))?.version,
    0,
  );
  for (
    const script of ["", "0001ff", "4f02abcd", "0014751e", VECTORS[0][0], "5029" + "00".repeat(41)]
  ) {
    assert.equal(witnessProgramOf(fromHex(script)), undefined, script);
  }
});

Deno.test("unspendable: first byte OP_RETURN, or OP_0 OP_RETURN, nothing else", () => {
  for (const script of ["6a", "6a24aa21a9ed", "006a", "006a0102", "6aac"]) {
    assert.equal(isUnspendable(fromHex(script)), true, script);
  }
  for (const script of ["", "00", "0014751e76e8199196d454941c45d1b3a323f1433bd6", "516a", "51"]) {
    assert.equal(isUnspendable(fromHex(script)), false, script);
  }
});

Deno.test("block 951658: output types and unspendable outputs as in the fixtures README", () => {
  const fixture = readJsonFixture("bitcoin_mainnet_951658.json");
  const block = parseBlock(fixture.raw);
  const counts: Partial<Record<ScriptType, number>> = {};
  let unspendable = 0;
  let outputs = 0;
  for (const tx of block.transactions) {
    for (const output of tx.outputs) {
      const type = classifyScript(output.script);
      counts[type] = (counts[type] ?? 0) + 1;
      if (isUnspendable(output.script)) unspendable++;
      outputs++;
    }
  }
  assert.equal(outputs, 696);
  assert.deepEqual(counts, {
    p2wpkh: 347,
    p2tr: 103,
    p2sh: 14,
    p2wsh: 13,
    p2pkh: 7,
    op_return: 211,
    witness_unknown: 1,
  });
  assert.equal(unspendable, 211);
  const coinbase = block.transactions[0];
  assert.equal(coinbase.outputs[0].value, 312_596_191);
  assert.equal(toHex(coinbase.outputs[0].script), "0014c929f0c63bb0a162c43b445a72effea1b17432bf");
  assert.equal(
    scriptHash(coinbase.outputs[0].script),
    "a3dfc39f5ee400020886ae776ef3f204e5b1a87aa0e27d5d42d57e5860170e57",
  );
  assert.equal(coinbase.outputs[1].value, 0);
  assert.ok(toHex(coinbase.outputs[1].script).startsWith("6a24aa21a9ed9f0a2e8a"));
  assert.ok(toHex(coinbase.outputs[1].script).endsWith("5d32"));
  assert.equal(isUnspendable(coinbase.outputs[1].script), true);
});

Deno.test("builders produce the vectors' scripts", () => {
  const hash160 = fromHex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18");
  assert.equal(toHex(p2pkhScript(hash160)), VECTORS[0][0]);
  assert.equal(toHex(p2shScript(hash160)), VECTORS[1][0]);
  assert.equal(toHex(p2pkScript(fromHex(GENESIS_PUBKEY))), VECTORS[2][0]);
  assert.equal(toHex(p2pkScript(fromHex(COMPRESSED_KEY))), `21${COMPRESSED_KEY}ac`);
  assert.equal(
    toHex(witnessScript(0, fromHex("751e76e8199196d454941c45d1b3a323f1433bd6"))),
    VECTORS[3][0],
  );
  assert.equal(
    toHex(witnessScript(1, fromHex(VECTORS[4][0].slice(4)))),
    VECTORS[4][0],
  );
  assert.equal(toHex(witnessScript(1, fromHex("4e73"))), "51024e73");
  assert.equal(toHex(witnessScript(16, fromHex("751e"))), "6002751e");
  assert.equal(
    toHex(witnessScript(2, fromHex("751e76e8199196d454941c45d1b3a323"))),
    "5210751e76e8199196d454941c45d1b3a323",
  );
  const multisig = multisigScript(1, [fromHex(COMPRESSED_KEY), fromHex(COMPRESSED_KEY_2)]);
  assert.equal(toHex(multisig), `5121${COMPRESSED_KEY}21${COMPRESSED_KEY_2}52ae`);
  assert.equal(classifyScript(multisig), "multisig");
  const sixteen = multisigScript(16, Array(16).fill(fromHex(GENESIS_PUBKEY)));
  assert.equal(sixteen[0], 0x60);
  assert.equal(sixteen[sixteen.length - 2], 0x60);
  assert.equal(classifyScript(sixteen), "multisig");
});

Deno.test("OP_RETURN scripts push their data with the shortest opcode", () => {
  const cases: [number, string][] = [
    [0, "6a00"],
    [1, "6a01"],
    [75, "6a4b"],
    [76, "6a4c4c"],
    [80, "6a4c50"],
    [255, "6a4cff"],
    [256, "6a4d0001"],
    [65535, "6a4dffff"],
    [65536, "6a4e00000100"],
  ];
  for (const [length, prefix] of cases) {
    const data = new Uint8Array(length).fill(0xab);
    const script = opReturnScript(data);
    assert.equal(toHex(script.subarray(0, prefix.length / 2)), prefix, `${length} bytes`);
    assert.equal(script.length, prefix.length / 2 + length);
    assert.equal(classifyScript(script), "op_return", `${length} bytes`);
    assert.equal(isUnspendable(script), true);
  }
});

Deno.test("builders refuse impossible inputs", () => {
  assert.throws(() => p2pkhScript(new Uint8Array(19)), /20-byte hash, got 19 bytes/);
  assert.throws(() => p2shScript(new Uint8Array(32)), /20-byte hash, got 32 bytes/);
  assert.throws(() => p2pkScript(new Uint8Array(33)), /public key/);
  assert.throws(() => p2pkScript(fromHex(COMPRESSED_KEY).subarray(1)), RangeError);
  assert.throws(() => witnessScript(0, new Uint8Array(21)), /v0 program length 21/);
  assert.throws(() => witnessScript(17, new Uint8Array(32)), /witness version 17/);
  assert.throws(() => witnessScript(-1, new Uint8Array(32)), /witness version -1/);
  assert.throws(() => witnessScript(1, new Uint8Array(1)), /program length 1 bytes/);
  assert.throws(() => witnessScript(1, new Uint8Array(41)), /program length 41 bytes/);
  const key = fromHex(COMPRESSED_KEY);
  assert.throws(() => multisigScript(0, [key]), /m=0, n=1/);
  assert.throws(() => multisigScript(2, [key]), /m=2, n=1/);
  assert.throws(() => multisigScript(1, Array(17).fill(key)), /n=17/);
  assert.throws(() => multisigScript(1, [new Uint8Array(20)]), /public key/);
});
