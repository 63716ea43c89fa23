/**
 * Starts a bcoin regtest node, optionally generates a chain with the test wallet, prints the
 * RPC URL (for DAEMON_URL) and stays up until SIGINT or SIGTERM.
 *
 *   deno run --allow-all scripts/regtest_node.ts [--data-dir DIR] [--port N]
 *     [--blocks N] [--txs-per-block K] [--seed S] [--log-level LEVEL]
 *
 * With --data-dir the chain is kept (and reused on the next start); otherwise a temporary
 * directory is removed on exit.
 */
import { generateActivity } from "../src/regtest/activity.ts";
import { type RegtestNodeOptions, startRegtestNode } from "../src/regtest/node.ts";
import { Wallet } from "../src/regtest/wallet.ts";

import { ScriptCli } from "./script_cli.ts";

const USAGE = `usage: regtest_node.ts [options]
  --data-dir DIR       keep the chain in DIR (default: a temporary directory)
  --port N             RPC port (default: a free one)
  --api-key KEY        RPC password (default: random)
  --blocks N           blocks of wallet activity to generate (default 0; funding and segwit
                       activation come first when N > 0 or --segwit is given)
  --txs-per-block K    transactions per generated block (default 5)
  --segwit             mine to the segwit activation height even without --blocks
  --seed S             seed of the wallet keys and the activity (default 1)
  --log-level LEVEL    bcoin log level: error, warning, info, debug (default warning)
  --help               this text`;

const cli: ScriptCli = new ScriptCli("regtest_node", USAGE);

async function main(): Promise<void> {
  const values = cli.parse({
    "data-dir": { type: "string" },
    port: { type: "string" },
    "api-key": { type: "string" },
    blocks: { type: "string" },
    "txs-per-block": { type: "string" },
    segwit: { type: "boolean" },
    seed: { type: "string" },
    "log-level": { type: "string" },
    help: { type: "boolean" },
  });
  const blocks = cli.wholeNumber(values.blocks, "blocks", 0);
  const txsPerBlock = cli.wholeNumber(values["txs-per-block"], "txs-per-block", 5);
  const seed = cli.wholeNumber(values.seed, "seed", 1);
  const port = values.port === undefined ? undefined : cli.wholeNumber(values.port, "port", 0);
  const logLevel = values["log-level"] ?? "warning";
  if (!["error", "warning", "info", "debug", "spam"].includes(logLevel)) {
    cli.fail(`unknown --log-level ${logLevel}`);
  }

  const options: RegtestNodeOptions = {
    dataDir: values["data-dir"],
    port,
    apiKey: values["api-key"],
    logLevel: logLevel as RegtestNodeOptions["logLevel"],
  };
  const node = await startRegtestNode(options);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= node.stop());
  const onSignal = () => {
    stop().then(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    console.error(`bcoin regtest node on port ${node.port}, data in ${node.dataDir}`);
    if (blocks > 0 || values.segwit) {
      const wallet = new Wallet(node, { seed: `regtest_node seed ${seed}` });
      const started = performance.now();
      if (blocks > 0) {
        const summary = await generateActivity(wallet, {
          blocks,
          txsPerBlock,
          seed,
          onBlock: (height, txs) => {
            if (height % 50 === 0) {
              console.error(`  height ${height} (${txs} txs in the last block)`);
            }
          },
        });
        console.error(
          `generated ${summary.blocks} blocks, ${summary.transactions} transactions ` +
            `(${summary.viaMempool} through the mempool) in ${
              ((performance.now() - started) / 1000).toFixed(1)
            } s; height ${summary.height}`,
        );
      } else {
        await node.activateSegwit();
        console.error(`segwit active at height ${await node.getHeight()}`);
      }
    }
    console.log(`DAEMON_URL=${node.rpcUrl}`);
    console.error("running; Ctrl-C to stop");
  } catch (error) {
    await stop();
    throw error;
  }
  // Stay up until a signal stops the node.
  await new Promise<never>(() => {});
}

if (import.meta.main) {
  await main();
}
