/**
 * The admin interface end to end: a real `electrumx serve` on a bcoin regtest chain, driven by
 * the real `electrumx rpc` client: getinfo, query, reorg, daemon_url across two daemons, stop
 * and restart without resync.
 */
import assert from "node:assert/strict";
import { scriptToAddress } from "../../src/chain/address.ts";
import { fromHex, toHex } from "../../src/chain/bytes.ts";
import { sha256 } from "../../src/chain/hash.ts";
import { NETWORKS } from "../../src/chain/networks.ts";
import { formatCoins, withSeparators } from "../../src/admin/format.ts";
import { generateActivity } from "../../src/regtest/activity.ts";
import { findFreePort, type RegtestNode, startRegtestNode } from "../../src/regtest/node.ts";
import { Wallet } from "../../src/regtest/wallet.ts";
import { ChainTruth, fetchChain } from "../support/chain_truth.ts";
import { dumpIndex, indexHeight, ServeProcess } from "../support/serve_process.ts";
import { TestClient } from "../electrum/client.ts";
import { aiorpcxInstalled, aiorpcxRequest } from "./aiorpcx.ts";
import { runRpc as rpc } from "../support/rpc_cli.ts";

Deno.test("admin commands against a running server", async (t) => {
  const node = await startRegtestNode();
  let node2: RegtestNode | undefined;
  const dbDir = await Deno.makeTempDir({ prefix: "electrumx-admin-" });
  const adminPort = findFreePort();
  const tcpPort = findFreePort();
  const wsPort = findFreePort();
  // A port already taken: that service fails to listen, the others still serve.
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busyPort = (busy.addr as Deno.NetAddr).port;
  let server: ServeProcess | undefined;
  try {
    const wallet = new Wallet(node, { seed: "admin tests" });
    await generateActivity(wallet, { blocks: 4, txsPerBlock: 12, seed: 5, reuse: 0.5 });
    const height = await node.getHeight();
    server = new ServeProcess(node, dbDir, {
      RPC_PORT: String(adminPort),
      SERVICES: `tcp://127.0.0.1:${tcpPort},ws://127.0.0.1:${wsPort},tcp://127.0.0.1:${busyPort}`,
      DAEMON_POLL_INTERVAL_BLOCKS: "100",
      LOG_SESSIONS: "1",
      ANON_LOGS: "1",
    });
    const s = server;
    // Listeners start in order; the busy port is last, so wait for its line.
    const bindFailure = new RegExp(
      `ERROR:SessionManager:TCP server failed to listen on 127\\.0\\.0\\.1:${busyPort}: `,
    );
    await s.waitFor(() => bindFailure.test(s.log), "the failed listener's log line");

    await t.step("getinfo has the documented keys with live values", async () => {
      const result = await rpc(adminPort, "getinfo");
      assert.equal(result.code, 0);
      const info = JSON.parse(result.stdout);
      for (
        const key of [
          "closing",
          "daemon",
          "daemon_height",
          "db_height",
          "errors",
          "groups",
          "logged",
          "paused",
          "peers",
          "pid",
          "requests",
          "sessions",
          "sessions_with_subs",
          "subs",
          "txs_sent",
          "uptime",
        ]
      ) {
        assert.ok(key in info, `getinfo lacks ${key}`);
      }
      assert.equal(info.db_height, height);
      assert.equal(info.daemon_height, height);
      assert.equal(info.daemon, node.rpcUrl.replace(/^http:\/\/[^@]*@/, ""));
      assert.equal(info.pid, s.process.pid);
      assert.deepEqual(info.peers, { bad: 0, good: 0, never: 0, stale: 0, total: 0 });
      assert.match(info.uptime, /^\d\ds$|^\d\dm \d\ds$/);
      assert.equal(info.coin, "BitcoinRegtest");
      // Keys are sorted as Python's json.dumps(sort_keys=True) prints them.
      const keys = [...result.stdout.matchAll(/^ {4}"([^"]+)":/gm)].map((m) => m[1]);
      assert.deepEqual(keys, [...keys].sort());
    });

    await t.step("add_peer feeds the peer table that peers and getinfo show", async () => {
      // Loopback is not public: acknowledged, then ignored (as ElectrumX does).
      assert.equal(
        (await rpc(adminPort, "add_peer", `localhost t${tcpPort}`)).stdout,
        `"peer 'localhost t${tcpPort}' added"\n`,
      );
      assert.equal(
        (await rpc(adminPort, "add_peer", "peer.example.invalid v1.4 s t1")).stdout,
        `"peer 'peer.example.invalid v1.4 s t1' added"\n`,
      );
      await s.waitFor(
        () => s.log.includes("[peer.example.invalid:1 TCP] "),
        "the failed connection attempt",
      );
      const table = (await rpc(adminPort, "peers")).stdout.split("\n");
      assert.match(table[0], /^Host {59}Status {3}TCP {3}SSL Server {13}Min {2}Max {2}Pruning/);
      assert.equal(table.length, 3, "the header, one peer, and the final newline");
      assert.match(
        table[1],
        /^peer\.example\.invalid +never +1 51002 unknown +1\.4 {2}1\.4 +Never +\d\ds +1 +RPC {16}$/,
      );
      const info = JSON.parse((await rpc(adminPort, "getinfo")).stdout);
      assert.deepEqual(info.peers, { bad: 0, good: 0, never: 1, stale: 0, total: 1 });
      assert.match(s.log, /INFO:PeerManager:accepted new peer peer\.example\.invalid from RPC/);
    });

    await t.step("sessions, groups, log and disconnect act on real client sessions", async () => {
      const tcp = await TestClient.connect({ transport: "tcp", port: tcpPort });
      const ws = await TestClient.connect({ transport: "ws", port: wsPort });
      try {
        await tcp.request("server.version", ["admin-test-tcp", "1.4"]);
        await ws.request("server.version", ["admin-test-ws", "1.6"]);
        const table = (await rpc(adminPort, "sessions")).stdout.trimEnd().split("\n");
        assert.match(table[0], /^ID {5}Flags {12}Client Proto {4}Cost/);
        const tcpRow = table.find((line) => line.includes("admin-test-tcp"));
        const wsRow = table.find((line) => line.includes("admin-test-ws"));
        assert.ok(tcpRow && wsRow, table.join("\n"));
        assert.match(tcpRow, /^\d+ +T\d* /);
        assert.match(wsRow, /^\d+ +W\d* /);
        assert.match(wsRow, / 1\.6 /);
        // The admin connection asking is a session too: kind R, client and protocol RPC.
        assert.match(table.join("\n"), /^\d+ +R20 +RPC +RPC +0 +0 +1 /m);
        const tcpId = tcpRow.split(/ +/)[0];
        const info = JSON.parse((await rpc(adminPort, "getinfo")).stdout);
        assert.ok(info.sessions >= 3, "two clients and the admin session asking");
        assert.ok(info.groups >= 1);
        const groups = (await rpc(adminPort, "groups")).stdout;
        assert.match(groups, /^Name {12}Sessions/);
        // Loopback sessions are private: they join only the connection-timeslice group, the
        // admin session asking included.
        assert.match(groups, /^t0 +3 /m);
        assert.equal(
          (await rpc(adminPort, "log", tcpId, "99999")).stdout,
          `[\n    "log ${tcpId}: True",\n    "unknown session: 99999"\n]\n`,
        );
        await tcp.request("server.ping", []);
        await s.waitFor(() => s.log.includes(`[${tcpId}]`), "the logged request");
        assert.match((await rpc(adminPort, "sessions")).stdout, new RegExp(`^${tcpId} +TL`, "m"));
        assert.equal(
          (await rpc(adminPort, "disconnect", tcpId)).stdout,
          `[\n    "disconnected ${tcpId}"\n]\n`,
        );
        assert.ok(await tcp.waitClosed(), "the disconnected client's socket closes");
        assert.equal(ws.isClosed, false);
        assert.equal(await ws.request("server.ping", []), null);
      } finally {
        tcp.close();
        ws.close();
      }
    });

    await t.step("query prints history, UTXOs and balance in the documented layout", async () => {
      const truth = new ChainTruth();
      truth.addBlocks(await fetchChain(node.rpc.bind(node)));
      // The script with the longest history, queried by address and by hex.
      const [key, script] = [...truth.scripts].sort((a, b) =>
        b[1].history.length - a[1].history.length
      )[0];
      const address = scriptToAddress(fromHex(script.script), NETWORKS.regtest);
      assert.ok(address, "the busiest script has an address");
      const expected = (label: string): string[] => [
        label,
        ...script.history.map(([txid, h], i) =>
          `History #${i + 1}: height ${withSeparators(h)} tx_hash ${txid}`
        ),
        ...[...script.utxos].map(([outpoint, [value, h]], i) => {
          const [txid, vout] = outpoint.split(":");
          return `UTXO #${i + 1}: tx_hash ${txid} tx_pos ${vout} height ${
            withSeparators(h)
          } value ${withSeparators(value)}`;
        }),
        `Balance: ${formatCoins(truth.balance(key))} XTN`,
      ];
      const byAddress = await rpc(adminPort, "query", address!);
      assert.equal(byAddress.code, 0);
      const lines = byAddress.stdout.trimEnd().split("\n");
      const want = expected(`Address: ${address}`);
      // UTXOs may come in any order: compare them as a set.
      const isUtxo = (line: string): boolean => line.startsWith("UTXO #");
      assert.deepEqual(lines.filter((l) => !isUtxo(l)), want.filter((l) => !isUtxo(l)));
      const strip = (line: string): string => line.replace(/^UTXO #\d+: /, "");
      assert.deepEqual(
        new Set(lines.filter(isUtxo).map(strip)),
        new Set(want.filter(isUtxo).map(strip)),
      );
      const byScript = await rpc(adminPort, "query", "--limit", "2", script.script);
      const limited = byScript.stdout.trimEnd().split("\n");
      assert.equal(limited[0], `Script: ${script.script}`);
      assert.equal(
        limited.filter((l) => l.startsWith("History #")).length,
        Math.min(2, script.history.length),
      );
      assert.ok(limited.at(-1)!.startsWith("Balance: "));
      const nothing = await rpc(adminPort, "query", "00ff");
      assert.equal(
        nothing.stdout,
        "Script: 00ff\nNo history found\nNo UTXOs found\nBalance: 0 XTN\n",
      );
      assert.equal(key, toHex(sha256(fromHex(script.script))));
    });

    await t.step(
      "query refuses other networks' addresses and junk, and the server carries on",
      async () => {
        const mainnet = await rpc(adminPort, "query", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assert.equal(mainnet.code, 1);
        assert.match(mainnet.stdout, /^error making request: \(1, .*another network/);
        const junk = await rpc(adminPort, "query", "not-a-script");
        assert.equal(junk.code, 1);
        assert.match(junk.stdout, /neither a hex script nor a regtest address/);
        assert.equal((await rpc(adminPort, "getinfo")).code, 0);
      },
    );

    await t.step(
      "aiorpcX, ElectrumX's RPC library, gets the same answers as our client",
      async () => {
        assert.ok(aiorpcxInstalled(), "Debian's python3-aiorpcx is not installed");
        const truth = new ChainTruth();
        truth.addBlocks(await fetchChain(node.rpc.bind(node)));
        const script = [...truth.scripts.values()].find((s) => s.history.length > 2)!;
        const address = scriptToAddress(fromHex(script.script), NETWORKS.regtest)!;
        const ours = await rpc(adminPort, "query", "--limit", "2", address);
        const theirs = await aiorpcxRequest(adminPort, "query", { items: [address], limit: 2 });
        assert.deepEqual(theirs, { result: ours.stdout.trimEnd().split("\n") });

        const info = await aiorpcxRequest(adminPort, "getinfo", {});
        assert.ok("result" in info);
        const ourInfo = JSON.parse((await rpc(adminPort, "getinfo")).stdout);
        assert.deepEqual(Object.keys(info.result as object).sort(), Object.keys(ourInfo).sort());

        const sessions = await aiorpcxRequest(adminPort, "sessions", []);
        assert.ok("result" in sessions && Array.isArray(sessions.result));

        const refusal = await rpc(adminPort, "reorg", "100000");
        const theirRefusal = await aiorpcxRequest(adminPort, "reorg", [100000]);
        assert.ok("error" in theirRefusal);
        assert.equal(
          refusal.stdout,
          `error making request: (${theirRefusal.error.code}, '${theirRefusal.error.message}')\n`,
        );
        assert.deepEqual(await aiorpcxRequest(adminPort, "no_such_command", []), {
          error: { code: -32601, message: 'unknown method "no_such_command"' },
        });
      },
    );

    await t.step(
      "reorg 3 unwinds and comes back to the same tip with an identical index",
      async () => {
        const before = dumpIndex(dbDir, ["headers", "txids", "history", "utxo", "outpoint"]);
        const result = await rpc(adminPort, "reorg");
        assert.equal(result.stdout, '"scheduled a reorg of 3 blocks"\n');
        await s.waitFor(() => /simulating a reorg of 3 blocks/.test(s.log), "the reorg");
        await s.waitFor(() => indexHeight(dbDir) === height, "the index back at the tip");
        assert.deepEqual(
          dumpIndex(dbDir, ["headers", "txids", "history", "utxo", "outpoint"]),
          before,
        );
        const tooDeep = await rpc(adminPort, "reorg", "100000");
        assert.equal(tooDeep.code, 1);
        assert.match(tooDeep.stdout, /cannot reorg 100000 blocks/);
      },
    );

    await t.step("daemon_url switches between two daemons", async () => {
      node2 = await startRegtestNode();
      for (let h = 1; h <= height; h++) {
        const hash = await node.rpc<string>("getblockhash", [h]);
        await node2.rpc("submitblock", [await node.rpc<string>("getblock", [hash, 0])]);
      }
      assert.equal(await node2.getHeight(), height);
      const second = node2.rpcUrl.replace(/^http:\/\/[^@]*@/, "");
      const switched = await rpc(adminPort, "daemon_url", node2.rpcUrl);
      assert.equal(switched.stdout, `"now using daemon at ${second}"\n`);
      await node2.mine(1);
      await s.waitFor(() => indexHeight(dbDir) === height + 1, "a block from the second daemon");
      assert.equal(JSON.parse((await rpc(adminPort, "getinfo")).stdout).daemon, second);
      const back = await rpc(adminPort, "daemon_url");
      assert.equal(
        back.stdout,
        `"now using daemon at ${node.rpcUrl.replace(/^http:\/\/[^@]*@/, "")}"\n`,
      );
      // The first daemon lacks that block: the server reorgs back to its chain.
      await s.waitFor(() => indexHeight(dbDir) === height, "the first daemon's chain");
      const bad = await rpc(adminPort, "daemon_url", "nonsense");
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /invalid daemon URL: "nonsense"/);
    });

    await t.step("stop flushes and exits 0; a restart resumes without resync", async () => {
      const stopped = await rpc(adminPort, "stop");
      assert.equal(stopped.stdout, '"stopping"\n');
      assert.equal((await s.process.status).code, 0);
      await s.done;
      server = new ServeProcess(node, dbDir, {
        RPC_PORT: String(adminPort),
        DAEMON_POLL_INTERVAL_BLOCKS: "100",
      });
      const again = server;
      await again.waitFor(() => /index at height/.test(again.log), "restart");
      assert.match(again.log, new RegExp(`index at height ${height},`));
      assert.doesNotMatch(again.log, /flushed/);
    });
  } finally {
    if (server) {
      try {
        server.process.kill("SIGTERM");
      } catch {
        // already exited
      }
      await server.process.status;
      await server.done;
    }
    busy.close();
    await node2?.stop();
    await node.stop();
    await Deno.remove(dbDir, { recursive: true });
  }
});
