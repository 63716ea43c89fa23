/**
 * Generates a mainnet-shaped regtest chain into a directory (blocks, index, txids, manifest
 * with the truth sample), deterministic for a seed.
 *
 *   deno run --allow-read --allow-write scripts/generate_chain.ts --out DIR
 *     [--txs N | --blocks N] [--txs-per-block K] [--seed S]
 */
import { parseArgs } from "node:util";
import { writeGeneratedChain } from "../src/bench/chain_directory.ts";
import { DEFAULT_CHAIN_SHAPE } from "../src/bench/chain_generator.ts";

const USAGE = `usage: generate_chain.ts --out DIR [options]
  --out DIR            directory to write (created; an existing chain there is replaced)
  --txs N              about N transactions: as many blocks as that takes (default 100000)
  --blocks N           exactly N blocks after genesis instead (the first seeds the UTXO pool)
  --txs-per-block K    transactions per block (default ${DEFAULT_CHAIN_SHAPE.txsPerBlock})
  --reuse-pool N       distinct reused scripts (default ${DEFAULT_CHAIN_SHAPE.reusePool})
  --seed S             PRNG seed (default 1)
  --quiet              no progress lines
  --help               this text`;

function fail(message: string): never {
  console.error(`generate_chain: ${message}\n${USAGE}`);
  Deno.exit(2);
}

function integer(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const number = Number(value.replaceAll("_", ""));
  if (!Number.isSafeInteger(number) || number < min) {
    fail(`--${name} must be a whole number ≥ ${min}`);
  }
  return number;
}

function main(): void {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      options: {
        out: { type: "string" },
        txs: { type: "string" },
        blocks: { type: "string" },
        "txs-per-block": { type: "string" },
        "reuse-pool": { type: "string" },
        seed: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) fail("--out is required");
  if (values.txs !== undefined && values.blocks !== undefined) {
    fail("give --txs or --blocks, not both");
  }
  const txsPerBlock = integer(
    values["txs-per-block"],
    "txs-per-block",
    DEFAULT_CHAIN_SHAPE.txsPerBlock,
    1,
  );
  const txs = integer(values.txs, "txs", 100_000, 1);
  const blocks = integer(values.blocks, "blocks", 1 + Math.ceil(txs / txsPerBlock), 1);
  const reusePool = integer(values["reuse-pool"], "reuse-pool", DEFAULT_CHAIN_SHAPE.reusePool, 1);
  const seed = integer(values.seed, "seed", 1);
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
