/**
 * Generated chains cached on disk for the benchmarks: reused when present and made by the
 * current generator, generated in a subprocess otherwise.
 */
import { type ChainManifest, readManifest } from "./chain_directory.ts";
import { GENERATOR_VERSION } from "./chain_generator.ts";

export interface ChainCacheOptions {
  /** Directory of cached chains. */
  chains: string;
  seed: number;
  txsPerBlock: number;
}

/** The chain of about `txs` transactions: its directory and manifest. */
export async function cachedChain(
  txs: number,
  options: ChainCacheOptions,
): Promise<[string, ChainManifest]> {
  const directory = `${options.chains}/seed${options.seed}-txs${txs}-per${options.txsPerBlock}`;
  try {
    const manifest = readManifest(directory);
    if (manifest.generatorVersion === GENERATOR_VERSION) return [directory, manifest];
  } catch {
    // not generated yet
  }
  console.error(`generating ${directory} …`);
  const script = new URL("../../scripts/generate_chain.ts", import.meta.url).pathname;
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      // OpenSSL's SHA-256 through FFI: hashing in TypeScript would take most of the time.
      "--allow-ffi",
      script,
      "--out",
      directory,
      "--txs",
      String(txs),
      "--txs-per-block",
      String(options.txsPerBlock),
      "--seed",
      String(options.seed),
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) throw new Error(`generating ${directory} failed`);
  return [directory, readManifest(directory)];
}
