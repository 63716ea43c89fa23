/**
 * The daemon client against a real bcoin regtest node: batching, both RPC dialects, failover
 * across the DAEMON_URL list, retrying while the daemon is down, cookie-file authentication,
 * refused credentials, and `serve` refusing a daemon of another network.
 */
import assert from "node:assert/strict";
import { parseBlock } from "../../src/chain/block.ts";
import { hashToHex } from "../../src/chain/bytes.ts";
import { NETWORKS } from "../../src/chain/networks.ts";
import { checkDaemon, WrongNetworkError } from "../../src/daemon/checks.ts";
import { Daemon, DaemonRpcError, DaemonUnavailableError } from "../../src/daemon/daemon.ts";
import { LogSink, silentLogger } from "../../src/log.ts";
import { findFreePort, startRegtestNode } from "../../src/regtest/node.ts";
import { ServeProcess } from "../support/serve_process.ts";

function withoutCredentials(url: string): { base: string; user: string; password: string } {
  const parsed = new URL(url);
  return {
    base: `${parsed.protocol}//${parsed.host}/`,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

Deno.test("daemon client against a real regtest node", async (t) => {
  const node = await startRegtestNode();
  const lines: string[] = [];
  const log = new LogSink("DEBUG", "%(levelname)s:%(name)s:%(message)s", (l) => lines.push(l))
    .logger("Daemon");
  try {
    await node.mine(5);

    await t.step("typed calls and batches", async () => {
      const daemon = new Daemon({ urls: [node.rpcUrl] });
      try {
        assert.equal(await daemon.getBlockCount(), 5);
        const hashes = await daemon.getBlockHashes(0, 6);
        assert.equal(hashes[0], NETWORKS.regtest.genesisHash);
        assert.equal(hashes[5], await daemon.getBestBlockHash());
        const blocks = await daemon.getRawBlocks(hashes.slice(1));
        blocks.forEach((raw, i) =>
          assert.equal(hashToHex(parseBlock(raw).header.hash), hashes[i + 1])
        );
        const info = await daemon.getNetworkInfo();
        assert.equal(info.version, 0, "bcoin reports its version as a string");
        assert.equal(info.versionText, "v1.0.2");
        assert.ok(info.relayFee > 0);
        assert.equal(await daemon.getIndexInfo(), undefined, "bcoin has no getindexinfo");
        assert.equal(await daemon.estimateSmartFee(2, "CONSERVATIVE"), -1, "no estimate yet: -1");
        assert.equal(
          await daemon.estimateSmartFee(500),
          -1,
          "bcoin's target limit: -1, not an error",
        );
        const missing = await daemon.getRawTransactions(["00".repeat(32)]);
        assert.deepEqual(missing, [null]);
        await assert.rejects(
          daemon.getBlockHashes(100, 1),
          (error) => error instanceof DaemonRpcError,
        );
        await assert.rejects(
          daemon.call("nosuchmethod"),
          (error) => (error as DaemonRpcError).code === -32601,
        );
      } finally {
        daemon.close();
      }
    });

    await t.step("fails over from a dead URL to a live one", async () => {
      const dead = `http://u:p@127.0.0.1:${findFreePort()}/`;
      const daemon = new Daemon({ urls: [dead, node.rpcUrl], log });
      try {
        lines.length = 0;
        assert.equal(await daemon.getBlockCount(), 5);
        assert.equal(daemon.display, node.rpcUrl.replace(/^http:\/\/[^@]*@/, ""));
        assert.ok(
          lines.some((l) => /cannot reach daemon 127\.0\.0\.1:\d+\//.test(l)),
          lines.join("\n"),
        );
        assert.ok(lines.some((l) => /failing over to daemon/.test(l)), lines.join("\n"));
        // The admin daemon_url path: back to the first, which is dead, then to the live one only.
        daemon.setUrls([node.rpcUrl]);
        assert.equal(await daemon.getBlockCount(), 5);
      } finally {
        daemon.close();
      }
    });

    await t.step("waits while the daemon restarts, then carries on", async () => {
      const daemon = new Daemon({ urls: [node.rpcUrl], log });
      try {
        lines.length = 0;
        await node.shutdown();
        const pending = daemon.getBlockCount();
        await new Promise((resolve) => setTimeout(resolve, 700));
        await node.start();
        assert.equal(await pending, 5);
        assert.ok(lines.some((l) => /cannot reach daemon/.test(l)));
        assert.ok(lines.some((l) => /connection to daemon .* restored/.test(l)));
      } finally {
        daemon.close();
      }
    });

    await t.step("gives up only when told to, with a clear error", async () => {
      const daemon = new Daemon({
        urls: [`http://u:p@127.0.0.1:${findFreePort()}/`],
        maxRetryMs: 600,
      });
      await assert.rejects(
        daemon.getBlockCount(),
        (error) => error instanceof DaemonUnavailableError,
      );
      daemon.close();
    });

    await t.step("authenticates with a cookie file, and reports refused credentials", async () => {
      const { base, user, password } = withoutCredentials(node.rpcUrl);
      const cookie = await Deno.makeTempFile();
      try {
        await Deno.writeTextFile(cookie, `${user}:${password}\n`);
        const daemon = new Daemon({ urls: [base], cookieFile: cookie });
        assert.equal(await daemon.getBlockCount(), 5);
        daemon.close();
        lines.length = 0;
        const wrong = new Daemon({
          urls: [base.replace("http://", "http://user:wrong@")],
          log,
          maxRetryMs: 400,
        });
        await assert.rejects(wrong.getBlockCount(), /refused our credentials/);
        assert.ok(
          lines.some((l) => /refused our credentials \(HTTP 401\)/.test(l)),
          lines.join("\n"),
        );
        wrong.close();
      } finally {
        await Deno.remove(cookie);
      }
    });

    await t.step("a daemon of another network is refused", async () => {
      const daemon = new Daemon({ urls: [node.rpcUrl] });
      try {
        await assert.rejects(
          checkDaemon(daemon, NETWORKS.mainnet, silentLogger()),
          (error) =>
            error instanceof WrongNetworkError && /NET=mainnet expects/.test(error.message),
        );
      } finally {
        daemon.close();
      }
      const dbDir = await Deno.makeTempDir();
      try {
        const serve = new ServeProcess(node, dbDir, {
          NET: "testnet",
          RPC_PORT: String(findFreePort()),
        });
        assert.equal(await serve.process.status.then((s) => s.code), 1);
        await serve.done;
        assert.match(
          serve.log,
          /CRITICAL:Controller:daemon .* has genesis block 0f9188f1.*NET=testnet expects/,
        );
      } finally {
        await Deno.remove(dbDir, { recursive: true });
      }
    });
  } finally {
    await node.stop();
  }
});
