/**
 * The index against a real bcoin regtest node: initial sync of a chain with thousands of
 * transactions of every script type, live blocks, mempool, and reorgs (one block, several
 * blocks, a competing tip of the same height, conflicting replacements), each time compared
 * table by table with truth computed from the chain's blocks.
 */
import assert from "node:assert/strict";
import { NETWORKS } from "../../src/chain/networks.ts";
import { hashX, opReturnScript } from "../../src/chain/script.ts";
import { toHex } from "../../src/chain/bytes.ts";
import { sha256 } from "../../src/chain/hash.ts";
import { ScriptHistories } from "../../src/electrum/history.ts";
import { Mempool } from "../../src/index/mempool.ts";
import { ChainQueries } from "../../src/index/queries.ts";
import { IndexStore } from "../../src/index/store.ts";
import { ChainSync } from "../../src/index/sync.ts";
import { silentLogger } from "../../src/log.ts";
import { generateActivity } from "../../src/regtest/activity.ts";
import { type RegtestNode, startRegtestNode } from "../../src/regtest/node.ts";
import { Wallet, WALLET_SCRIPT_TYPES } from "../../src/regtest/wallet.ts";
import { fetchChain } from "../support/chain_truth.ts";
import { assertIndexMatchesChain } from "../support/index_check.ts";

const REGTEST = NETWORKS.regtest;

interface Harness {
  node: RegtestNode;
  wallet: Wallet;
  store: IndexStore;
  sync: ChainSync;
  dir: string;
}

async function harness(cacheMb = 1): Promise<Harness> {
  const node = await startRegtestNode();
  const wallet = new Wallet(node, { seed: "index tests" });
  const dir = await Deno.makeTempDir({ prefix: "electrumx-index-" });
  const store = IndexStore.open(dir, REGTEST);
  const sync = new ChainSync({
    daemon: node.daemon,
    store,
    log: silentLogger(),
    reorgLimit: 100,
    cacheMb,
  });
  return { node, wallet, store, sync, dir };
}

async function close(h: Harness): Promise<void> {
  h.store.close();
  await h.node.stop();
  await Deno.remove(h.dir, { recursive: true });
}

async function checkAgainstNode(h: Harness): Promise<void> {
  assertIndexMatchesChain(h.store, await fetchChain(h.node.rpc.bind(h.node)));
}

Deno.test("initial sync indexes thousands of transactions of every type exactly", async () => {
  const h = await harness();
  try {
    await generateActivity(h.wallet, { blocks: 40, txsPerBlock: 50, seed: 7, reuse: 0.4 });
    // A hot script: hundreds of history entries, several of them in one block.
    const hot = h.wallet.newScript("p2wpkh");
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 60; i++) {
        await h.wallet.send({
          outputs: [{ script: hot.script, value: 10_000 + i }, {
            script: opReturnScript(new Uint8Array([round, i])),
            value: 0,
          }],
          feeRate: 2,
        });
      }
      await h.wallet.mine(1);
    }
    await h.wallet.send({
      inputs: h.wallet.utxos(hot.script).slice(0, 150),
      outputs: [{ script: hot.script, value: 1_000_000 }],
      fee: 50_000,
    });
    await h.wallet.mine(1);

    const touched = await h.sync.catchUp();
    assert.equal(h.store.state.firstSync, false, "caught up clears the first-sync flag");
    assert.ok(touched instanceof Set);
    const truth = assertIndexMatchesChain(h.store, await fetchChain(h.node.rpc.bind(h.node)));
    assert.ok(truth.txCount > 2000, `chain has ${truth.txCount} transactions`);
    const hotTruth = truth.scripts.get(toHex(sha256(hot.script)))!;
    assert.ok(hotTruth.history.length >= 240, `hot script has ${hotTruth.history.length} entries`);
    // The script types the wallet made all appear in the index.
    const types = new Set(
      h.wallet.scripts().filter((s) => h.store.history(hashX(s.script)).length > 0).map((s) =>
        s.type
      ),
    );
    for (const type of WALLET_SCRIPT_TYPES) {
      assert.ok(types.has(type), `no ${type} script in the index`);
    }
    // Reopening the file gives the same index.
    h.store.close();
    h.store = IndexStore.open(h.dir, REGTEST);
    await checkAgainstNode(h);
  } finally {
    await close(h);
  }
});

