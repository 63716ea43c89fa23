/**
 * `electrumx rpc backup` end to end: a real server on a bcoin regtest chain backs up its index
 * while blocks keep arriving; a second server started on the copy catches up from the daemon
 * and answers exactly as the first. The refusals leave every file alone.
 */
import assert from "node:assert/strict";
import { fromHex, toHex } from "../../src/chain/bytes.ts";
import { sha256 } from "../../src/chain/hash.ts";
import { callAdmin } from "../../src/admin/client.ts";
import { DATABASE_FILE } from "../../src/index/schema.ts";
import { generateActivity } from "../../src/regtest/activity.ts";
import { findFreePort, startRegtestNode } from "../../src/regtest/node.ts";
import { Wallet } from "../../src/regtest/wallet.ts";
import { ChainTruth, fetchChain } from "../support/chain_truth.ts";
import { assertSameIndex, dumpIndex, indexHeight, ServeProcess } from "../support/serve_process.ts";
import { runRpc as rpc } from "../support/rpc_cli.ts";
import { ELECTRUMX_ARGS } from "../support/electrumx_args.ts";
import { TestClient } from "../electrum/client.ts";

const TABLES = ["headers", "txids", "history", "utxo", "outpoint"];

/** `electrumx rpc backup PATH` run in `directory`. */
async function backupFrom(
  directory: string,
  port: number,
  path: string,
): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...ELECTRUMX_ARGS, "rpc", "-p", String(port), "backup", path],
    cwd: directory,
    env: { NO_COLOR: "1" },
    stdout: "piped",
  }).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

