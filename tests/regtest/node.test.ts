/**
 * The regtest node against the real bcoin: start/stop/restart, the block builder (coinbase to
 * every script type, witness commitment, forks, rejections) and segwit activation.
 */
import assert from "node:assert/strict";
import { bytesEqual, hashToHex, toHex } from "../../src/chain/bytes.ts";
import { classifyScript, opReturnScript } from "../../src/chain/script.ts";
import { blockSubsidy, witnessCommitmentScript } from "../../src/regtest/block_builder.ts";
import {
  BlockRejectedError,
  DEFAULT_MINER_SCRIPT,
  RegtestNodeError,
  SEGWIT_ACTIVATION_HEIGHT,
  startRegtestNode,
} from "../../src/regtest/node.ts";
import { Wallet, WALLET_SCRIPT_TYPES } from "../../src/regtest/wallet.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("regtest node: start, mine to every script type, fork, restart, stop", async (t) => {
  const started = performance.now();
  const node = await startRegtestNode();
  const startMs = performance.now() - started;
  try {
    await t.step("starts on loopback with a fresh chain", async () => {
      assert.match(node.rpcUrl, /^http:\/\/rpc:[0-9a-f]{32}@127\.0\.0\.1:\d+\/$/);
      assert.ok(node.rpcUrl.includes(`:${node.port}/`));
      assert.equal(await node.getHeight(), 0);
      assert.equal(
        await node.getBestBlockHash(),
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
      );
      assert.ok(await exists(node.logFile));
      assert.equal(typeof node.pid, "number");
      console.log(`node start: ${startMs.toFixed(0)} ms`);
    });

    const wallet = new Wallet(node);
    await t.step("mines a coinbase to each script type", async () => {
      const scripts = [
        ...WALLET_SCRIPT_TYPES.map((type) => wallet.newScript(type).script),
        opReturnScript(new TextEncoder().encode("coinbase to OP_RETURN")),
      ];
      let previous = await node.getBestBlockHash();
      for (const script of scripts) {
        const [hash] = await node.mine(1, script);
        assert.equal(await node.getBestBlockHash(), hash);
        const block = await node.getBlock(hash);
        assert.equal(hashToHex(block.header.hash), hash);
        assert.equal(hashToHex(block.header.prevHash), previous);
        assert.equal(block.header.bits, 0x207fffff);
        assert.equal(block.transactions.length, 1);
        const coinbase = block.transactions[0];
        const height = await node.getHeight();
        assert.equal(coinbase.outputs.length, 1); // no witness commitment before segwit
        assert.equal(toHex(coinbase.outputs[0].script), toHex(script));
        assert.equal(coinbase.outputs[0].value, blockSubsidy(height));
        // BIP 34 height push (OP_1..OP_16 for small heights).
        assert.equal(coinbase.inputs[0].script[0], 0x50 + height);
        previous = hash;
      }
      const types = await Promise.all(
        scripts.map(async (_, i) => {
          const hash = (await node.daemon.getBlockHashes(i + 1, 1))[0];
          return classifyScript((await node.getBlock(hash)).transactions[0].outputs[0].script);
        }),
      );
      assert.deepEqual(types, [
        "p2pk",
        "p2pkh",
        "p2sh",
        "p2sh",
        "p2wpkh",
        "p2wsh",
        "p2sh",
        "p2tr",
        "multisig",
        "op_return",
      ]);
    });

    await t.step("activates segwit by signalling and adds the witness commitment", async () => {
      assert.equal(await node.segwitStatus(), "defined");
      const before = await node.getHeight();
      const t0 = performance.now();
      const hashes = await node.activateSegwit();
      console.log(
        `segwit activation: ${hashes.length} blocks in ${(performance.now() - t0).toFixed(0)} ms`,
      );
      assert.equal(hashes.length, SEGWIT_ACTIVATION_HEIGHT - before);
      assert.equal(await node.getHeight(), SEGWIT_ACTIVATION_HEIGHT);
      assert.equal(await node.segwitStatus(), "active");
      const header = await node.rpc<{ version: number }>("getblockheader", [hashes[200], true]);
      assert.equal(header.version & 0xe0000002, 0x20000002); // BIP 9 top bits + segwit bit
      const [hash] = await node.mine(1);
      const block = await node.getBlock(hash);
      const coinbase = block.transactions[0];
      assert.equal(coinbase.outputs.length, 2);
      assert.deepEqual(coinbase.outputs[0].script, DEFAULT_MINER_SCRIPT);
      assert.deepEqual(coinbase.outputs[1].script, witnessCommitmentScript([]));
      assert.equal(toHex(coinbase.outputs[1].script).slice(0, 12), "6a24aa21a9ed");
      assert.deepEqual(coinbase.inputs[0].witness, [new Uint8Array(32)]);
    });

    await t.step("builds a fork that takes over, and the node follows it", async () => {
      const tip = await node.getHeight();
      const [oldTip] = await node.daemon.getBlockHashes(tip, 1);
      const [parent] = await node.daemon.getBlockHashes(tip - 1, 1);
      const fork = await node.mine(2, { parent, script: wallet.newScript("p2wpkh").script });
      assert.equal(fork.length, 2);
      assert.equal(await node.getBestBlockHash(), fork[1]);
      assert.equal(await node.getHeight(), tip + 1);
      assert.deepEqual(await node.daemon.getBlockHashes(tip, 2), fork);
      assert.notEqual(fork[0], oldTip);
      const forkBlock = await node.getBlock(fork[0]);
      assert.equal(hashToHex(forkBlock.header.prevHash), parent);
      // The same height and script in a fork still gives a new coinbase txid.
      const old = await node.getBlock(oldTip);
      assert.ok(!bytesEqual(old.transactions[0].txid, forkBlock.transactions[0].txid));
    });

    await t.step("a block the node rejects is an error with its reason", async () => {
      const height = await node.getHeight();
      await assert.rejects(
        node.mineBlock({
          coinbaseOutputs: [{ value: blockSubsidy(height + 1) + 1, script: DEFAULT_MINER_SCRIPT }],
        }),
        (error: unknown) => {
          assert.ok(error instanceof BlockRejectedError);
          assert.match(error.reason, /bad-cb-amount/);
          return true;
        },
      );
      assert.equal(await node.getHeight(), height);
    });

    await t.step("restarts with the same chain, port and mempool", async () => {
      // A transaction in the mempool survives the restart (persistent mempool).
      await wallet.sync();
      const coinbaseScript = wallet.newScript("p2pkh").script;
      await wallet.mine(101, coinbaseScript);
      const wtx = await wallet.pay([wallet.newScript("p2pkh").script], 10_000);
      const height = await node.getHeight();
      const best = await node.getBestBlockHash();
      const pid = node.pid;
      await node.restart();
      assert.notEqual(node.pid, pid);
      assert.equal(await node.getHeight(), height);
      assert.equal(await node.getBestBlockHash(), best);
      assert.deepEqual(await node.getMempool(), [wtx.txid]);
      const [hash] = await node.mine(1);
      const block = await node.getBlock(hash);
      assert.deepEqual(block.transactions.map((tx) => hashToHex(tx.txid)).slice(1), [wtx.txid]);
    });
  } finally {
    await node.stop();
  }
  assert.equal(node.running, false);
  assert.equal(await exists(node.dataDir), false);
});

Deno.test("regtest node: a persistent data directory is kept and reused", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "electrumx-regtest-test-" });
  try {
    const first = await startRegtestNode({ dataDir });
    let hash: string;
    try {
      hash = (await first.mine(3))[2];
    } finally {
      await first.stop();
    }
    assert.ok(await exists(`${dataDir}/regtest`));
    const second = await startRegtestNode({ dataDir });
    try {
      assert.notEqual(second.port, undefined);
      assert.equal(await second.getHeight(), 3);
      assert.equal(await second.getBestBlockHash(), hash);
    } finally {
      await second.stop();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("regtest node: a node that dies while starting reports its log", async () => {
  const node = await startRegtestNode();
  try {
    // A second bcoin on the same data directory cannot take LevelDB's lock and exits.
    await assert.rejects(
      startRegtestNode({ dataDir: node.dataDir, startTimeoutMs: 20_000 }),
      (error: unknown) => {
        assert.ok(error instanceof RegtestNodeError);
        assert.match(error.message, /exited with code 1/);
        assert.match(error.message, /LOCK/);
        return true;
      },
    );
    assert.equal(await node.getHeight(), 0);
  } finally {
    await node.stop();
  }
});
