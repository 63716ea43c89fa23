/**
 * Initial-sync benchmark: for each chain size, generates a mainnet-shaped chain (or reuses one
 * cached under --chains), serves it with the replay daemon in a subprocess, syncs a fresh index
 * with the project's ChainSync, checks the index against the chain's truth sample, and reports
 * blocks/s, tx/s, MB/s of raw blocks, peak RSS and the database size. With several runs the
 * median time is reported. Each sync runs in a process of its own, so its peak RSS is its
 * own. Prints a table and writes bench/results/sync-<time>.json.
 *
 *   deno run --allow-all scripts/bench_sync.ts [--txs 100000,1000000,5000000] [--runs 3]
 */
import { cachedChain } from "../src/bench/chain_cache.ts";
import { readManifest } from "../src/bench/chain_directory.ts";
import { median, textTable, writeResults } from "../src/bench/report.ts";
import { DEFAULT_CHAIN_SHAPE } from "../src/bench/chain_generator.ts";
import { startReplayProcess } from "../src/bench/replay_process.ts";
import { compareIndexWithTruth } from "../src/bench/truth.ts";
import { NETWORKS } from "../src/chain/networks.ts";
import { Daemon } from "../src/daemon/daemon.ts";
import { DATABASE_FILE } from "../src/index/schema.ts";
import { IndexStore } from "../src/index/store.ts";
import { ChainSync } from "../src/index/sync.ts";
import { LogSink } from "../src/log.ts";
import { VERSION } from "../src/version.ts";

import { ScriptCli } from "./script_cli.ts";

const USAGE = `usage: bench_sync.ts [options]
  --txs LIST           chain sizes in transactions, comma-separated (default 100000)
  --txs-per-block K    transactions per block (default ${DEFAULT_CHAIN_SHAPE.txsPerBlock})
  --seed S             chain seed (default 1)
  --runs N             syncs per size; the median time is reported (default 1)
  --cache-mb N         the sync's CACHE_MB: flush threshold (default 1200, ElectrumX's)
  --sqlite-cache-mb N  SQLite page cache (default 512, as the server uses)
  --reorg-limit N      REORG_LIMIT: blocks with undo data (default 200, mainnet's)
  --chains DIR         where generated chains are cached (default bench/chains; a chain
                       takes 0.54 GB a million transactions: 10.9 GB for 20M, 27 GB for 50M)
  --results DIR        where the JSON results go (default bench/results)
  --keep-db            keep each run's database (under the results directory)
  --profile DIR        write a CPU profile of each sync process into DIR (deno --cpu-prof)
  --quiet              no sync progress lines
  --help               this text`;

const MB = 1e6;

const cli: ScriptCli = new ScriptCli("bench_sync", USAGE);

/** Figures of one sync. */
interface RunFigures {
  seconds: number;
  peakRssMb: number;
  /** Database file after closing (WAL checkpointed). */
  dbBytes: number;
  /** Database file plus WAL when the sync ended. */
  dbBytesWithWal: number;
  verifySeconds: number;
  problems: string[];
}

/** Figures of one chain size. */
interface SizeResult {
  chain: string;
  blocks: number;
  txs: number;
  rawBytes: number;
  generationSeconds: number;
  runs: RunFigures[];
  medianSeconds: number;
  blocksPerSecond: number;
  txsPerSecond: number;
  mbPerSecond: number;
  peakRssMb: number;
  dbMb: number;
  dbPercentOfRaw: number;
}

interface Settings {
  txsPerBlock: number;
  seed: number;
  runs: number;
  cacheMb: number;
  sqliteCacheMb: number;
  reorgLimit: number;
  chains: string;
  results: string;
  keepDb: boolean;
  quiet: boolean;
  /** Directory for a CPU profile of each sync process (--cpu-prof). */
  profile?: string;
}

/** Peak resident set size since the last reset, in bytes (Linux), else undefined. */
function peakRss(): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * One sync into a new database, in this process (the worker mode, so each run's memory is
 * measured on its own): returns its figures.
 */
