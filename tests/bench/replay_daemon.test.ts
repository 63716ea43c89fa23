/**
 * The replay daemon through our own bitcoind client: the calls an Electrum server makes,
 * Core's errors, height control, reorgs that produce a valid competing branch, the mempool,
 * and an index synced from it (then reorganised) matching the chain exactly.
 */
import assert from "node:assert/strict";
import { parseBlock } from "../../src/chain/block.ts";
import { bytesEqual, hashToHex, toHex } from "../../src/chain/bytes.ts";
import { NETWORKS } from "../../src/chain/networks.ts";
import { witnessScript } from "../../src/chain/script.ts";
import { parseTransaction, serializeTransaction } from "../../src/chain/transaction.ts";
import { checkDaemon } from "../../src/daemon/checks.ts";
import { Daemon, DaemonRpcError } from "../../src/daemon/daemon.ts";
import { IndexStore } from "../../src/index/store.ts";
import { ChainSync } from "../../src/index/sync.ts";
import { silentLogger } from "../../src/log.ts";
import { StoredChain, writeGeneratedChain } from "../../src/bench/chain_directory.ts";
import { ReplayChain } from "../../src/bench/replay_chain.ts";
import { ReplayDaemon } from "../../src/bench/replay_daemon.ts";
import { compareIndexWithTruth } from "../../src/bench/truth.ts";
import { ChainTruth } from "../support/chain_truth.ts";
import { assertIndexMatchesChain } from "../support/index_check.ts";

const REGTEST = NETWORKS.regtest;
const BLOCKS = 130;
const directory = Deno.makeTempDirSync({ prefix: "electrumx-replay-" });
const manifest = writeGeneratedChain(directory, {
  seed: 11,
  blocks: BLOCKS,
  shape: { txsPerBlock: 12, reusePool: 100 },
});
globalThis.addEventListener("unload", () => Deno.removeSync(directory, { recursive: true }));

interface Harness {
  stored: StoredChain;
  chain: ReplayChain;
  server: ReplayDaemon;
  daemon: Daemon;
}

/** A replay daemon on the test chain, and our client for it. */
async function withDaemon(
  options: { height?: number },
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const stored = StoredChain.open(directory);
  const chain = new ReplayChain(stored, { height: options.height, txsPerBlock: 8 });
  const server = ReplayDaemon.start({ chain, user: "user", password: "pass" });
  const daemon = new Daemon({ urls: [server.url], maxRetryMs: 2000 });
  try {
    await body({ stored, chain, server, daemon });
  } finally {
    daemon.close();
    await server.stop();
    stored.close();
  }
}

/** Every served block, raw, from genesis. */
async function servedBlocks(daemon: Daemon): Promise<Uint8Array[]> {
  const height = await daemon.getBlockCount();
  return daemon.getRawBlocks(await daemon.getBlockHashes(0, height + 1));
}

async function rpcError(promise: Promise<unknown>): Promise<DaemonRpcError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DaemonRpcError) return error;
    throw error;
  }
  assert.fail("expected a daemon error");
}

Deno.test("batched getblockhash and getblock return the chain file's exact bytes", async () => {
  await withDaemon({}, async ({ stored, daemon }) => {
    assert.equal(await daemon.getBlockCount(), BLOCKS);
    assert.equal(await daemon.getBestBlockHash(), manifest.tipHash);
    const hashes = await daemon.getBlockHashes(0, BLOCKS + 1);
    assert.deepEqual(hashes, stored.blocks.map((block) => block.hash));
    const raws = await daemon.getRawBlocks(hashes);
    raws.forEach((raw, height) =>
      assert.ok(bytesEqual(raw, stored.readBlock(height)), `${height}`)
    );
    const info = await daemon.getChainInfo();
    assert.deepEqual(
      [info.chain, info.blocks, info.bestBlockHash, info.initialBlockDownload],
      ["regtest", BLOCKS, manifest.tipHash, false],
    );
    await checkDaemon(daemon, REGTEST, silentLogger());
  });
});

Deno.test("headers, verbose blocks and transactions look like Core's", async () => {
  await withDaemon({}, async ({ stored, daemon }) => {
    const hash = stored.blocks[50].hash;
    assert.ok(bytesEqual(await daemon.getRawHeader(hash), stored.blocks[50].header));
    const header = await daemon.call<Record<string, unknown>>("getblockheader", [hash, true]);
    assert.equal(header.hash, hash);
    assert.equal(header.height, 50);
    assert.equal(header.confirmations, BLOCKS - 50 + 1);
    assert.equal(header.previousblockhash, stored.blocks[49].hash);
    assert.equal(header.nextblockhash, stored.blocks[51].hash);
    const block = parseBlock(stored.readBlock(50));
    const verbose = await daemon.call<Record<string, unknown>>("getblock", [hash, 1]);
    assert.deepEqual(verbose.tx, block.transactions.map((tx) => hashToHex(tx.txid)));
    assert.equal(verbose.size, block.size);
    const tx = block.transactions[3];
    const txid = hashToHex(tx.txid);
    const [raw] = await daemon.getRawTransactions([txid]);
    assert.equal(hashToHex(parseTransaction(raw!).txid), txid);
    const decoded = await daemon.getRawTransaction(txid, true) as Record<string, unknown>;
    assert.equal(decoded.txid, txid);
    assert.equal(decoded.blockhash, hash);
    assert.equal((decoded.vout as unknown[]).length, tx.outputs.length);
    const inBlock = await daemon.call<string>("getrawtransaction", [txid, 0, hash]);
    assert.equal(inBlock, toHex(raw!));
  });
});

