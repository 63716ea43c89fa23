/**
 * Every protocol method over a real TCP socket against a real index of a bcoin regtest
 * chain, each answer compared with values computed independently: from the test wallet's
 * ledger (what it built and saw mined) and from headers and blocks read from the node.
 */
import assert from "node:assert/strict";
import { compactFeeHistogram } from "../../src/index/mempool.ts";
import { toHex } from "../../src/chain/bytes.ts";
import { parseTransaction, txVsize } from "../../src/chain/transaction.ts";
import { bucketFeeTarget } from "../../src/electrum/fees.ts";
import { SERVER_VERSION } from "../../src/electrum/protocol.ts";
import { fundWallet } from "../../src/regtest/activity.ts";
import type { WalletTx } from "../../src/regtest/wallet.ts";
import { RpcReplyError, type TestClient } from "./client.ts";
import { Harness } from "./harness.ts";
import {
  climbBranch,
  expectedHistory,
  expectedStatus,
  expectedUtxos,
  headerHashHex,
  merkleRootHex,
  nodeBlockTxids,
  nodeHeaders,
  scriptHashOf,
  sortUtxos,
} from "./truth.ts";

/** Expects `promise` to fail with an error reply of `code` (and `message` if given). */
async function assertRpcError(
  promise: Promise<unknown>,
  code: number,
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RpcReplyError, String(error));
    assert.equal(error.code, code, error.message);
    if (typeof message === "string") assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}

interface Chain {
  /** Wallet transactions, by role. */
  txs: Record<string, WalletTx>;
  scripts: Record<string, Uint8Array>;
}

