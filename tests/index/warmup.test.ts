/** The startup warm-up runs the live-block path on a throwaway index and leaves nothing. */
import assert from "node:assert/strict";
import { NETWORKS } from "../../src/chain/networks.ts";
import { warmLiveBlockPath } from "../../src/index/warmup.ts";

async function warmupDirectories(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(Deno.env.get("TMPDIR") ?? "/tmp")) {
    if (entry.name.startsWith("electrumx-warmup-")) names.push(entry.name);
  }
  return names;
}

Deno.test("the live-block warm-up applies synthetic blocks and removes its index", async () => {
  const before = await warmupDirectories();
  const { transactions } = await warmLiveBlockPath(NETWORKS.regtest, { blocks: 4, txCount: 500 });
  assert.equal(transactions, 1 + 4 * 500, "every synthetic block was applied");
  assert.deepEqual(await warmupDirectories(), before);
});