async function syncOnce(url: string, chain: string, settings: Settings): Promise<RunFigures> {
  const manifest = readManifest(chain);
  Deno.mkdirSync(settings.results, { recursive: true });
  const dbDir = Deno.makeTempDirSync({ dir: settings.results, prefix: `db-${manifest.txCount}-` });
  const daemon = new Daemon({ urls: [url] });
  const store = IndexStore.open(dbDir, NETWORKS.regtest, { cacheMb: settings.sqliteCacheMb });
  const logs = new LogSink(settings.quiet ? "WARNING" : "INFO");
  const sync = new ChainSync({
    daemon,
    store,
    log: logs.logger("BlockProcessor"),
    reorgLimit: settings.reorgLimit,
    cacheMb: settings.cacheMb,
  });
  let sampledPeak = 0;
  const sample = (): void => {
    sampledPeak = Math.max(sampledPeak, Deno.memoryUsage().rss);
  };
  const sampler = setInterval(sample, 100);
  const started = performance.now();
  try {
    await sync.catchUp();
  } finally {
    clearInterval(sampler);
    daemon.close();
  }
  const seconds = (performance.now() - started) / 1000;
  sample();
  const peak = Math.max(sampledPeak, peakRss() ?? 0);
  const databaseSize = (): number =>
    fileSize(`${dbDir}/${DATABASE_FILE}`) + fileSize(`${dbDir}/${DATABASE_FILE}-wal`);
  const dbBytesWithWal = databaseSize();
  const verifyStarted = performance.now();
  const problems = compareIndexWithTruth(store, manifest.truth);
  const verifySeconds = (performance.now() - verifyStarted) / 1000;
  // Closing checkpoints the WAL into the database: the size an operator sees at rest.
  store.close();
  const dbBytes = databaseSize();
  if (!settings.keepDb) Deno.removeSync(dbDir, { recursive: true });
  return { seconds, peakRssMb: peak / MB, dbBytes, dbBytesWithWal, verifySeconds, problems };
}

/** Runs syncOnce in a new process of this script and returns its figures. */
async function syncInWorker(url: string, chain: string, settings: Settings): Promise<RunFigures> {
  const args = [
    "run",
    "--allow-all",
    ...(settings.profile ? ["--cpu-prof", `--cpu-prof-dir=${settings.profile}`] : []),
    new URL(import.meta.url).pathname,
    "--worker-daemon",
    url,
    "--worker-chain",
    chain,
    "--cache-mb",
    String(settings.cacheMb),
    "--sqlite-cache-mb",
    String(settings.sqliteCacheMb),
    "--reorg-limit",
    String(settings.reorgLimit),
    "--results",
    settings.results,
    ...(settings.keepDb ? ["--keep-db"] : []),
    ...(settings.quiet ? ["--quiet"] : []),
  ];
  const output = await new Deno.Command(Deno.execPath(), { args, stderr: "inherit" }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) throw new Error(`sync worker failed: ${text}`);
  return JSON.parse(text.split("\n").pop()!) as RunFigures;
}

async function benchSize(txs: number, settings: Settings): Promise<SizeResult> {
  const [directory, manifest] = await cachedChain(txs, settings);
  const replay = await startReplayProcess(directory);
  const runs: RunFigures[] = [];
  try {
    for (let run = 1; run <= settings.runs; run++) {
      const figures = await syncInWorker(replay.url, directory, settings);
      console.error(
        `run ${run}: ${figures.seconds.toFixed(1)} s, peak RSS ${
          figures.peakRssMb.toFixed(0)
        } MB, database ${(figures.dbBytes / MB).toFixed(0)} MB (${
          (figures.dbBytesWithWal / MB).toFixed(0)
        } MB with the WAL at the end of the sync), truth check ${
          figures.problems.length === 0
            ? "passed"
            : `FAILED (${figures.problems.length} differences)`
        }`,
      );
      for (const problem of figures.problems.slice(0, 20)) console.error(`  ${problem}`);
      runs.push(figures);
    }
  } finally {
    await replay.stop();
  }
  const seconds = median(runs.map((run) => run.seconds));
  const dbBytes = median(runs.map((run) => run.dbBytes));
  return {
    chain: directory,
    blocks: manifest.blocks,
    txs: manifest.truth.txCount,
    rawBytes: manifest.bytes,
    generationSeconds: manifest.generationSeconds,
    runs,
    medianSeconds: seconds,
    blocksPerSecond: manifest.blocks / seconds,
    txsPerSecond: manifest.truth.txCount / seconds,
    mbPerSecond: manifest.bytes / MB / seconds,
    peakRssMb: median(runs.map((run) => run.peakRssMb)),
    dbMb: dbBytes / MB,
    dbPercentOfRaw: (100 * dbBytes) / manifest.bytes,
  };
}