Deno.test("backup of a live index restores into a server that answers as the original", async (t) => {
  const node = await startRegtestNode();
  const dir = await Deno.makeTempDir({ prefix: "electrumx-backup-" });
  const servers: ServeProcess[] = [];
  const serve = (dbDir: string, adminPort: number, tcpPort: number): ServeProcess => {
    const server = new ServeProcess(node, dbDir, {
      RPC_PORT: String(adminPort),
      SERVICES: `tcp://127.0.0.1:${tcpPort}`,
      DAEMON_POLL_INTERVAL_BLOCKS: "50",
      DAEMON_POLL_INTERVAL_MEMPOOL: "100",
      PEER_DISCOVERY: "off",
    });
    servers.push(server);
    return server;
  };
  const ports = { admin: findFreePort(), tcp: findFreePort() };
  try {
    const wallet = new Wallet(node, { seed: "backup tests" });
    await generateActivity(wallet, { blocks: 5, txsPerBlock: 15, seed: 11, reuse: 0.5 });
    const original = serve(`${dir}/db`, ports.admin, ports.tcp);
    await original.waitForLog(/TCP server listening/);

    await t.step("refusals: a relative path, an existing file, a missing directory", async () => {
      await Deno.writeTextFile(`${dir}/taken.sqlite`, "mine");
      const taken = await rpc(ports.admin, "backup", `${dir}/taken.sqlite`);
      assert.equal(taken.code, 1);
      assert.equal(
        taken.stdout,
        `error making request: (1, '${dir}/taken.sqlite already exists: ` +
          "a backup never replaces a file')\n",
      );
      assert.equal(await Deno.readTextFile(`${dir}/taken.sqlite`), "mine");
      const nowhere = await rpc(ports.admin, "backup", `${dir}/no/such/dir/x.sqlite`);
      assert.equal(nowhere.code, 1);
      assert.match(nowhere.stdout, /directory .*\/no\/such\/dir does not exist/);
      // Our client resolves relative paths; the server refuses them from any other client.
      await assert.rejects(
        callAdmin(ports.admin, "backup", { path: "relative.sqlite" }),
        /the backup path must be absolute: relative\.sqlite/,
      );
      const entries = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
      assert.deepEqual(entries, ["db", "taken.sqlite"]);
    });

    const backupDir = `${dir}/restored`;
    let backupHeight = -1;
    await t.step("a backup taken while blocks arrive", async () => {
      const start = await node.getHeight();
      let mining = true;
      const miner = (async () => {
        while (mining) {
          await wallet.pay([wallet.newScript("p2wpkh").script], 40_000);
          await wallet.mine(1, "p2wpkh");
        }
      })();
      await original.waitFor(() => indexHeight(`${dir}/db`) >= start + 2, "blocks before");
      await Deno.mkdir(backupDir);
      // A path relative to the client's directory, as an operator would type it.
      const backup = await backupFrom(backupDir, ports.admin, DATABASE_FILE);
      const afterBackup = indexHeight(`${dir}/db`);
      await original.waitFor(() => indexHeight(`${dir}/db`) >= afterBackup + 2, "blocks after");
      mining = false;
      await miner;
      assert.equal(backup.code, 0, backup.stdout);
      const match = new RegExp(
        `^"backup of height ([\\d,]+) written to ${backupDir}/${DATABASE_FILE}: ` +
          `[\\d,]+ bytes in \\d+\\.\\d s"\\n$`,
      ).exec(backup.stdout);
      assert.ok(match, backup.stdout);
      backupHeight = Number(match[1].replaceAll(",", ""));
      assert.ok(backupHeight >= start + 2 && backupHeight <= afterBackup, `${backupHeight}`);
      assert.match(original.log, /INFO:Controller:backup of height [\d,]+ written to /);
      assert.deepEqual([...Deno.readDirSync(backupDir)].map((e) => e.name), [DATABASE_FILE]);
    });

    await t.step("the copy opens, catches up and answers as the original", async () => {
      // Everything confirmed, so both mempools are empty.
      await wallet.mine(1, "p2wpkh");
      const tip = await node.getHeight();
      const restoredPorts = { admin: findFreePort(), tcp: findFreePort() };
      const restored = serve(backupDir, restoredPorts.admin, restoredPorts.tcp);
      await restored.waitForLog(/TCP server listening/);
      assert.match(restored.log, new RegExp(`index at height ${backupHeight},`));
      for (const [server, dbDir] of [[original, `${dir}/db`], [restored, backupDir]] as const) {
        await server.waitFor(() => indexHeight(dbDir) === tip, "the tip");
      }
      const truth = new ChainTruth();
      truth.addBlocks(await fetchChain(node.rpc.bind(node)));
      // The busiest scripts, and some with unspent outputs.
      const scripts = [...truth.scripts.values()]
        .sort((a, b) => b.history.length - a.history.length || a.script.localeCompare(b.script))
        .filter((s, i) => i < 6 || (i % 7 === 0 && s.utxos.size > 0))
        .slice(0, 12);
      const answers = async (port: number): Promise<unknown[]> => {
        const client = await TestClient.connect({ transport: "tcp", port });
        try {
          await client.request("server.version", ["backup-test", "1.4"]);
          const results: unknown[] = [await client.request("blockchain.headers.subscribe", [])];
          for (const { script } of scripts) {
            const hash = toHex(sha256(fromHex(script)).reverse());
            for (const method of ["get_history", "get_balance", "listunspent"]) {
              results.push(await client.request(`blockchain.scripthash.${method}`, [hash]));
            }
          }
          return results;
        } finally {
          client.close();
        }
      };
      const theirs = await answers(ports.tcp);
      assert.deepEqual(await answers(restoredPorts.tcp), theirs);
      assert.equal((theirs[0] as { height: number }).height, tip);
      assert.equal(
        (theirs[1] as unknown[]).length,
        scripts[0].history.length,
        "the busiest script's whole history",
      );
      const info = JSON.parse((await rpc(restoredPorts.admin, "getinfo")).stdout);
      assert.equal(info.db_height, tip);
    });

    await t.step("both indexes hold the same rows once stopped", async () => {
      for (const server of servers) assert.equal(await server.stop("SIGTERM"), 0);
      assertSameIndex(dumpIndex(backupDir, TABLES), dumpIndex(`${dir}/db`, TABLES), "backup");
    });
  } finally {
    for (const server of servers) await server.stop("SIGTERM");
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
