/**
 * Subscriptions end to end: after the node moves (mempool transactions, blocks, a parent
 * confirming under a mempool child, reorgs), the harness does what the controller does
 * (catch up, refresh the mempool, notify) and subscribed clients receive exactly the header
 * and status notifications the wallet's own ledger predicts, and nothing else.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { toHex } from "../../src/chain/bytes.ts";
import type { TestClient } from "./client.ts";
import { Harness } from "./harness.ts";
import { expectedHistory, expectedStatus, scriptHashOf } from "./truth.ts";

/** Waits briefly and asserts nothing more arrived. */
async function assertQuiet(client: TestClient, ms = 150): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  assert.deepEqual(client.inbox, [], "no further messages");
}

Deno.test("subscribed clients are told about mempool changes, blocks and reorgs", async (t) => {
  const h = await Harness.start({
    prepare: async (wallet) => void await wallet.mine(105),
  });
  try {
    const { wallet, node } = h;
    const alice = wallet.newScript("p2wpkh").script;
    const bob = wallet.newScript("p2pkh").script;
    const quiet = wallet.newScript("p2pkh").script;
    const carol = wallet.newScript("p2pkh").script;
    const client = await h.connect("tcp");
    const other = await h.connect("tcp", ["other", "1.4"]);
    const tipHeader = async () => {
      const height = await node.getHeight();
      const [hash] = await node.daemon.getBlockHashes(height, 1);
      return { hex: toHex(await node.daemon.getRawHeader(hash)), height };
    };
    assert.deepEqual(await client.request("blockchain.headers.subscribe"), await tipHeader());
    for (const script of [alice, bob, quiet, carol]) {
      assert.equal(
        await client.request("blockchain.scripthash.subscribe", [scriptHashOf(script)]),
        null,
      );
    }
    // The other session follows alice only, named by an upper-case script hash.
    const aliceUpper = scriptHashOf(alice).toUpperCase();
    assert.equal(await other.request("blockchain.scripthash.subscribe", [aliceUpper]), null);

    await t.step("a mempool payment: status notifications, no header", async () => {
      await wallet.send({
        outputs: [{ script: alice, value: 100_000 }, { script: bob, value: 5_000 }],
      });
      await h.update();
      const seen = new Map<string, string>();
      for (let i = 0; i < 2; i++) {
        const note = await client.notification("blockchain.scripthash.subscribe");
        seen.set(note.params[0], note.params[1]);
      }
      assert.deepEqual(
        seen,
        new Map([
          [scriptHashOf(alice), expectedStatus(wallet, alice)],
          [scriptHashOf(bob), expectedStatus(wallet, bob)],
        ]),
      );
      const note = await other.notification("blockchain.scripthash.subscribe");
      assert.deepEqual(note.params, [aliceUpper, expectedStatus(wallet, alice)]);
      await assertQuiet(client);
      await assertQuiet(other);
    });

    await t.step("an update that changes nothing sends nothing", async () => {
      await h.update();
      await assertQuiet(client);
    });

    await t.step("a block: the header first, then the statuses that changed", async () => {
      await wallet.mine(1);
      await h.update();
      const header = await client.next();
      assert.equal(header.method, "blockchain.headers.subscribe");
      assert.deepEqual(header.params, [await tipHeader()]);
      const seen = new Map<string, string>();
      for (let i = 0; i < 2; i++) {
        const note = await client.notification("blockchain.scripthash.subscribe");
        seen.set(note.params[0], note.params[1]);
      }
      assert.deepEqual(
        seen,
        new Map([
          [scriptHashOf(alice), expectedStatus(wallet, alice)],
          [scriptHashOf(bob), expectedStatus(wallet, bob)],
        ]),
      );
      await assertQuiet(client);
      const otherNote = await other.notification("blockchain.scripthash.subscribe");
      assert.deepEqual(otherNote.params, [aliceUpper, expectedStatus(wallet, alice)]);
      await assertQuiet(other, 0);
      assert.equal(
        await client.request("blockchain.scripthash.subscribe", [scriptHashOf(alice)]),
        expectedStatus(wallet, alice),
        "subscribing again gives the same status",
      );
    });

    await t.step("a parent confirms under a mempool child: -1 becomes 0", async () => {
      const payer = wallet.newScript("p2pkh").script;
      const parent = await wallet.send({ outputs: [{ script: payer, value: 400_000 }] });
      const child = await wallet.send({
        inputs: wallet.coinsOf(parent).filter((c) => c.vout === 0),
        outputs: [{ script: carol, value: 300_000 }],
        fee: 2_000,
      });
      await h.update();
      const first = await client.notification("blockchain.scripthash.subscribe");
      assert.deepEqual(first.params, [scriptHashOf(carol), expectedStatus(wallet, carol)]);
      assert.deepEqual(
        await client.request("blockchain.scripthash.get_history", [scriptHashOf(carol)]),
        [{ tx_hash: child.txid, height: -1, fee: 2_000 }],
      );
      // A block with the parent only: carol's script is in neither the block nor the
      // mempool changes, yet its status changes.
      await node.mine(1, { mempool: false, transactions: [{ raw: parent.raw, fee: parent.fee }] });
      await wallet.sync();
      await h.update();
      await client.notification("blockchain.headers.subscribe");
      const second = await client.notification("blockchain.scripthash.subscribe");
      assert.deepEqual(second.params, [scriptHashOf(carol), expectedStatus(wallet, carol)]);
      assert.deepEqual(
        await client.request("blockchain.scripthash.get_history", [scriptHashOf(carol)]),
        [{ tx_hash: child.txid, height: 0, fee: 2_000 }],
      );
      await assertQuiet(client);
      await wallet.mine(1);
      await h.update();
      await client.notification("blockchain.headers.subscribe");
      await client.notification("blockchain.scripthash.subscribe");
      await assertQuiet(client);
    });

    await t.step("unsubscribed scripts are not notified", async () => {
      assert.equal(
        await client.request("blockchain.scripthash.unsubscribe", [scriptHashOf(bob)]),
        true,
      );
      await wallet.send({ outputs: [{ script: bob, value: 7_000 }] });
      await h.update();
      await assertQuiet(client);
      await wallet.mine(1);
      await h.update();
      const header = await client.next();
      assert.equal(header.method, "blockchain.headers.subscribe");
      await assertQuiet(client);
    });

    await t.step("a reorg to a longer fork: new tip and corrected statuses", async () => {
      const height = await node.getHeight();
      const [forkBase] = await node.daemon.getBlockHashes(height - 1, 1);
      // The tip block pays alice; the fork leaves it out.
      await wallet.send({ outputs: [{ script: alice, value: 33_000 }] });
      await wallet.mine(1);
      await h.update();
      await client.notification("blockchain.headers.subscribe");
      await client.notification("blockchain.scripthash.subscribe");
      await other.notification("blockchain.scripthash.subscribe");
      await node.mine(3, { parent: forkBase, mempool: false });
      await wallet.sync();
      await h.update();
      const header = await client.notification("blockchain.headers.subscribe");
      assert.deepEqual(header.params, [await tipHeader()]);
      const note = await client.notification("blockchain.scripthash.subscribe");
      assert.deepEqual(note.params, [scriptHashOf(alice), expectedStatus(wallet, alice)]);
      await assertQuiet(client);
      await other.notification("blockchain.scripthash.subscribe");
    });

    await t.step(
      "blocks after a reorg bring kept statuses and cached histories forward",
      async () => {
        // Each round asks for alice's history (cached, as JSON too), then a block adds to it.
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(
            await client.request("blockchain.scripthash.get_history", [scriptHashOf(alice)]),
            expectedHistory(wallet, alice),
          );
          await wallet.send({ outputs: [{ script: alice, value: 10_000 + i }] });
          await wallet.mine(1);
          await h.update();
          await client.notification("blockchain.headers.subscribe");
          const note = await client.notification("blockchain.scripthash.subscribe");
          assert.deepEqual(note.params, [scriptHashOf(alice), expectedStatus(wallet, alice)]);
          await other.notification("blockchain.scripthash.subscribe");
          await assertQuiet(client, 0);
        }
        assert.deepEqual(
          await client.request("blockchain.scripthash.get_history", [scriptHashOf(alice)]),
          expectedHistory(wallet, alice),
        );
      },
    );

    await t.step("a reorg to a block at the same height still notifies the header", async () => {
      const height = await node.getHeight();
      const [base] = await node.daemon.getBlockHashes(height, 1);
      const tipBlock = await node.mineBlock({ mempool: false });
      await wallet.sync();
      await h.update();
      await client.notification("blockchain.headers.subscribe");
      // A two-block fork takes over; invalidating its second block leaves its first, a
      // sibling of the block the index has, as the tip: same height, another hash.
      const [sibling, second] = await node.mine(2, {
        parent: base,
        mempool: false,
        coinbaseTag: new Uint8Array([7, 7, 7]),
      });
      await node.rpc("invalidateblock", [second]);
      assert.equal(await node.getBestBlockHash(), sibling);
      assert.equal(await node.getHeight(), tipBlock.height);
      await wallet.sync();
      await h.update();
      const header = await client.notification("blockchain.headers.subscribe");
      assert.deepEqual(header.params, [await tipHeader()]);
      assert.equal(header.params[0].height, tipBlock.height);
      // Statuses may move too: bcoin's invalidateblock empties its mempool, which the
      // wallet does not know, so the truth is the wallet's confirmed history plus the
      // node's mempool.
      await new Promise((resolve) => setTimeout(resolve, 150));
      const inMempool = new Set(await node.getMempool());
      const scripts = new Map([alice, quiet, carol].map((s) => [scriptHashOf(s), s]));
      for (const note of client.inbox.splice(0)) {
        assert.equal(note.method, "blockchain.scripthash.subscribe");
        const history = expectedHistory(wallet, scripts.get(note.params[0])!)
          .filter((e) => e.height > 0 || inMempool.has(e.tx_hash));
        const preimage = history.map((e) => `${e.tx_hash}:${e.height}:`).join("");
        const status = history.length === 0
          ? null
          : createHash("sha256").update(preimage).digest("hex");
        assert.equal(note.params[1], status);
      }
    });
  } finally {
    await h.close();
  }
});