Deno.test("errors come back as Core's codes and HTTP statuses", async () => {
  await withDaemon({}, async ({ server, daemon }) => {
    const range = await rpcError(daemon.call("getblockhash", [BLOCKS + 1]));
    assert.deepEqual([range.code, range.daemonMessage], [-8, "Block height out of range"]);
    const missing = await rpcError(daemon.call("getblock", ["00".repeat(32), 0]));
    assert.deepEqual([missing.code, missing.daemonMessage], [-5, "Block not found"]);
    const unknown = await rpcError(daemon.call("getfoo"));
    assert.equal(unknown.code, -32601);
    assert.equal((await rpcError(daemon.call("getrawtransaction", ["ab".repeat(32)]))).code, -5);
    const url = new URL(server.url);
    const endpoint = `http://127.0.0.1:${url.port}/`;
    const post = (body: string, password = "pass") =>
      fetch(endpoint, {
        method: "POST",
        headers: { authorization: "Basic " + btoa(`user:${password}`) },
        body,
      });
    const notFound = await post('{"method":"getfoo","params":[],"id":7}');
    assert.equal(notFound.status, 404);
    assert.deepEqual(await notFound.json(), {
      result: null,
      error: { code: -32601, message: "Method not found" },
      id: 7,
    });
    const outOfRange = await post('{"method":"getblockhash","params":[9999],"id":1}');
    assert.equal(outOfRange.status, 500);
    await outOfRange.body?.cancel();
    const batch = await post('[{"method":"getblockcount","id":1},{"method":"getfoo","id":2}]');
    assert.equal(batch.status, 200);
    const items = await batch.json();
    assert.equal(items[0].result, BLOCKS);
    assert.equal(items[1].error.code, -32601);
    const v2 = await post('{"jsonrpc":"2.0","method":"getblockcount","id":3}');
    assert.deepEqual(await v2.json(), { jsonrpc: "2.0", result: BLOCKS, id: 3 });
    const refused = await post('{"method":"getblockcount","id":1}', "wrong");
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
  });
});

Deno.test("network, mempool, index and fee calls answer as Core 31 does", async () => {
  await withDaemon({}, async ({ daemon }) => {
    const network = await daemon.getNetworkInfo();
    assert.deepEqual(
      [network.version, network.subversion, network.relayFee],
      [310000, "/Satoshi:31.0.0/", 0.00001],
    );
    const mempool = await daemon.getMempoolInfo();
    assert.deepEqual(
      [mempool.size, mempool.minRelayTxFee, mempool.incrementalRelayFee, mempool.mempoolMinFee],
      [0, 0.00001, 0.00001, 0.00001],
    );
    const indexes = await daemon.getIndexInfo();
    assert.equal(indexes?.txindex.synced, true);
    assert.equal(indexes?.txospenderindex.synced, true);
    assert.ok((await daemon.estimateSmartFee(2)) > 0);
    const estimate = await daemon.call<Record<string, number>>("estimatesmartfee", [6]);
    assert.equal(estimate.blocks, 6);
    assert.equal((await rpcError(daemon.call("estimatesmartfee", [0]))).code, -8);
  });
});

Deno.test("height control serves a growing chain", async () => {
  await withDaemon({ height: 100 }, async ({ stored, daemon }) => {
    assert.equal(await daemon.getBlockCount(), 100);
    await rpcError(daemon.getBlockHashes(101, 1));
    // Blocks not served yet are unknown, and so are their transactions.
    await rpcError(daemon.getRawBlocks([stored.blocks[101].hash]));
    const later = hashToHex(parseBlock(stored.readBlock(110)).transactions[1].txid);
    assert.deepEqual(await daemon.getRawTransactions([later]), [null]);
    await daemon.call("replay_setheight", [110]);
    assert.equal(await daemon.getBlockCount(), 110);
    assert.notEqual((await daemon.getRawTransactions([later]))[0], null);
    const extended = await daemon.call<string[]>("replay_extend", [2]);
    assert.deepEqual(extended, [stored.blocks[111].hash, stored.blocks[112].hash]);
    assert.equal(await daemon.getBestBlockHash(), stored.blocks[112].hash);
    assert.equal((await rpcError(daemon.call("replay_setheight", [BLOCKS + 1]))).code, -8);
  });
});

