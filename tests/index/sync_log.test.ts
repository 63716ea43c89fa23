/**
 * What an operator reads during a sync: progress lines with the daemon's height, rates and an
 * ETA, flush lines, the catch-up line, then one line per live block with its apply time.
 */
import assert from "node:assert/strict";
import { writeGeneratedChain } from "../../src/bench/chain_directory.ts";
import { NETWORKS } from "../../src/chain/networks.ts";
import { IndexStore } from "../../src/index/store.ts";
import { ChainSync } from "../../src/index/sync.ts";
import { LogSink } from "../../src/log.ts";
import { withReplayDaemon } from "../support/replay.ts";

Deno.test("sync logs progress with rates and an ETA, flushes, catch-up and live blocks", async () => {
  const chainDir = await Deno.makeTempDir({ prefix: "electrumx-synclog-chain-" });
  const dbDir = await Deno.makeTempDir({ prefix: "electrumx-synclog-db-" });
  writeGeneratedChain(chainDir, { seed: 3, blocks: 60, shape: { txsPerBlock: 40 } });
  const store = IndexStore.open(dbDir, NETWORKS.regtest);
  const lines: string[] = [];
  const log = new LogSink("INFO", "%(levelname)s:%(name)s:%(message)s", (l) => lines.push(l))
    .logger("BlockProcessor");
  try {
    await withReplayDaemon(chainDir, async (daemon) => {
      const sync = new ChainSync({
        daemon,
        store,
        log,
        reorgLimit: 10,
        cacheMb: 1,
        progressEveryMs: 0,
      });
      await sync.catchUp();
      const progress = lines.filter((l) => l.includes(" of 60: "));
      assert.ok(progress.length > 0, lines.join("\n"));
      for (const line of progress) {
        assert.match(
          line,
          /^INFO:BlockProcessor:height \d+ of 60: [\d.]+ blocks\/s, [\d,]+ tx\/s, [\d.]+ MB\/s, ETA (\d+h \d\dm \d\ds|\d+m \d\ds|\d+s|unknown), RSS \d+ MB$/,
        );
      }
      assert.ok(
        lines.some((l) =>
          /^INFO:BlockProcessor:flushing \d+ blocks \([\d,]+ txs\) to height [\d,]+; [\d,]+ tx\/s since the last flush; [\d.]+s waiting for the previous one$/
            .test(l)
        ),
        lines.join("\n"),
      );
      assert.ok(
        lines.some((l) =>
          /^INFO:BlockProcessor:wrote \d+ blocks \([\d,]+ txs\) to height [\d,]+ in [\d.]+s on the flush thread \([\d,]+ spends looked up [\d.]+s, runs and blocks [\d.]+s, merges [\d.]+s of [\d,]+ rows, checkpoint [\d.]+s\); runs: \d+ history, \d+ UTXO$/
            .test(l)
        ),
        lines.join("\n"),
      );
      assert.ok(
        lines.some((l) =>
          /^INFO:BlockProcessor:caught up with the daemon at height 60; \d+ history and \d+ UTXO runs merged into the final tables in [\d.]+s \(history [\d.]+s, unspent outputs [\d.]+s, free pages returned [\d.]+s\)$/
            .test(l)
        ),
        lines.join("\n"),
      );

      // Live mode: one line per block, with its size and apply time.
      lines.length = 0;
      await daemon.call("replay_extend", [1]);
      await sync.catchUp();
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(
        lines[0],
        /^INFO:BlockProcessor:block 61 [0-9a-f]{64}: \d+ txs, applied in \d+ ms \(commit \d+ ms\)$/,
      );
    });
  } finally {
    store.close();
    await Deno.remove(chainDir, { recursive: true });
    await Deno.remove(dbDir, { recursive: true });
  }
});
