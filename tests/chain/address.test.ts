/** Addresses to scripts and back on every network, and the errors an operator sees. */
import assert from "node:assert/strict";
import { AddressError, addressToScript, scriptToAddress } from "../../src/chain/address.ts";
import { base58CheckEncode } from "../../src/chain/base58.ts";
import { parseBlock } from "../../src/chain/block.ts";
import { fromHex, toHex } from "../../src/chain/bytes.ts";
import { type Network, type NetworkName, NETWORKS } from "../../src/chain/networks.ts";
import { readJsonFixture } from "./fixtures.ts";

const TB_NETWORKS: NetworkName[] = ["testnet", "testnet4", "signet", "mutinynet"];
const BASE58_TEST_NETWORKS: NetworkName[] = [
  "testnet",
  "testnet4",
  "signet",
  "regtest",
  "mutinynet",
];

const P2PKH = "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac";
const P2SH = "a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1887";
const P2WPKH = "0014751e76e8199196d454941c45d1b3a323f1433bd6";

/** Addresses (BIP 173 and BIP 350 among them), the networks each belongs to, its script. */
const VECTORS: [string, NetworkName[], string][] = [
  ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", ["mainnet"], P2PKH],
  ["mpXwg4jMtRhuSpVq4xS3HFHmCmWp9NyGKt", BASE58_TEST_NETWORKS, P2PKH],
  ["3Ai1JZ8pdJb2ksieUV8FsxSNVJCpoPi8W6", ["mainnet"], P2SH],
  ["2N2GDNJ4rEm6NxfMC9ck8VuRdheQzXWaNZv", BASE58_TEST_NETWORKS, P2SH],
  ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", ["mainnet"], P2WPKH],
  ["tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", TB_NETWORKS, P2WPKH],
  ["bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", ["regtest"], P2WPKH],
  [
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    ["mainnet"],
    "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  ],
  [
    "bcrt1qn7d2x7272lznt5hhk9s07q3cqnrqljnwladrd3",
    ["regtest"],
    "00149f9aa3795e57c535d2f7b160ff023804c60fca6e",
  ],
  ["bc1pfeessrawgf", ["mainnet"], "51024e73"],
  [
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    TB_NETWORKS,
    "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
  ],
  [
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    ["mainnet"],
    "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
  ],
  ["bc1sw50qgdz25j", ["mainnet"], "6002751e"],
  ["bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", ["mainnet"], "5210751e76e8199196d454941c45d1b3a323"],
  [
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    TB_NETWORKS,
    "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
  ],
  [
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
    TB_NETWORKS,
    "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
  ],
];

/** Asserts that `address` on `network` fails with an AddressError matching `message`. */
function assertRefused(address: string, network: Network, message: RegExp): void {
  assert.throws(
    () => addressToScript(address, network),
    (error: Error) => error instanceof AddressError && message.test(error.message),
    `${address} on ${network.name}`,
  );
}

Deno.test("addresses give their scripts on their networks, and scripts give them back", () => {
  for (const [address, networks, script] of VECTORS) {
    for (const name of networks) {
      assert.equal(toHex(addressToScript(address, NETWORKS[name])), script, `${address} ${name}`);
      assert.equal(scriptToAddress(fromHex(script), NETWORKS[name]), address, `${script} ${name}`);
    }
  }
});

Deno.test("upper-case segwit addresses are accepted", () => {
  assert.equal(
    toHex(addressToScript("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", NETWORKS.mainnet)),
    P2WPKH,
  );
  assert.equal(
    toHex(addressToScript("BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080", NETWORKS.regtest)),
    P2WPKH,
  );
});

Deno.test("an address of a known network used on another names the networks it belongs to", () => {
  for (const [address, owners] of VECTORS) {
    for (const network of Object.values(NETWORKS)) {
      if (owners.includes(network.name)) continue;
      const names = owners.join(", ").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      assertRefused(
        address,
        network,
        new RegExp(`^address \\S+ belongs to another network \\(${names}\\), not ${network.name}$`),
      );
    }
  }
});

Deno.test("bad checksums are reported as such", () => {
  assertRefused("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", NETWORKS.mainnet, /bad base58check checksum/);
  assertRefused(
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
    NETWORKS.mainnet,
    /^invalid address bc1q\S+: bad bech32 checksum/,
  );
  assertRefused(
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
    NETWORKS.mainnet,
    /v1 address has a bech32 checksum, but v1 requires bech32m/,
  );
});

Deno.test("BIP 350's invalid segwit addresses are refused on their network", () => {
  const cases: [string, RegExp][] = [
    ["tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", /bech32 checksum/],
    ["BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", /bech32 checksum/],
    ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", /bech32m checksum/],
    ["tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", /bech32m checksum/],
    ["bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", /character "o"/],
    ["BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", /witness version 17/],
    ["bc1pw5dgrnzv", /program length 1 bytes/],
    [
      "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
      /program length 41 bytes/,
    ],
    ["BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", /v0 program length 16 bytes/],
    ["tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", /mixes upper and lower/],
    ["bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", /more than 4 bits/],
    ["tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", /non-zero padding/],
    ["bc1gmk9yu", /no witness version/],
  ];
  for (const [address, message] of cases) {
    const network = address.toLowerCase().startsWith("tb") ? NETWORKS.testnet : NETWORKS.mainnet;
    assertRefused(address, network, message);
  }
});

Deno.test("an unknown human-readable part is named, with the one expected", () => {
  assertRefused(
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
    NETWORKS.mainnet,
    /^address \S+ has unknown prefix "tc1": mainnet segwit addresses start with "bc1"$/,
  );
  assertRefused(
    "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty",
    NETWORKS.regtest,
    /unknown prefix "tc1": regtest segwit addresses start with "bcrt1"/,
  );
});

Deno.test("Base58Check payloads of the wrong size or version are refused", () => {
  const hash = fromHex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18");
  const litecoin = base58CheckEncode(Uint8Array.of(0x30, ...hash));
  assert.equal(litecoin, "LUEweDxDA4WhvWiNXXSxjM9CYzHPJv4QQF");
  assertRefused(
    litecoin,
    NETWORKS.mainnet,
    /unknown version byte 0x30 \(mainnet uses 0x00 for P2PKH and 0x05 for P2SH\)/,
  );
  assertRefused(
    litecoin,
    NETWORKS.signet,
    /unknown version byte 0x30 \(signet uses 0x6f for P2PKH and 0xc4 for P2SH\)/,
  );
  const long = base58CheckEncode(Uint8Array.of(0x00, ...hash, 0x01));
  assertRefused(long, NETWORKS.mainnet, /holds 22 bytes, an address holds 21/);
  const short = base58CheckEncode(Uint8Array.of(0x00, ...hash.subarray(1)));
  assertRefused(short, NETWORKS.mainnet, /holds 20 bytes/);
});

Deno.test("text that is no address at all is refused with a reason", () => {
  assertRefused("", NETWORKS.mainnet, /^address is empty$/);
  assertRefused("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0", NETWORKS.mainnet, /base58 character "0"/);
  assertRefused("hello world", NETWORKS.mainnet, /base58 character "l" at position 2/);
  assertRefused(" 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", NETWORKS.mainnet, /character " "/);
});

Deno.test("scripts without an address have none", () => {
  const scripts = [
    "4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac",
    "512102" + "11".repeat(32) + "51ae",
    "6a24aa21a9ed" + "00".repeat(32),
    "",
    "0015" + "00".repeat(21),
    "ac",
  ];
  for (const script of scripts) {
    for (const network of Object.values(NETWORKS)) {
      assert.equal(scriptToAddress(fromHex(script), network), undefined, script);
    }
  }
});

Deno.test("every address-bearing output of block 951658 converts to an address and back", () => {
  const block = parseBlock(readJsonFixture("bitcoin_mainnet_951658.json").raw);
  let converted = 0;
  for (const tx of block.transactions) {
    for (const output of tx.outputs) {
      const address = scriptToAddress(output.script, NETWORKS.mainnet);
      if (address === undefined) continue;
      assert.deepEqual(addressToScript(address, NETWORKS.mainnet), output.script, address);
      converted++;
    }
  }
  // Every output but the 211 OP_RETURNs: P2WPKH, P2TR, P2SH, P2WSH, P2PKH and one v12 program.
  assert.equal(converted, 696 - 211);
});
