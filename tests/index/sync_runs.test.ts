/**
 * The initial sync's runs (sync_runs.ts) on a real index: queries answer exactly through the
 * runs mid-sync, runs merge as they accumulate (on the flush thread), tables a crash left
 * behind are dropped on opening, a restart finds spent outputs through the stored block indexes and filters, runs go into the tables mid-sync (as before a reorg) and new
 * runs stack on them, and the catch-up leaves the final tables exact and no run behind.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoredChain, writeGeneratedChain } from "../../src/bench/chain_directory.ts";
import { NETWORKS } from "../../src/chain/networks.ts";
import { IndexStore } from "../../src/index/store.ts";
import { ChainSync } from "../../src/index/sync.ts";
import { DATABASE_FILE } from "../../src/index/schema.ts";
import { LogSink } from "../../src/log.ts";
import { ChainTruth } from "../support/chain_truth.ts";
import { assertIndexMatchesChain, assertScripts } from "../support/index_check.ts";
import { withReplayDaemon } from "../support/replay.ts";

const BLOCKS = 70;

function chainBlocks(chainDir: string, height: number): Uint8Array[] {
  const stored = StoredChain.open(chainDir);
  try {
    return Array.from({ length: height + 1 }, (_, h) => stored.readBlock(h));
  } finally {
    stored.close();
  }
}

/** The store's queries (through runs and tables) against the chain up to the store's tip. */
function assertQueriesMatch(store: IndexStore, chainDir: string): void {
  const truth = new ChainTruth();
  truth.addBlocks(chainBlocks(chainDir, store.height));
  assert.equal(store.txCount, truth.txCount, "tx count");
  assertScripts(store, truth);
}

/** The run tables in the index file. */
function runTables(store: IndexStore): string[] {
  return (store.db.prepare(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB '*_run_*'",
  ).all() as { name: string }[]).map((row) => row.name);
}

/** Syncs until `flushes` flushes were logged (or the tip), with small flushes. */
async function syncFlushes(store: IndexStore, chainDir: string, flushes: number): Promise<void> {
  let seen = 0;
  let sync: ChainSync | undefined = undefined;
  const log = new LogSink("INFO", "%(message)s", (line) => {
    if (line.startsWith("flushing") && ++seen >= flushes) sync?.stop();
  }).logger("BlockProcessor");
  await withReplayDaemon(chainDir, async (daemon) => {
    sync = new ChainSync({
      daemon,
      store,
      log,
      reorgLimit: 5,
      cacheMb: 0.2,
      workerFromBlocks: 1000,
    });
    await sync.catchUp();
  });
}

Deno.test("the initial sync's runs answer queries, merge, survive crashes and become the tables", async (t) => {
  const chainDir = await Deno.makeTempDir({ prefix: "electrumx-runs-chain-" });
  const dbDir = await Deno.makeTempDir({ prefix: "electrumx-runs-db-" });
  writeGeneratedChain(chainDir, { seed: 5, blocks: BLOCKS, shape: { txsPerBlock: 40 } });
  let store = IndexStore.open(dbDir, NETWORKS.regtest);
  try {
    await t.step("mid-sync, queries read the runs; runs merge as they accumulate", async () => {
      await syncFlushes(store, chainDir, 17);
      assert.ok(store.state.firstSync, "still in the initial sync");
      assert.ok(store.height > 0 && store.height < BLOCKS, `stopped mid-chain at ${store.height}`);
      const { historyRuns, utxoRuns } = store.runStats;
      assert.ok(utxoRuns > 0 && utxoRuns < 17, `17 flushes merged into ${utxoRuns} UTXO runs`);
      assert.ok(historyRuns > 1, `and ${historyRuns} history runs`);
      const tableRows = store.db.prepare("SELECT count(*) AS n FROM history").get() as {
        n: number;
      };
      assert.equal(tableRows.n, 0, "nothing in the final tables yet");
      assertQueriesMatch(store, chainDir);
    });

    await t.step("tables of no run, left by a crash between a merge and its drop, go", () => {
      store.close();
      const db = new DatabaseSync(`${dbDir}/${DATABASE_FILE}`);
      db.exec("CREATE TABLE utxo_run_8888 (x INTEGER)");
      db.close();
      store = IndexStore.open(dbDir, NETWORKS.regtest);
      assert.ok(!runTables(store).includes("utxo_run_8888"));
      assertQueriesMatch(store, chainDir);
    });

    await t.step(
      "a restart reads the runs' block indexes and filters back: spends find their outputs",
      async () => {
        const height = store.height;
        await syncFlushes(store, chainDir, 2);
        assert.ok(store.height > height && store.state.firstSync);
        assertQueriesMatch(store, chainDir);
      },
    );

    await t.step("runs go into the tables mid-sync, as before unwinding a reorg", () => {
      store.finalizeRuns();
      assert.equal(store.runStats.utxoRuns, 0);
      assert.deepEqual(runTables(store), []);
      assertQueriesMatch(store, chainDir);
    });

    await t.step(
      "more runs over non-empty tables, then the catch-up builds the tables",
      async () => {
        await syncFlushes(store, chainDir, 3);
        assert.ok(store.runStats.utxoRuns > 0 && store.state.firstSync);
        assertQueriesMatch(store, chainDir);
        await syncFlushes(store, chainDir, Number.MAX_SAFE_INTEGER);
        assert.equal(store.state.firstSync, false, "caught up");
        assert.equal(store.runStats.utxoRuns, 0);
        assert.deepEqual(runTables(store), []);
        // The runs' pages went back to the file system, not into a free list.
        const pragma = (name: string) =>
          Object.values(store.db.prepare(`PRAGMA ${name}`).get()!)[0] as number;
        assert.equal(pragma("auto_vacuum"), 2, "incremental auto-vacuum");
        assert.equal(pragma("freelist_count"), 0, "no free pages after the catch-up");
        assertIndexMatchesChain(store, chainBlocks(chainDir, BLOCKS));
      },
    );
  } finally {
    store.close();
    await Deno.remove(chainDir, { recursive: true });
    await Deno.remove(dbDir, { recursive: true });
  }
});