Deno.test("live blocks, mempool and reorgs keep the index exact", async (t) => {
  const h = await harness(64);
  const mempool = new Mempool(h.store, h.node.daemon, silentLogger(), { histogramIntervalMs: 0 });
  const queries = new ChainQueries(h.store, mempool);
  try {
    await generateActivity(h.wallet, { blocks: 3, txsPerBlock: 10, seed: 3 });
    await h.sync.catchUp();
    await checkAgainstNode(h);

    await t.step("mempool: entries appear with heights 0 and -1, fees and balances", async () => {
      const alice = h.wallet.newScript("p2wpkh");
      const bob = h.wallet.newScript("p2pkh");
      const parent = await h.wallet.send({
        outputs: [{ script: alice.script, value: 500_000 }],
        feeRate: 3,
      });
      const child = await h.wallet.send({
        inputs: h.wallet.coinsOf(parent).filter((c) => c.vout === 0),
        outputs: [{ script: bob.script, value: 400_000 }],
        fee: 1_000,
      });
      const changes = await mempool.refresh();
      assert.ok(changes.touched.has(toHex(hashX(alice.script))));
      assert.ok(changes.touched.has(toHex(hashX(bob.script))));
      assert.deepEqual(queries.mempoolHistory(hashX(alice.script)), [
        { txHash: parent.txid, height: 0, fee: parent.fee },
        { txHash: child.txid, height: -1, fee: 1_000 },
      ]);
      assert.deepEqual(queries.history(hashX(bob.script), 1000), [{
        txHash: child.txid,
        height: -1,
        fee: 1_000,
      }]);
      assert.deepEqual(queries.balance(hashX(alice.script)), h.wallet.scriptBalance(alice.script));
      assert.deepEqual(queries.balance(hashX(bob.script)), { confirmed: 0, unconfirmed: 400_000 });
      assert.deepEqual(
        queries.listUnspent(hashX(alice.script)),
        [],
        "spent by the child in the mempool",
      );
      assert.deepEqual(queries.listUnspent(hashX(bob.script)), [{
        txHash: child.txid,
        txPos: 0,
        height: 0,
        value: 400_000,
      }]);
      // The status covers the confirmed entries, then the mempool's (height 0 or -1).
      const aliceHistory = queries.history(hashX(alice.script), 1000);
      assert.ok(aliceHistory.some((item) => item.height <= 0), "alice has mempool entries");
      const preimage = aliceHistory.map((item) => `${item.txHash}:${item.height}:`).join("");
      assert.equal(
        new ScriptHistories(queries, 1000).status(toHex(hashX(alice.script))).status,
        toHex(sha256(new TextEncoder().encode(preimage))),
      );
    });

    await t.step("a new block confirms them and empties the mempool", async () => {
      const before = h.store.height;
      await h.wallet.mine(1, "p2wpkh");
      const touched = await h.sync.catchUp();
      assert.equal(h.store.height, before + 1);
      assert.ok(touched.size > 0);
      const changes = await mempool.refresh();
      assert.ok(changes.removed >= 2);
      assert.equal(mempool.size, 0);
      await checkAgainstNode(h);
    });

    await t.step("a mempool entry conflicted out by a block is evicted", async () => {
      await h.wallet.sync();
      const coin = h.wallet.spendableCoins({ allowUnconfirmed: false })
        .find((c) => h.wallet.lookup(c.script)?.type === "p2wpkh")!;
      const waiting = h.wallet.newScript("p2wpkh");
      const winner = h.wallet.newScript("p2pkh");
      const pending = await h.wallet.send({
        inputs: [coin],
        outputs: [{ script: waiting.script, value: coin.value - 2_000 }],
        fee: 2_000,
      });
      await mempool.refresh();
      assert.deepEqual(queries.mempoolHistory(hashX(waiting.script)).map((e) => e.txHash), [
        pending.txid,
      ]);
      const conflict = h.wallet.build({
        inputs: [coin],
        outputs: [{ script: winner.script, value: coin.value - 3_000 }],
        fee: 3_000,
      });
      await h.node.mine(1, { transactions: [{ raw: conflict.raw, fee: 3_000 }], mempool: false });
      await h.sync.catchUp();
      const changes = await mempool.refresh();
      assert.ok(changes.touched.has(toHex(hashX(waiting.script))));
      assert.deepEqual(
        queries.history(hashX(waiting.script), 1000),
        [],
        "evicted, never confirmed",
      );
      assert.equal(h.store.history(hashX(winner.script)).length, 1);
      await h.wallet.sync();
      await checkAgainstNode(h);
    });

    await t.step(
      "one-block reorg: a longer branch replaces the tip, its txs return to the mempool",
      async () => {
        const victim = h.wallet.newScript("p2wpkh");
        const tx = await h.wallet.send({
          outputs: [{ script: victim.script, value: 77_000 }],
          feeRate: 2,
        });
        await h.wallet.mine(1);
        await h.sync.catchUp();
        assert.equal(h.store.history(hashX(victim.script)).length, 1);
        const forkParent = h.store.blockHash(h.store.height - 1)!;
        await h.node.mine(2, { parent: forkParent, mempool: false });
        await h.wallet.sync();
        const touched = await h.sync.catchUp();
        assert.ok(
          touched.has(toHex(hashX(victim.script))),
          "reorg touches the scripts of orphaned txs",
        );
        await checkAgainstNode(h);
        assert.equal(h.store.history(hashX(victim.script)).length, 0);
        await mempool.refresh();
        assert.deepEqual(queries.mempoolHistory(hashX(victim.script)).map((e) => e.txHash), [
          tx.txid,
        ]);
        await h.wallet.mine(1);
        await h.sync.catchUp();
        await mempool.refresh();
        await checkAgainstNode(h);
        assert.equal(h.store.history(hashX(victim.script)).length, 1);
      },
    );

    await t.step("competing tip of the same height is detected", async () => {
      const height = h.store.height;
      const parent = h.store.blockHash(height - 1)!;
      const oldTip = h.store.blockHash(height)!;
      // bcoin does not switch to a side block it already has; invalidate first, then mine.
      await h.node.rpc("invalidateblock", [oldTip]);
      const [competitor] = await h.node.mine(1, {
        parent,
        mempool: false,
        coinbaseTag: new Uint8Array([9, 9]),
      });
      assert.notEqual(competitor, oldTip);
      assert.equal(await h.node.getBestBlockHash(), competitor);
      await h.sync.catchUp();
      assert.equal(h.store.height, height);
      assert.equal(h.store.blockHash(height), competitor);
      await checkAgainstNode(h);
    });

    await t.step("three-block reorg with a conflicting replacement", async () => {
      await h.wallet.sync();
      const coin = h.wallet.spendableCoins({ allowUnconfirmed: false }).find((c) =>
        h.wallet.lookup(c.script)?.type === "p2wpkh"
      )!;
      const first = h.wallet.newScript("p2wpkh");
      const second = h.wallet.newScript("p2pkh");
      const original = h.wallet.build({
        inputs: [coin],
        outputs: [{ script: first.script, value: coin.value - 5_000 }],
        fee: 5_000,
      });
      const forkHeight = h.store.height;
      const forkParent = h.store.blockHash(forkHeight)!;
      await h.node.mine(3, {
        transactions: [{ raw: original.raw, fee: 5_000 }],
        mempool: false,
        coinbaseTag: new Uint8Array([1]),
      });
      await h.sync.catchUp();
      assert.equal(h.store.history(hashX(first.script)).length, 1);
      const replacement = h.wallet.build({
        inputs: [coin],
        outputs: [{ script: second.script, value: coin.value - 9_000 }],
        fee: 9_000,
      });
      // A four-block branch from the fork point outweighs the three blocks we indexed.
      await h.node.mine(4, {
        parent: forkParent,
        transactions: [{ raw: replacement.raw, fee: 9_000 }],
        mempool: false,
        coinbaseTag: new Uint8Array([2]),
      });
      await h.wallet.sync();
      const touched = await h.sync.catchUp();
      assert.ok(touched.has(toHex(hashX(first.script))));
      await checkAgainstNode(h);
      assert.equal(h.store.history(hashX(first.script)).length, 0, "the replaced tx is gone");
      assert.equal(h.store.history(hashX(second.script)).length, 1, "the conflicting tx is in");
    });
  } finally {
    await close(h);
  }
});
