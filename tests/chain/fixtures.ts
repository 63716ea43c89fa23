/**
 * The real blocks in tests/fixtures/blocks (described in tests/fixtures/README.md), and a walk
 * over a block's transactions that keeps each one's raw bytes for round-trip checks.
 */
import { ByteReader, fromHex } from "../../src/chain/bytes.ts";
import { type BlockHeader, readHeader } from "../../src/chain/header.ts";
import { readTransaction, type Transaction } from "../../src/chain/transaction.ts";

const BLOCKS_DIR = new URL("../fixtures/blocks/", import.meta.url);

/** A block saved as bitcoind's `getblock` verbosity-1 JSON with the raw hex under `block`. */
export interface JsonBlockFixture {
  hash: string;
  height: number;
  merkleroot: string;
  previousblockhash: string;
  time: number;
  nonce: number;
  bits: string;
  size: number;
  tx: string[];
  version?: number;
  nTx?: number;
  strippedsize?: number;
  weight?: number;
  /** The decoded `block` hex. */
  raw: Uint8Array;
}

/** The JSON fixtures: mainnet 951658, signet 31500, testnet4 40000. */
export const JSON_FIXTURES = [
  "bitcoin_mainnet_951658.json",
  "bitcoin_signet_31500.json",
  "bitcoin_testnet4_40000.json",
] as const;

/**
 * The raw fixtures, named by block hash, with facts from tests/fixtures/README.md and their
 * headers. Neither has a witness transaction: the November 2016 one (a BIP 9 version) predates
 * segwit's activation in August 2017.
 */
export const RAW_FIXTURES = [
  {
    hash: "000000000000000002d249a3d89f63ef3fee203adcca7c24008c13fd854513f2",
    txCount: 1652,
    size: 998_978,
    version: 0x2000_0000,
    time: 1478254879,
  },
  {
    hash: "00000000000000001203c1ea455e38612bdf36e9967fdead11935c8e22283ecc",
    txCount: 202,
    size: 99_980,
    version: 2,
    time: 1418363354,
  },
] as const;

/** Reads a JSON fixture and decodes its raw block. */
export function readJsonFixture(name: string): JsonBlockFixture {
  const json = JSON.parse(Deno.readTextFileSync(new URL(name, BLOCKS_DIR)));
  return { ...json, raw: fromHex(json.block) };
}

/** Reads a raw fixture by block hash. */
export function readRawFixture(hash: string): Uint8Array {
  return Deno.readFileSync(new URL(`${hash}.bin`, BLOCKS_DIR));
}

/** A transaction read from a block, with the exact bytes it was read from. */
export interface RawTransaction {
  tx: Transaction;
  bytes: Uint8Array;
}

/** Reads a block transaction by transaction, keeping each one's serialised bytes. */
export function walkBlock(raw: Uint8Array): { header: BlockHeader; txs: RawTransaction[] } {
  const reader = new ByteReader(raw);
  const header = readHeader(reader);
  const count = reader.compactSize();
  const txs: RawTransaction[] = [];
  for (let i = 0; i < count; i++) {
    const start = reader.offset;
    const tx = readTransaction(reader);
    txs.push({ tx, bytes: raw.subarray(start, reader.offset) });
  }
  return { header, txs };
}
