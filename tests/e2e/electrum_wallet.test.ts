/**
 * End to end with a real wallet: Debian's Electrum (4.3), headless in regtest mode and
 * connected to our server only, syncs a wallet that receives coins in several blocks and in
 * the mempool, sees them confirm, and spends through our server's broadcast.
 */
import assert from "node:assert/strict";
import { addressToScript, scriptToAddress } from "../../src/chain/address.ts";
import { NETWORKS } from "../../src/chain/networks.ts";
import { fundWallet } from "../../src/regtest/activity.ts";
import { findFreePort, startRegtestNode } from "../../src/regtest/node.ts";
import { Wallet } from "../../src/regtest/wallet.ts";
import { ServeProcess } from "../support/serve_process.ts";
import { ElectrumCli, electrumInstalled } from "./electrum_cli.ts";

/** An Electrum segwit seed: the wallet's addresses are the same on every run. */
const SEED = "square rare upset addict dwarf hat solar start else upon enhance juice";
const COIN = 100_000_000;

interface HistoryItem {
  txid: string;
  height: number;
  bc_value: string;
}

/** Sats from Electrum's decimal BTC strings. */
function sats(btc: string | undefined): number {
  return Math.round(Number(btc ?? "0") * COIN);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

Deno.test("Debian's Electrum wallet syncs, sees confirmations and spends through our server", async () => {
  assert.ok(
    electrumInstalled(),
    "Debian's electrum is not installed: run scripts/setup.sh as root, or apt-get install electrum",
  );
  const node = await startRegtestNode();
  const electrum = new ElectrumCli();
  const dbDir = await Deno.makeTempDir({ prefix: "electrumx-e2e-" });
  let server: ServeProcess | undefined;
  try {
    const wallet = new Wallet(node, { seed: "electrum e2e" });
    await fundWallet(wallet);
    await electrum.run("--offline", "restore", SEED);
    const addresses = await electrum.run("--offline", "listaddresses") as string[];
    const pay = (index: number) => addressToScript(addresses[index], NETWORKS.regtest);

    // Receives in two blocks, one address paid twice; then one in the mempool.
    const expected = new Map<string, { height: number; value: number }>();
    const receive = async (payments: [number, number][]) => {
      const tx = await wallet.send({
        outputs: payments.map(([index, value]) => ({ script: pay(index), value })),
      });
      const value = payments.reduce((sum, [, v]) => sum + v, 0);
      expected.set(tx.txid, { height: 0, value });
      return tx.txid;
    };
    const first = [await receive([[0, 1_000_000], [1, 2_500_000]]), await receive([[2, 700_000]])];
    await wallet.mine(1);
    for (const txid of first) expected.get(txid)!.height = await node.getHeight();
    const second = await receive([[1, 300_000], [3, 4_000_000]]);
    await wallet.mine(1);
    expected.get(second)!.height = await node.getHeight();
    const pending = await receive([[4, 1_234_567]]);

    const tcpPort = findFreePort();
    server = new ServeProcess(node, dbDir, {
      SERVICES: `tcp://127.0.0.1:${tcpPort}`,
      RPC_PORT: String(findFreePort()),
      DAEMON_POLL_INTERVAL_BLOCKS: "200",
      DAEMON_POLL_INTERVAL_MEMPOOL: "200",
    });
    await server.waitForLog(new RegExp(`TCP server listening on 127\\.0\\.0\\.1:${tcpPort}`));
    await electrum.startDaemon(`127.0.0.1:${tcpPort}:t`);
    await electrum.run("load_wallet");

    const history = async () =>
      ((await electrum.run("onchain_history")) as { transactions: HistoryItem[] }).transactions;
    const synced = async (check: (items: HistoryItem[]) => boolean) =>
      await until("Electrum to sync", async () => {
        if ((await electrum.run("is_synchronized")) !== true) return undefined;
        const items = await history();
        return check(items) ? items : undefined;
      });

    // Everything arrives: confirmed history at the right heights, the mempool one at 0.
    let items = await synced((list) => list.length === expected.size);
    assert.deepEqual(
      new Map(
        items.map((item) => [item.txid, { height: item.height, value: sats(item.bc_value) }]),
      ),
      expected,
    );
    const confirmedValue = 1_000_000 + 2_500_000 + 700_000 + 300_000 + 4_000_000;
    let balance = await electrum.run("getbalance") as Record<string, string>;
    assert.equal(sats(balance.confirmed), confirmedValue);
    assert.equal(sats(balance.unconfirmed), 1_234_567);

    // A block confirms the mempool receive: Electrum hears of it by notification.
    await wallet.mine(1);
    const tip = await node.getHeight();
    expected.get(pending)!.height = tip;
    items = await synced((list) => list.find((item) => item.txid === pending)?.height === tip);
    balance = await electrum.run("getbalance") as Record<string, string>;
    assert.equal(sats(balance.confirmed), confirmedValue + 1_234_567);
    assert.equal(sats(balance.unconfirmed), 0);

    // Electrum spends: signed locally, broadcast through our server, then mined.
    const ours = scriptToAddress(wallet.newScript("p2wpkh").script, NETWORKS.regtest)!;
    const raw = await electrum.run("payto", ours, "0.05", "--fee", "0.0001") as string;
    const spent = await electrum.run("broadcast", raw) as string;
    await until(
      "the spend in the daemon's mempool",
      async () => (await node.rpc<string[]>("getrawmempool")).includes(spent) ? true : undefined,
    );
    items = await synced((list) => list.some((item) => item.txid === spent));
    assert.equal(items.find((item) => item.txid === spent)!.height, 0);
    await wallet.mine(1);
    const spendHeight = await node.getHeight();
    items = await synced((list) =>
      list.find((item) => item.txid === spent)?.height === spendHeight
    );
    balance = await electrum.run("getbalance") as Record<string, string>;
    assert.equal(
      sats(balance.confirmed),
      confirmedValue + 1_234_567 - 5_000_000 - 10_000,
      "balance after paying 0.05 BTC with a 0.0001 BTC fee",
    );
    assert.equal(sats(items.find((item) => item.txid === spent)!.bc_value), -5_010_000);
    assert.doesNotMatch(server.log, /ERROR/);
  } finally {
    await electrum.close();
    await server?.stop("SIGTERM");
    await node.shutdown();
    await Deno.remove(dbDir, { recursive: true }).catch(() => {});
  }
});
