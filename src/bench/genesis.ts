/**
 * Regtest's genesis block, byte for byte, so a generated chain starts where an indexer set to
 * NET=regtest expects it (hash 0f9188f1…466e2206).
 */
import { ByteWriter, fromHex } from "../chain/bytes.ts";
import { sha256d } from "../chain/hash.ts";

/**
 * The genesis coinbase shared by mainnet, testnet, signet and regtest: "The Times 03/Jan/2009
 * Chancellor on brink of second bailout for banks", 50 BTC to Satoshi's key.
 */
const GENESIS_COINBASE = fromHex(
  "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff" +
    "001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e20627269" +
    "6e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a0100000043" +
    "4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f355" +
    "04e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000",
);

/** Regtest genesis header fields (Bitcoin Core's src/kernel/chainparams.cpp). */
export const REGTEST_GENESIS_TIME = 1296688602;
const REGTEST_GENESIS_BITS = 0x207fffff;
const REGTEST_GENESIS_NONCE = 2;

/** The serialised regtest genesis block. */
export function regtestGenesisBlock(): Uint8Array {
  return new ByteWriter(80 + 1 + GENESIS_COINBASE.length)
    .i32(1)
    .bytes(new Uint8Array(32))
    .bytes(sha256d(GENESIS_COINBASE))
    .u32(REGTEST_GENESIS_TIME)
    .u32(REGTEST_GENESIS_BITS)
    .u32(REGTEST_GENESIS_NONCE)
    .compactSize(1)
    .bytes(GENESIS_COINBASE)
    .finish();
}