function table(results: SizeResult[]): string {
  const header = [
    "txs",
    "blocks",
    "raw MB",
    "runs",
    "median s",
    "blocks/s",
    "tx/s",
    "MB/s",
    "peak RSS MB",
    "DB MB",
    "DB % raw",
    "truth",
  ];
  const rows = results.map((r) => [
    r.txs.toLocaleString("en-US"),
    String(r.blocks),
    (r.rawBytes / MB).toFixed(0),
    String(r.runs.length),
    r.medianSeconds.toFixed(1),
    r.blocksPerSecond.toFixed(2),
    Math.round(r.txsPerSecond).toLocaleString("en-US"),
    r.mbPerSecond.toFixed(1),
    r.peakRssMb.toFixed(0),
    r.dbMb.toFixed(0),
    r.dbPercentOfRaw.toFixed(0),
    r.runs.every((run) => run.problems.length === 0) ? "ok" : "FAILED",
  ]);
  return textTable(header, rows);
}

async function main(): Promise<void> {
  const values = cli.parse({
    txs: { type: "string" },
    "txs-per-block": { type: "string" },
    seed: { type: "string" },
    runs: { type: "string" },
    "cache-mb": { type: "string" },
    "sqlite-cache-mb": { type: "string" },
    "reorg-limit": { type: "string" },
    chains: { type: "string" },
    results: { type: "string" },
    "keep-db": { type: "boolean" },
    profile: { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean" },
    "worker-daemon": { type: "string" },
    "worker-chain": { type: "string" },
  });
  const sizes = (values.txs ?? "100000").split(",").map((size) =>
    cli.wholeNumber(size, "txs", 0, 1)
  );
  const settings: Settings = {
    txsPerBlock: cli.wholeNumber(
      values["txs-per-block"],
      "txs-per-block",
      DEFAULT_CHAIN_SHAPE.txsPerBlock,
      1,
    ),
    seed: cli.wholeNumber(values.seed, "seed", 1, 1),
    runs: cli.wholeNumber(values.runs, "runs", 1, 1),
    cacheMb: cli.wholeNumber(values["cache-mb"], "cache-mb", 1200, 1),
    sqliteCacheMb: cli.wholeNumber(values["sqlite-cache-mb"], "sqlite-cache-mb", 512, 1),
    reorgLimit: cli.wholeNumber(
      values["reorg-limit"],
      "reorg-limit",
      NETWORKS.mainnet.reorgLimit,
      1,
    ),
    chains: values.chains ?? "bench/chains",
    results: values.results ?? "bench/results",
    keepDb: values["keep-db"] ?? false,
    quiet: values.quiet ?? false,
    profile: values.profile,
  };
  if (values["worker-daemon"] && values["worker-chain"]) {
    const figures = await syncOnce(values["worker-daemon"], values["worker-chain"], settings);
    console.log(JSON.stringify(figures));
    return;
  }
  const results: SizeResult[] = [];
  for (const txs of sizes) results.push(await benchSize(txs, settings));
  console.log(table(results));
  const path = writeResults(settings.results, "sync", {
    version: VERSION,
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    date: new Date().toISOString(),
    settings,
    results,
  });
  console.log(`results written to ${path}`);
  if (results.some((r) => r.runs.some((run) => run.problems.length > 0))) Deno.exitCode = 1;
}

await main();
