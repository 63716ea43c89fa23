/**
 * Crash safety with real processes: `electrumx serve` is killed with SIGKILL at many moments
 * of an initial sync (small CACHE_MB, so many flushes), in live mode and around a reorg, and
 * restarted each time; the final index must equal, row for row, one from an uninterrupted
 * sync. SIGTERM must flush and exit 0.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NETWORKS } from "../../src/chain/networks.ts";
import { DATABASE_FILE } from "../../src/index/schema.ts";
import { IndexStore } from "../../src/index/store.ts";
import { generateActivity } from "../../src/regtest/activity.ts";
import { mineBulkChain } from "../../src/regtest/bulk_chain.ts";
import { findFreePort, type RegtestNode, startRegtestNode } from "../../src/regtest/node.ts";
import { Wallet } from "../../src/regtest/wallet.ts";
import { fetchChain } from "../support/chain_truth.ts";
import { assertSameIndex, dumpIndex, indexHeight, ServeProcess } from "../support/serve_process.ts";
import { assertIndexMatchesChain } from "../support/index_check.ts";

/** Small flushes and fast polling, and a free admin port for each process. */
function SERVE_ENV(): Record<string, string> {
  return { CACHE_MB: "1", RPC_PORT: String(findFreePort()), DAEMON_POLL_INTERVAL_BLOCKS: "50" };
}

/** Runs `serve` until the index reaches `height`, then stops it with SIGTERM. */
async function syncToHeight(node: RegtestNode, dbDir: string, height: number): Promise<number> {
  const server = new ServeProcess(node, dbDir, SERVE_ENV());
  // Signal handlers are installed before the first log line.
  await server.waitForLog(/starting/);
  await server.waitForLog(/index at height/);
  const opened = performance.now();
  const deadline = Date.now() + 60_000;
  while (indexHeight(dbDir) !== height && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const syncMs = performance.now() - opened;
  const code = await server.stop("SIGTERM");
  assert.equal(code, 0, `serve did not exit cleanly on SIGTERM:\n${server.log}`);
  assert.equal(indexHeight(dbDir), height, `serve did not reach height ${height}:\n${server.log}`);
  return syncMs;
}

/** Every row of every index table, and the state, for comparing two databases. */
function dump(dbDir: string): Record<string, unknown[]> {
  const db = new DatabaseSync(`${dbDir}/${DATABASE_FILE}`, { readOnly: true });
  try {
    const state = db.prepare("SELECT * FROM state WHERE key != 'updated' ORDER BY key").all();
    return { ...dumpIndex(dbDir), state };
  } finally {
    db.close();
  }
}

async function killAt(node: RegtestNode, dbDir: string, delayMs: number): Promise<void> {
  const server = new ServeProcess(node, dbDir, SERVE_ENV());
  await server.waitForLog(/index at height/);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const code = await server.stop("SIGKILL");
  assert.ok(code === 137 || code === 0, `serve failed before the kill:\n${server.log}`);
}

Deno.test("SIGKILL at any moment, then restart, gives the same index as an uninterrupted sync", async (t) => {
  const node = await startRegtestNode();
  const root = await Deno.makeTempDir({ prefix: "electrumx-crash-" });
  try {
    const wallet = new Wallet(node, { seed: "crash tests" });
    await generateActivity(wallet, { blocks: 3, txsPerBlock: 20, seed: 7 });
    // Enough transactions for many flushes at CACHE_MB=1, so kills land between them.
    assert.equal(await mineBulkChain(node, { blocks: 40, txsPerBlock: 500 }), 20_000);
    let height = await node.getHeight();

    // The reference: one uninterrupted sync, timed to spread the kills over it.
    const reference = `${root}/reference`;
    const syncMs = await syncToHeight(node, reference, height);

    await t.step("killed during initial sync at many moments", async () => {
      const crashed = `${root}/crashed`;
      const kills = 10;
      const heights: number[] = [];
      for (let i = 0; i < kills; i++) {
        await killAt(node, crashed, (syncMs * i) / kills);
        heights.push(indexHeight(crashed));
      }
      // The kills must have landed mid-sync, leaving partial indexes behind.
      assert.ok(heights.some((h) => h >= 0 && h < height), `heights after kills: ${heights}`);
      assert.ok(
        heights.every((h, i) => h <= height && (i === 0 || h >= heights[i - 1])),
        `heights: ${heights}`,
      );
      await syncToHeight(node, crashed, height);
      assertSameIndex(dump(crashed), dump(reference), "index after the kills");
    });

    await t.step("killed in live mode and around a reorg", async () => {
      const live = `${root}/live`;
      await syncToHeight(node, live, height);
      for (let i = 0; i < 4; i++) {
        const server = new ServeProcess(node, live, SERVE_ENV());
        await server.waitForLog(/starting/);
        // New blocks with transactions while it runs, and a two-block reorg on odd rounds.
        await wallet.pay([wallet.newScript("p2wpkh").script], 20_000 + i);
        await wallet.mine(1);
        if (i % 2 === 1) {
          const fork = await node.rpc<string>("getblockhash", [(await node.getHeight()) - 2]);
          await node.mine(3, {
            parent: fork,
            mempool: false,
            coinbaseTag: new Uint8Array([0xee, i]),
          });
          await wallet.sync();
        }
        await new Promise((resolve) => setTimeout(resolve, 40 * i));
        const code = await server.stop("SIGKILL");
        assert.equal(code, 137, `serve exited by itself in live mode:\n${server.log}`);
      }
      height = await node.getHeight();
      await syncToHeight(node, live, height);
      const store = IndexStore.open(live, NETWORKS.regtest);
      try {
        assertIndexMatchesChain(store, await fetchChain(node.rpc.bind(node)));
      } finally {
        store.close();
      }
    });
  } finally {
    await node.stop();
    await Deno.remove(root, { recursive: true });
  }
});