Deno.test("every method answers as the chain and the mempool say", async (t) => {
  const chain: Chain = { txs: {}, scripts: {} };
  const bannerDir = await Deno.makeTempDir({ prefix: "electrumx-banner-" });
  const bannerFile = `${bannerDir}/banner.txt`;
  await Deno.writeTextFile(
    bannerFile,
    "Hi from $SERVER_SUBVERSION ($SERVER_VERSION), daemon $DAEMON_VERSION " +
      "$DAEMON_SUBVERSION, tips to $DONATION_ADDRESS",
  );
  const h = await Harness.start({
    env: { DONATION_ADDRESS: "bcrt1qdonate", BANNER_FILE: bannerFile },
    prepare: async (wallet, node) => {
      await fundWallet(wallet);
      // Past 1024 headers, so checkpoint proofs use the cached chunk roots.
      await node.mine(1150 - await node.getHeight(), { mempool: false });
      await wallet.sync();
      const s = chain.scripts;
      s.alice = wallet.newScript("p2wpkh").script;
      s.bob = wallet.newScript("p2pkh").script;
      s.carol = wallet.newScript("p2sh-p2wpkh").script;
      s.dave = wallet.newScript("p2wsh").script;
      s.erin = wallet.newScript("p2pkh").script;
      s.frank = wallet.newScript("p2wpkh").script;
      s.unused = wallet.newScript("p2tr").script;
      chain.txs.pay = await wallet.send({
        outputs: [
          { script: s.alice, value: 150_000 },
          { script: s.bob, value: 250_000 },
          { script: s.alice, value: 50_000 },
        ],
      });
      chain.txs.carol = await wallet.send({ outputs: [{ script: s.carol, value: 300_000 }] });
      await wallet.mine(1);
      chain.txs.spend = await wallet.send({
        inputs: wallet.coinsOf(chain.txs.pay).filter((c) => c.vout === 0),
        outputs: [{ script: s.dave, value: 100_000 }],
        fee: 2_000,
      });
      await wallet.mine(1);
      // Mempool: a parent, its child (height -1), and a spend of a confirmed coin.
      chain.txs.parent = await wallet.send({
        outputs: [{ script: s.alice, value: 70_000 }, { script: s.erin, value: 80_000 }],
        feeRate: 5,
      });
      chain.txs.child = await wallet.send({
        inputs: wallet.coinsOf(chain.txs.parent).filter((c) => c.vout === 1),
        outputs: [{ script: s.frank, value: 60_000 }],
        fee: 1_000,
      });
      chain.txs.bobSpend = await wallet.send({
        inputs: wallet.coinsOf(chain.txs.pay).filter((c) => c.vout === 1),
        outputs: [{ script: s.carol, value: 200_000 }],
        fee: 3_000,
      });
    },
  });
  let client: TestClient;
  try {
    const headers = await nodeHeaders(h.node);
    const tip = headers.length - 1;
    assert.ok(tip > 1100, `chain height ${tip}`);
    assert.equal(h.store.height, tip);

    await t.step("server.version negotiates and names the server", async () => {
      const raw = await h.connect("tcp", false);
      assert.deepEqual(await raw.request("server.version", ["electrum/4.6.2", ["1.4", "1.6"]]), [
        SERVER_VERSION,
        "1.6",
      ]);
      client = await h.connect("tcp", ["electrum/4.6.2", "1.6"]);
    });

    await t.step("server methods", async () => {
      const info = await h.node.rpc<{ version: string | number; subversion: string }>(
        "getnetworkinfo",
      );
      assert.equal(typeof info.version, "string", "bcoin reports its version as text");
      assert.equal(
        await client.request("server.banner"),
        `Hi from ${SERVER_VERSION} (0.1.0), daemon ${info.version} ${info.subversion}, ` +
          "tips to bcrt1qdonate",
      );
      assert.equal(await client.request("server.donation_address"), "bcrt1qdonate");
      assert.deepEqual(await client.request("server.features"), {
        hosts: {},
        pruning: null,
        server_version: SERVER_VERSION,
        protocol_min: "1.4",
        protocol_max: "1.6.0",
        genesis_hash: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
        hash_function: "sha256",
        services: [],
      });
      assert.deepEqual(await client.request("server.peers.subscribe"), []);
      assert.equal(await client.request("server.add_peer", [{ hosts: { "a.b": {} } }]), false);
      assert.equal(await client.request("server.ping"), null);
      assert.equal(await client.request("server.ping", [0, "00"]), null);
    });

    await t.step("headers: subscribe, header, headers, checkpoint proofs", async () => {
      assert.deepEqual(await client.request("blockchain.headers.subscribe"), {
        hex: toHex(headers[tip]),
        height: tip,
      });
      for (const height of [0, 1, 500, tip]) {
        assert.equal(
          await client.request("blockchain.block.header", [height]),
          toHex(headers[height]),
        );
      }
      const hashes = headers.map(headerHashHex);
      const pairs: [number, number][] = [
        [0, 1],
        [5, 8],
        [7, 7],
        [0, 1023],
        [1023, 1024],
        [1024, 1024],
        [1000, 1100],
        [3, tip],
        [tip - 1, tip],
        [tip, tip],
        [1100, 1101],
      ];
      for (const [height, cp] of pairs) {
        const proof = await client.request("blockchain.block.header", [height, cp]);
        const root = merkleRootHex(hashes.slice(0, cp + 1));
        assert.equal(proof.header, toHex(headers[height]));
        assert.equal(proof.root, root, `root for ${height}/${cp}`);
        assert.equal(climbBranch(hashes[height], height, proof.branch), root, `${height}/${cp}`);
        assert.equal(proof.branch.length, Math.ceil(Math.log2(cp + 1)));
      }
      const range = await client.request("blockchain.block.headers", [1000, 50, tip]);
      assert.equal(range.count, 50);
      assert.equal(range.max, 2016);
      assert.deepEqual(range.headers, headers.slice(1000, 1050).map(toHex));
      assert.equal(range.root, merkleRootHex(hashes.slice(0, tip + 1)));
      assert.equal(climbBranch(hashes[1049], 1049, range.branch), range.root);
      const capped = await client.request("blockchain.block.headers", [tip - 2, 3000]);
      assert.deepEqual(capped, { count: 3, max: 2016, headers: headers.slice(tip - 2).map(toHex) });
      assert.deepEqual(await client.request("blockchain.block.headers", [0, 3000]), {
        count: 2016 > tip + 1 ? tip + 1 : 2016,
        max: 2016,
        headers: headers.slice(0, 2016).map(toHex),
      });
      assert.deepEqual(await client.request("blockchain.block.headers", [tip + 5, 10, tip]), {
        count: 0,
        max: 2016,
        headers: [],
      });
      await assertRpcError(
        client.request("blockchain.block.header", [tip + 1]),
        1,
        `height ${(tip + 1).toLocaleString("en-US")} out of range`,
      );
      await assertRpcError(
        client.request("blockchain.block.header", [10, 5]),
        1,
        `require header height 10 <= cp_height 5 <= chain height ${tip.toLocaleString("en-US")}`,
      );
      await assertRpcError(
        client.request("blockchain.block.header", [10, tip + 1]),
        1,
        `require header height 10 <= cp_height ${(tip + 1).toLocaleString("en-US")} <= ` +
          `chain height ${tip.toLocaleString("en-US")}`,
      );
      await assertRpcError(
        client.request("blockchain.block.headers", [100, 10, 50]),
        1,
        `require header height 109 <= cp_height 50 <= chain height ${tip.toLocaleString("en-US")}`,
      );
    });

    await t.step("fees: estimatefee, relayfee, mempool info, histogram", async () => {
      for (const blocks of [0, 1, 2, 6, 15, 25]) {
        const target = bucketFeeTarget(blocks);
        let expected = -1;
        try {
          const reply = await h.node.rpc<{ fee?: number; feerate?: number }>(
            "estimatesmartfee",
            [target],
          );
          const rate = reply.feerate ?? reply.fee;
          if (typeof rate === "number" && rate > 0) expected = rate;
        } catch {
          expected = -1;
        }
        assert.equal(await client.request("blockchain.estimatefee", [blocks]), expected);
        assert.equal(
          await client.request("blockchain.estimatefee", [blocks, "economical"]),
          expected,
          "the mode is accepted in any case (bcoin ignores it)",
        );
      }
      await assertRpcError(
        client.request("blockchain.estimatefee", [2, "fast"]),
        1,
        "unknown estimatefee mode: FAST",
      );
      assert.equal(
        await client.request("blockchain.estimatefee", [2, 7]),
        await client.request("blockchain.estimatefee", [2]),
        "a non-string mode is no mode",
      );
      const network = await h.node.rpc<{ relayfee: number }>("getnetworkinfo");
      const mempoolInfo = await h.node.rpc<Record<string, number>>("getmempoolinfo");
      assert.deepEqual(await client.request("mempool.get_info"), {
        mempoolminfee: mempoolInfo.mempoolminfee ?? network.relayfee,
        minrelaytxfee: mempoolInfo.minrelaytxfee ?? network.relayfee,
        incrementalrelayfee: mempoolInfo.incrementalrelayfee ?? network.relayfee,
      });
      // The histogram of the fees and sizes the wallet itself recorded for the mempool's
      // transactions (the binning is checked against docs/protocol.md's example in tests/index).
      const recorded = (await h.node.getMempool()).map((txid) => {
        const wtx = h.wallet.transaction(txid)!;
        return { fee: wtx.fee!, vsize: txVsize(parseTransaction(wtx.raw)) };
      });
      const histogram = compactFeeHistogram(recorded);
      assert.deepEqual(await client.request("mempool.get_fee_histogram"), histogram);
      const v14 = await h.connect("tcp", ["old", "1.4"]);
      assert.equal(await v14.request("blockchain.relayfee"), network.relayfee);
      await assertRpcError(
        client.request("blockchain.relayfee"),
        -32601,
        'unknown method "blockchain.relayfee"',
      );
    });

    await t.step("script hashes: history, mempool, balance, UTXOs, status", async () => {
      const scripts = [
        ...Object.values(chain.scripts),
        ...h.wallet.scripts().map((entry) => entry.script),
      ];
      let withMempool = 0;
      for (const script of scripts) {
        const sh = scriptHashOf(script);
        const history = expectedHistory(h.wallet, script);
        if (history.some((e) => e.height <= 0)) withMempool++;
        assert.deepEqual(await client.request("blockchain.scripthash.get_history", [sh]), history);
        assert.deepEqual(
          await client.request("blockchain.scripthash.get_mempool", [sh]),
          history.filter((e) => e.height <= 0),
        );
        assert.deepEqual(
          await client.request("blockchain.scripthash.get_balance", [sh]),
          h.wallet.scriptBalance(script),
        );
        assert.deepEqual(
          sortUtxos(await client.request("blockchain.scripthash.listunspent", [sh])),
          expectedUtxos(h.wallet, script),
        );
        assert.equal(
          await client.request("blockchain.scripthash.subscribe", [sh]),
          expectedStatus(h.wallet, script),
        );
      }
      assert.ok(withMempool >= 4, `${withMempool} scripts with mempool history`);
      // The -1 height of the child and the negative unconfirmed balance of bob.
      const erin = await client.request("blockchain.scripthash.get_history", [
        scriptHashOf(chain.scripts.erin),
      ]);
      assert.deepEqual(erin.map((e: { height: number }) => e.height), [0, -1]);
      const bob = await client.request("blockchain.scripthash.get_balance", [
        scriptHashOf(chain.scripts.bob),
      ]);
      assert.deepEqual(bob, { confirmed: 250_000, unconfirmed: -250_000 });
      assert.equal(
        await client.request("blockchain.scripthash.subscribe", [
          scriptHashOf(chain.scripts.unused),
        ]),
        null,
      );
      const upper = scriptHashOf(chain.scripts.alice).toUpperCase();
      assert.equal(
        await client.request("blockchain.scripthash.subscribe", [upper]),
        expectedStatus(h.wallet, chain.scripts.alice),
        "hex in either case",
      );
      assert.equal(
        await client.request("blockchain.scripthash.unsubscribe", [upper]),
        true,
      );
      assert.equal(
        await client.request("blockchain.scripthash.unsubscribe", [upper]),
        false,
      );
    });

    await t.step("transactions: get, get_merkle, id_from_pos", async () => {
      const confirmed = h.wallet.ledger().filter((wtx) => wtx.height > 0).slice(-12);
      confirmed.push(chain.txs.pay, chain.txs.spend);
      for (const wtx of confirmed) {
        assert.equal(
          await client.request("blockchain.transaction.get", [wtx.txid]),
          toHex(wtx.raw),
        );
        const verbose = await client.request("blockchain.transaction.get", [wtx.txid, true]);
        assert.equal(verbose.txid ?? verbose.hash, wtx.txid);
        const txids = await nodeBlockTxids(h.node, wtx.height);
        const position = txids.indexOf(wtx.txid);
        assert.ok(position >= 0);
        const root = merkleRootHex(txids);
        const merkle = await client.request("blockchain.transaction.get_merkle", [
          wtx.txid,
          wtx.height,
        ]);
        assert.equal(merkle.block_height, wtx.height);
        assert.equal(merkle.pos, position);
        assert.equal(climbBranch(wtx.txid, position, merkle.merkle), root);
        assert.equal(
          await client.request("blockchain.transaction.id_from_pos", [wtx.height, position]),
          wtx.txid,
        );
        assert.deepEqual(
          await client.request("blockchain.transaction.id_from_pos", [wtx.height, position, true]),
          { tx_hash: wtx.txid, merkle: merkle.merkle },
        );
      }
      // A block of three: the last one's sibling is itself.
      const height = chain.txs.pay.height;
      const txids = await nodeBlockTxids(h.node, height);
      assert.equal(txids.length, 3);
      const last = await client.request("blockchain.transaction.get_merkle", [txids[2], height]);
      assert.equal(last.merkle[0], txids[2]);
      // A mempool tx, raw from the daemon.
      assert.equal(
        await client.request("blockchain.transaction.get", [chain.txs.child.txid]),
        toHex(chain.txs.child.raw),
      );
      const unknown = "00".repeat(32);
      await assertRpcError(
        client.request("blockchain.transaction.get", [unknown]),
        2,
        /^daemon error: DaemonError\(\{'code': -?\d+, 'message': '.+'\}\)$/,
      );
      const tipText = tip.toLocaleString("en-US");
      await assertRpcError(
        client.request("blockchain.transaction.get_merkle", [chain.txs.pay.txid, height + 1]),
        1,
        `tx ${chain.txs.pay.txid} not in block at height ${(height + 1).toLocaleString("en-US")}`,
      );
      await assertRpcError(
        client.request("blockchain.transaction.get_merkle", [chain.txs.pay.txid, tip + 1]),
        1,
        `height ${(tip + 1).toLocaleString("en-US")} out of range`,
      );
      await assertRpcError(
        client.request("blockchain.transaction.id_from_pos", [tip + 1, 0]),
        1,
        `db error: DBError('block ${(tip + 1).toLocaleString("en-US")} not on disk (>${tipText})')`,
      );
      await assertRpcError(
        client.request("blockchain.transaction.id_from_pos", [height, 3]),
        1,
        `no tx at position 3 in block at height ${height.toLocaleString("en-US")}`,
      );
      await assertRpcError(
        client.request("blockchain.transaction.id_from_pos", [0, 0]),
        1,
        "no tx at position 0 in block at height 0",
      );
    });

    await t.step("broadcast: accepted, rejected, packages", async () => {
      const target = h.wallet.newScript("p2wpkh").script;
      const wtx = h.wallet.build({ outputs: [{ script: target, value: 123_456 }] });
      assert.equal(
        await client.request("blockchain.transaction.broadcast", [toHex(wtx.raw)]),
        wtx.txid,
      );
      h.wallet.commit(wtx);
      await h.node.waitForMempool([wtx.txid]);
      const garbage = "0100000000";
      await assertRpcError(
        client.request("blockchain.transaction.broadcast", [garbage]),
        1,
        new RegExp(
          `^the transaction was rejected by network rules\\.\\n\\n.+\\n\\[${garbage}\\]$`,
          "s",
        ),
      );
      await assertRpcError(
        client.request("blockchain.transaction.broadcast", ["xyz"]),
        1,
        "xyz should be a hex string",
      );
      // bcoin has no submitpackage: the daemon's refusal is relayed as a rejection.
      await assertRpcError(
        client.request("blockchain.transaction.broadcast_package", [[toHex(wtx.raw)]]),
        1,
        /^the tx package was rejected by network rules\.\n\n.+\.$/s,
      );
      await assertRpcError(
        client.request("blockchain.transaction.broadcast_package", ["00"]),
        1,
        "00 should be a list",
      );
      const info = h.server.manager.inspect(h.server.manager.sessions().at(-2)!.id);
      assert.ok(info);
      assert.equal(h.server.manager.txsSent, 1);
    });
  } finally {
    await h.close();
    await Deno.remove(bannerDir, { recursive: true });
  }
});