Deno.test("a reorg replaces the last blocks with a longer, valid competing branch", async () => {
  await withDaemon({ height: 120 }, async ({ stored, daemon }) => {
    const result = await daemon.call<{ fork: number; orphaned: string[]; hashes: string[] }>(
      "replay_reorg",
      [3],
    );
    assert.equal(result.fork, 117);
    assert.deepEqual(result.orphaned, stored.blocks.slice(118, 121).map((block) => block.hash));
    assert.equal(result.hashes.length, 4);
    assert.equal(await daemon.getBlockCount(), 121);
    assert.deepEqual(await daemon.getBlockHashes(118, 4), result.hashes);
    assert.equal((await daemon.getBlockHashes(117, 1))[0], stored.blocks[117].hash);
    const blocks = (await servedBlocks(daemon)).map((raw) => parseBlock(raw));
    for (let height = 1; height < blocks.length; height++) {
      assert.ok(bytesEqual(blocks[height].header.prevHash, blocks[height - 1].header.hash));
    }
    assert.ok(blocks.slice(118).every((block) => block.transactions.length === 9), "8 txs each");
    // Throws on a spend of a missing or already spent output.
    new ChainTruth().addBlocks(blocks);
    // The orphaned blocks are still known, off the chain, as in Core.
    const stale = await daemon.call<Record<string, unknown>>("getblockheader", [
      result.orphaned[0],
    ]);
    assert.equal(stale.confirmations, -1);
    // A stored block past the fork can no longer be served.
    assert.equal((await rpcError(daemon.call("replay_setheight", [125]))).code, -8);
    const grown = await daemon.call<string[]>("replay_extend", [2]);
    assert.equal(grown.length, 2);
    new ChainTruth().addBlocks(await servedBlocks(daemon));
  });
});

Deno.test("the mempool takes generated and submitted transactions; a block mines them", async () => {
  await withDaemon({}, async ({ daemon }) => {
    const txids = await daemon.call<string[]>("replay_addmempool", [6]);
    assert.equal(txids.length, 6);
    assert.deepEqual((await daemon.getRawMempool()).sort(), [...txids].sort());
    const [raw] = await daemon.getRawTransactions([txids[0]]);
    const parent = parseTransaction(raw!);
    const entry = await daemon.call<Record<string, unknown>>("getmempoolentry", [txids[0]]);
    assert.equal(entry.wtxid, hashToHex(parent.wtxid));
    assert.ok((entry.fees as Record<string, number>).base > 0);
    // A child of a mempool transaction, then a conflicting one.
    const spend = (value: number) =>
      toHex(serializeTransaction({
        version: 2,
        inputs: [{
          prevHash: parent.txid,
          prevIndex: 0,
          script: new Uint8Array(0),
          sequence: 0xfffffffd,
          witness: [new Uint8Array(64)],
        }],
        outputs: [{ value, script: witnessScript(0, new Uint8Array(20).fill(value % 256)) }],
        locktime: 0,
      }));
    const childTxid = await daemon.sendRawTransaction(spend(parent.outputs[0].value - 500));
    assert.equal((await daemon.getMempoolInfo()).size, 7);
    const child = await daemon.call<Record<string, unknown>>("getmempoolentry", [childTxid]);
    assert.deepEqual(child.depends, [txids[0]]);
    assert.equal((await rpcError(daemon.sendRawTransaction(spend(1000)))).code, -26);
    assert.equal((await rpcError(daemon.sendRawTransaction("00"))).code, -22);
    const [mined] = await daemon.call<string[]>("replay_extend", [1]);
    assert.deepEqual(await daemon.getRawMempool(), []);
    const block = parseBlock((await daemon.getRawBlocks([mined]))[0]);
    const minedTxids = block.transactions.map((tx) => hashToHex(tx.txid));
    for (const txid of [...txids, childTxid]) assert.ok(minedTxids.includes(txid));
    new ChainTruth().addBlocks(await servedBlocks(daemon));
  });
});

Deno.test("an index synced from the replay daemon matches the truth, after reorgs too", async () => {
  await withDaemon({}, async ({ chain, daemon }) => {
    const dir = await Deno.makeTempDir({ prefix: "electrumx-replay-index-" });
    const store = IndexStore.open(dir, REGTEST);
    try {
      const sync = new ChainSync({
        daemon,
        store,
        log: silentLogger(),
        reorgLimit: 50,
        cacheMb: 1,
      });
      await sync.catchUp();
      assert.deepEqual(compareIndexWithTruth(store, manifest.truth), []);
      await daemon.call("replay_addmempool", [4]);
      await daemon.call("replay_reorg", [2]);
      await daemon.call("replay_extend", [1]);
      await sync.catchUp();
      assert.equal(store.height, chain.height);
      assertIndexMatchesChain(store, await servedBlocks(daemon));
      // The daemon's chain shrinks (as after invalidateblock): the index unwinds to it.
      await daemon.call("replay_setheight", [chain.height - 2]);
      await sync.catchUp();
      assert.equal(store.height, chain.height);
      assertIndexMatchesChain(store, await servedBlocks(daemon));
    } finally {
      store.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
});
