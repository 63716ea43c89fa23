/**
 * The live journal against a replay daemon: live blocks are journaled and every query sees
 * them; a merge committed by another connection while the store still overlays the merged
 * blocks counts nothing twice; too many journaled blocks and a reorg send everything into the
 * tables; the maintainer's thread merges it as the controller asks; a store opened over a
 * journal left behind merges it; and the tables end up equal, row for row, to those of an
 * index that never journaled.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoredChain, writeGeneratedChain } from "../../src/bench/chain_directory.ts";
import { ReplayChain } from "../../src/bench/replay_chain.ts";
import { ReplayDaemon } from "../../src/bench/replay_daemon.ts";
import { parseBlock } from "../../src/chain/block.ts";
import { NETWORKS } from "../../src/chain/networks.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import { mergeJournal } from "../../src/index/journal.ts";
import { IndexMaintainer } from "../../src/index/maintainer.ts";
import { RowWriter } from "../../src/index/row_writer.ts";
import { configureConnection } from "../../src/index/schema.ts";
import { IndexStore } from "../../src/index/store.ts";
import { ChainSync } from "../../src/index/sync.ts";
import { silentLogger } from "../../src/log.ts";
import { assertIndexMatchesChain } from "../support/index_check.ts";
import { assertSameIndex, dumpIndex } from "../support/serve_process.ts";

const REGTEST = NETWORKS.regtest;

function syncer(daemon: Daemon, store: IndexStore): ChainSync {
  return new ChainSync({ daemon, store, log: silentLogger(), reorgLimit: 100, cacheMb: 16 });
}

async function chainBlocks(daemon: Daemon, height: number): Promise<Uint8Array[]> {
  return await daemon.getRawBlocks(await daemon.getBlockHashes(0, height + 1));
}

Deno.test("live blocks go through the journal and come out as if written directly", async () => {
  const chainDir = await Deno.makeTempDir({ prefix: "electrumx-journal-chain-" });
  const dir = await Deno.makeTempDir({ prefix: "electrumx-journal-db-" });
  const directDir = await Deno.makeTempDir({ prefix: "electrumx-journal-direct-" });
  writeGeneratedChain(chainDir, { seed: 11, blocks: 40, shape: { txsPerBlock: 30 } });
  const stored = StoredChain.open(chainDir);
  const replay = ReplayDaemon.start({
    chain: new ReplayChain(stored, { height: 20 }),
    user: "user",
    password: "pass",
  });
  const daemon = new Daemon({ urls: [replay.url] });
  let store = IndexStore.open(dir, REGTEST);
  try {
    await syncer(daemon, store).catchUp();
    assert.equal(store.journaledBlocks, 0, "the initial sync writes the tables");

    await daemon.call("replay_extend", [5]);
    await syncer(daemon, store).catchUp();
    assert.equal(store.journaledBlocks, 5, "each live block is journaled");
    // What they spent is gone, whether it was in the tables or in an earlier journaled block.
    let spends = 0;
    for (const raw of (await chainBlocks(daemon, store.height)).slice(-5)) {
      for (const tx of parseBlock(raw).transactions.slice(1)) {
        for (const input of tx.inputs) {
          assert.equal(store.findUtxo(input.prevHash, input.prevIndex), undefined);
          spends++;
        }
      }
    }
    assert.ok(spends > 100, `${spends} spends checked`);

    // Another connection merges the first three while this store still overlays them.
    const other = new DatabaseSync(store.path);
    configureConnection(other, 16);
    const through = store.journalSeq - 2;
    assert.deepEqual(mergeJournal(other, new RowWriter(other), through), {
      seq: through,
      blocks: 3,
    });
    other.close();
    assert.equal(store.journaledBlocks, 5);
    assertIndexMatchesChain(store, await chainBlocks(daemon, store.height));

    // Twelve journaled blocks at most: the thirteenth goes into the tables with them.
    await daemon.call("replay_extend", [14]);
    await syncer(daemon, store).catchUp();
    assert.equal(store.journaledBlocks, 1);
    assertIndexMatchesChain(store, await chainBlocks(daemon, store.height));

    // A reorg unwinds journaled blocks (after merging them) and journals the new branch.
    await daemon.call("replay_extend", [3]);
    await syncer(daemon, store).catchUp();
    await daemon.call("replay_reorg", [2]);
    await syncer(daemon, store).catchUp();
    assert.ok(store.journaledBlocks > 0, "the new branch is journaled");
    const height = store.height;
    assertIndexMatchesChain(store, await chainBlocks(daemon, height));

    // The maintainer's thread merges what live mode journals, as the controller asks it to.
    await daemon.call("replay_extend", [2]);
    await syncer(daemon, store).catchUp();
    assert.equal(store.journaledBlocks, 2);
    const maintainer = new IndexMaintainer(store.path, silentLogger());
    try {
      const { merged, walTruncated } = await maintainer.request(store.journalSeq);
      assert.deepEqual(merged, { seq: store.journalSeq, blocks: 2 });
      assert.ok(walTruncated);
      store.journalMerged(merged.seq);
    } finally {
      await maintainer.close();
    }
    assert.equal(store.journaledBlocks, 0);
    assertIndexMatchesChain(store, await chainBlocks(daemon, store.height));

    // Left in the journal by a store that stopped without merging: merged on opening.
    await daemon.call("replay_extend", [3]);
    await syncer(daemon, store).catchUp();
    assert.equal(store.journaledBlocks, 3);
    store.close();
    store = IndexStore.open(dir, REGTEST);
    const left = store.db.prepare("SELECT count(*) AS n FROM journal").get() as { n: number };
    assert.equal(left.n, 0, "merged on opening");
    assertIndexMatchesChain(store, await chainBlocks(daemon, store.height));

    const direct = IndexStore.open(directDir, REGTEST);
    try {
      await syncer(daemon, direct).catchUp();
      assert.equal(direct.journaledBlocks, 0);
    } finally {
      direct.close();
    }
    store.close();
    assertSameIndex(dumpIndex(dir), dumpIndex(directDir), "the same rows as a direct sync");
  } finally {
    store.close();
    daemon.close();
    await replay.stop();
    stored.close();
    for (const path of [chainDir, dir, directDir]) await Deno.remove(path, { recursive: true });
  }
});
