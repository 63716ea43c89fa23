/**
 * Generates a mainnet-shaped regtest chain into a directory (blocks, index, txids, manifest
 * with the truth sample), deterministic for a seed.
 *
 *   deno run --allow-read --allow-write --allow-ffi scripts/generate_chain.ts --out DIR
 *     [--txs N | --blocks N] [--txs-per-block K] [--seed S]
 *
 * --allow-ffi lets it hash with OpenSSL's SHA-256 (native_sha256.ts); without it, hashing in
 * TypeScript takes most of the time. A chain takes about 540 bytes a transaction (blocks and
 * txids): 10.9 GB for 20 million.
 */
import { writeGeneratedChain } from "../src/bench/chain_directory.ts";
import { DEFAULT_CHAIN_SHAPE } from "../src/bench/chain_generator.ts";

import { ScriptCli } from "./script_cli.ts";

const USAGE = `usage: generate_chain.ts --out DIR [options]
  --out DIR            directory to write (created; an existing chain there is replaced)
  --txs N              about N transactions: as many blocks as that takes (default 100000)
  --blocks N           exactly N blocks after genesis instead (the first seeds the UTXO pool)
  --txs-per-block K    transactions per block (default ${DEFAULT_CHAIN_SHAPE.txsPerBlock})
  --reuse-pool N       distinct reused scripts (default ${DEFAULT_CHAIN_SHAPE.reusePool})
  --seed S             PRNG seed (default 1)
  --quiet              no progress lines
  --help               this text`;

const cli: ScriptCli = new ScriptCli("generate_chain", USAGE);

function main(): void {
  const values = cli.parse({
    out: { type: "string" },
    txs: { type: "string" },
    blocks: { type: "string" },
    "txs-per-block": { type: "string" },
    "reuse-pool": { type: "string" },
    seed: { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean" },
  });
  if (!values.out) cli.fail("--out is required");
  if (values.txs !== undefined && values.blocks !== undefined) {
    cli.fail("give --txs or --blocks, not both");
  }
  const txsPerBlock = cli.wholeNumber(
    values["txs-per-block"],
    "txs-per-block",
    DEFAULT_CHAIN_SHAPE.txsPerBlock,
    1,
  );
  const txs = cli.wholeNumber(values.txs, "txs", 100_000, 1);
  const blocks = cli.wholeNumber(values.blocks, "blocks", 1 + Math.ceil(txs / txsPerBlock), 1);
  const reusePool = cli.wholeNumber(
    values["reuse-pool"],
    "reuse-pool",
    DEFAULT_CHAIN_SHAPE.reusePool,
    1,
  );
  const seed = cli.wholeNumber(values.seed, "seed", 1);
  let lastReport = performance.now();
  const manifest = writeGeneratedChain(values.out, {
    seed,
    blocks,
    shape: { txsPerBlock, reusePool },
    onBlock: (height, txCount, bytes) => {
      const now = performance.now();
      if (values.quiet || (now - lastReport < 5000 && height < blocks)) return;
      lastReport = now;
      console.error(
        `height ${height} of ${blocks}: ${txCount.toLocaleString("en-US")} txs, ` +
          `${(bytes / 1e6).toFixed(0)} MB`,
      );
    },
  });
  const top = manifest.truth.scripts[0];
  console.log(
    `${values.out}: ${manifest.blocks} blocks, ${manifest.txCount.toLocaleString("en-US")} txs, ` +
      `${(manifest.bytes / 1e6).toFixed(1)} MB in ${manifest.generationSeconds.toFixed(1)} s; ` +
      `tip ${manifest.tipHash}; busiest script ${top?.historyCount ?? 0} history entries`,
  );
}

main();
