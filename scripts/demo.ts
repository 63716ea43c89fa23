/**
 * The built-in demo: a local bcoin regtest node with a generated chain (every script type,
 * address reuse, a few thousand transactions), `electrumx serve` against it, and a new block
 * with fresh transactions every so often, so live mode shows. Ctrl-C stops everything.
 *
 *   deno task demo [--data-dir DIR] [--fresh] [--block-interval SECONDS] [--port N]
 */
import { parseArgs } from "node:util";
import { generateActivity } from "../src/regtest/activity.ts";
import { mineBulkChain } from "../src/regtest/bulk_chain.ts";
import { startRegtestNode } from "../src/regtest/node.ts";
import { Wallet } from "../src/regtest/wallet.ts";

const { values: args } = parseArgs({
  options: {
    "data-dir": { type: "string", default: "demo-data" },
    fresh: { type: "boolean", default: false },
    "block-interval": { type: "string", default: "30" },
    port: { type: "string", default: "50001" },
    "rpc-port": { type: "string", default: "8000" },
  },
});

const root = new URL("..", import.meta.url).pathname;
const dataDir = args["data-dir"].startsWith("/")
  ? args["data-dir"]
  : `${Deno.cwd()}/${args["data-dir"]}`;
if (args.fresh) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
await Deno.mkdir(`${dataDir}/node`, { recursive: true });

function say(line: string): void {
  console.log(`demo: ${line}`);
}

say(`starting a bcoin regtest node (data in ${dataDir}/node)`);
const node = await startRegtestNode({ dataDir: `${dataDir}/node` });
const wallet = new Wallet(node, { seed: "electrumx-ts demo" });
await wallet.sync();
if ((await node.getHeight()) < 500) {
  say("generating a chain: segwit activation, wallet activity of every script type, bulk blocks");
  await generateActivity(wallet, { blocks: 10, txsPerBlock: 15, seed: 1 });
  const bulk = await mineBulkChain(node, { blocks: 20, txsPerBlock: 150 });
  await wallet.sync();
  say(`chain ready: height ${await node.getHeight()}, plus ${bulk} bulk transactions`);
} else {
  say(`reusing the chain at height ${await node.getHeight()}`);
}

const electrumPort = Number(args.port);
const adminPort = Number(args["rpc-port"]);
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "--quiet", "--config", `${root}deno.json`, "-P=server", `${root}main.ts`, "serve"],
  env: {
    DB_DIRECTORY: `${dataDir}/db`,
    DAEMON_URL: node.rpcUrl,
    NET: "regtest",
    SERVICES: `tcp://127.0.0.1:${electrumPort}`,
    RPC_PORT: String(adminPort),
    ALLOW_ROOT: "1",
    DAEMON_POLL_INTERVAL_BLOCKS: "500",
  },
  stdout: "inherit",
  stderr: "inherit",
}).spawn();

say("electrumx serve is running against it:");
say(`  Electrum protocol: tcp://127.0.0.1:${electrumPort} (network regtest)`);
say(
  `  admin port:        localhost:${adminPort}; try: scripts/electrumx rpc -p ${adminPort} getinfo`,
);
say(`  daemon:            ${node.rpcUrl.replace(/\/\/[^@]*@/, "//")}`);
say(
  `a new block with a few transactions every ${args["block-interval"]}s; Ctrl-C stops everything`,
);

let stopping = false;
const stopped = server.status.then((status) => {
  if (!stopping) say(`electrumx serve exited with status ${status.code}`);
  return status;
});

async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  say("stopping");
  try {
    server.kill("SIGINT");
  } catch {
    // already gone
  }
  await stopped;
  await node.shutdown();
  say("stopped");
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);

const intervalMs = Number(args["block-interval"]) * 1000;
while (!stopping) {
  await Promise.race([new Promise((resolve) => setTimeout(resolve, intervalMs)), stopped]);
  if (stopping) break;
  if ((await Promise.race([stopped, Promise.resolve(null)])) !== null) {
    await node.shutdown();
    Deno.exit(1);
  }
  const payees = [wallet.newScript("p2wpkh").script, wallet.newScript("p2pkh").script];
  await wallet.pay(payees, 50_000);
  await wallet.mine(1, "p2wpkh");
  say(`mined block ${await node.getHeight()}`);
}
