/** Network constants against docs/configuration.md (Networks), and genesis hashes from headers. */
import assert from "node:assert/strict";
import { ByteWriter, hashToHex, hexToHash } from "../../src/chain/bytes.ts";
import { parseHeader } from "../../src/chain/header.ts";
import { findNetwork, type NetworkName, NETWORKS } from "../../src/chain/networks.ts";

const BITCOIN_MERKLE_ROOT = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
const TESTNET4_MERKLE_ROOT = "7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e";

Deno.test("every network has its documented constants", () => {
  const expected: Record<NetworkName, unknown[]> = {
    // className, shortName, rpcPort, reorgLimit, tcp, ssl, p2pkh, p2sh, hrp, blacklist
    mainnet: [
      "BitcoinMainnet",
      "BTC",
      8332,
      200,
      50001,
      50002,
      0x00,
      0x05,
      "bc",
      "https://electrum.org/blacklist.json",
    ],
    testnet: ["BitcoinTestnet3", "XTN", 18332, 8000, 51001, 51002, 0x6f, 0xc4, "tb", ""],
    testnet4: ["BitcoinTestnet4", "XTN", 48332, 8000, 51001, 51002, 0x6f, 0xc4, "tb", ""],
    signet: ["BitcoinSignet", "XTN", 38332, 8000, 51001, 51002, 0x6f, 0xc4, "tb", ""],
    regtest: ["BitcoinRegtest", "XTN", 18443, 8000, 51001, 51002, 0x6f, 0xc4, "bcrt", ""],
    mutinynet: ["BitcoinMutinynet", "XTN", 38332, 8000, 51001, 51002, 0x6f, 0xc4, "tb", ""],
  };
  assert.deepEqual(Object.keys(NETWORKS).sort(), Object.keys(expected).sort());
  for (const [name, values] of Object.entries(expected)) {
    const n = NETWORKS[name as NetworkName];
    assert.equal(n.name, name);
    assert.deepEqual(
      [
        n.className,
        n.shortName,
        n.rpcPort,
        n.reorgLimit,
        n.tcpPort,
        n.sslPort,
        n.p2pkhPrefix,
        n.p2shPrefix,
        n.bech32Hrp,
        n.blacklistUrl,
      ],
      values,
      name,
    );
  }
});

Deno.test("genesis hashes are the hashes of the genesis headers", () => {
  const genesis: [NetworkName, number, number, number, string][] = [
    ["mainnet", 1231006505, 0x1d00ffff, 2083236893, BITCOIN_MERKLE_ROOT],
    ["testnet", 1296688602, 0x1d00ffff, 414098458, BITCOIN_MERKLE_ROOT],
    ["testnet4", 1714777860, 0x1d00ffff, 393743547, TESTNET4_MERKLE_ROOT],
    ["signet", 1598918400, 0x1e0377ae, 52613770, BITCOIN_MERKLE_ROOT],
    ["regtest", 1296688602, 0x207fffff, 2, BITCOIN_MERKLE_ROOT],
  ];
  for (const [name, time, bits, nonce, merkleRoot] of genesis) {
    const raw = new ByteWriter(80).i32(1).bytes(new Uint8Array(32)).bytes(hexToHash(merkleRoot))
      .u32(time).u32(bits).u32(nonce).finish();
    assert.equal(hashToHex(parseHeader(raw).hash), NETWORKS[name].genesisHash, name);
  }
  assert.equal(
    NETWORKS.mainnet.genesisHash,
    "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
  );
  // A custom signet: same genesis block as the default signet.
  assert.equal(NETWORKS.mutinynet.genesisHash, NETWORKS.signet.genesisHash);
});

Deno.test("findNetwork is case-insensitive and trims, undefined for unknown names", () => {
  assert.equal(findNetwork("mainnet"), NETWORKS.mainnet);
  assert.equal(findNetwork("  TestNet4\n"), NETWORKS.testnet4);
  assert.equal(findNetwork("Regtest"), NETWORKS.regtest);
  assert.equal(findNetwork("MUTINYNET"), NETWORKS.mutinynet);
  for (const name of ["", "bitcoin", "testnet3", "main", "constructor", "__proto__", "toString"]) {
    assert.equal(findNetwork(name), undefined, name);
  }
});

Deno.test("network constants cannot be changed at run time", () => {
  assert.ok(Object.isFrozen(NETWORKS));
  for (const network of Object.values(NETWORKS)) assert.ok(Object.isFrozen(network), network.name);
  assert.throws(() => {
    (NETWORKS.mainnet as { rpcPort: number }).rpcPort = 1;
  }, TypeError);
  assert.equal(NETWORKS.mainnet.rpcPort, 8332);
});
