/**
 * The chain layer's hot paths during indexing: parsing a full block, hashing output scripts
 * into hashX keys and Electrum script hashes, and SHA256d of a typical transaction.
 * Run with `deno bench --allow-read bench/chain.bench.ts`.
 */
import { parseBlock } from "../src/chain/block.ts";
import { fromHex } from "../src/chain/bytes.ts";
import { sha256d } from "../src/chain/hash.ts";
import { hashX, scriptHash } from "../src/chain/script.ts";

const BLOCK_1MB = Deno.readFileSync(
  new URL(
    "../tests/fixtures/blocks/000000000000000002d249a3d89f63ef3fee203adcca7c24008c13fd854513f2.bin",
    import.meta.url,
  ),
);
const P2WPKH = fromHex("0014751e76e8199196d454941c45d1b3a323f1433bd6");
const TX_SIZED = new Uint8Array(250).map((_, i) => (i * 31) & 0xff);

Deno.bench("parseBlock, 1 MB mainnet block (1,652 txs, merkle checked)", { group: "block" }, () => {
  parseBlock(BLOCK_1MB);
});

Deno.bench("hashX of a 22-byte P2WPKH script", { group: "script" }, () => {
  hashX(P2WPKH);
});

Deno.bench("scriptHash of a 22-byte P2WPKH script", { group: "script" }, () => {
  scriptHash(P2WPKH);
});

Deno.bench("sha256d of 250 bytes", () => {
  sha256d(TX_SIZED);
});
