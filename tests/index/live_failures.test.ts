/**
 * Live mode against a daemon that fails at the worst moment: right after a block, when the
 * mempool refresh that precedes the block's notifications asks it for its mempool. The
 * sessions must still be told of the block once the daemon answers again.
 */
import assert from "node:assert/strict";
import { StoredChain, writeGeneratedChain } from "../../src/bench/chain_directory.ts";
import { ReplayChain } from "../../src/bench/replay_chain.ts";
import { ReplayDaemon } from "../../src/bench/replay_daemon.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import { findFreePort } from "../../src/regtest/node.ts";
import { TestClient } from "../electrum/client.ts";
import { ServeProcess } from "../support/serve_process.ts";

Deno.test("a daemon error between a block and its notifications loses nothing", async () => {
  const chainDir = await Deno.makeTempDir({ prefix: "electrumx-livefail-chain-" });
  const dbDir = await Deno.makeTempDir({ prefix: "electrumx-livefail-db-" });
  writeGeneratedChain(chainDir, { seed: 5, blocks: 30, shape: { txsPerBlock: 20 } });
  const stored = StoredChain.open(chainDir);
  const replay = ReplayDaemon.start({
    chain: new ReplayChain(stored, {}),
    user: "user",
    password: "pass",
  });
  const control = new Daemon({ urls: [replay.url] });
  const port = findFreePort();
  const server = new ServeProcess({ rpcUrl: replay.url }, dbDir, {
    SERVICES: `tcp://127.0.0.1:${port}`,
    RPC_PORT: String(findFreePort()),
    PEER_DISCOVERY: "off",
    DAEMON_POLL_INTERVAL_BLOCKS: "50",
    DAEMON_POLL_INTERVAL_MEMPOOL: "200",
  });
  let client: TestClient | undefined;
  try {
    await server.waitForLog(/TCP server listening/);
    client = await TestClient.connect({ transport: "tcp", port });
    await client.request("server.version", ["test", "1.4"]);
    const tip = await client.request("blockchain.headers.subscribe");

    // The block's transactions were never in the mempool, so only the block itself can
    // trigger the notification; the refreshes after it fail three times.
    await control.call("replay_failnext", ["getrawmempool", 3]);
    await control.call("replay_extend", [1]);
    const note = await client.notification("blockchain.headers.subscribe", 20_000);
    assert.equal(note.params[0].height, tip.height + 1);
    await server.waitForLog(new RegExp(`height ${tip.height + 1}: told 1 sessions of the tip`));
    assert.match(server.log, /injected failure of getrawmempool; retrying/);
  } finally {
    client?.close();
    assert.equal(await server.stop("SIGTERM"), 0, server.log);
    control.close();
    await replay.stop();
    stored.close();
    await Deno.remove(chainDir, { recursive: true });
    await Deno.remove(dbDir, { recursive: true });
  }
});
