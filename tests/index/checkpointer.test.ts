/**
 * The background checkpointer on a real index file: it copies committed WAL frames into the
 * database from its own thread while the store stays usable, merges requests made while one
 * runs, and refuses work once closed.
 */
import assert from "node:assert/strict";
import { NETWORKS } from "../../src/chain/networks.ts";
import { BackgroundCheckpointer } from "../../src/index/checkpointer.ts";
import { IndexStore } from "../../src/index/store.ts";
import { silentLogger } from "../../src/log.ts";

Deno.test("checkpoints run on their own thread and merge while one runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "electrumx-checkpoint-" });
  const store = IndexStore.open(dir, NETWORKS.regtest);
  const checkpointer = new BackgroundCheckpointer(store.path, silentLogger());
  try {
    store.markSynced(); // a commit: WAL frames to copy
    const first = await checkpointer.request();
    assert.ok(first.walFrames > 0, "the commit left frames in the WAL");
    assert.equal(first.checkpointedFrames, first.walFrames, "all of them were copied");

    const running = checkpointer.request();
    const queued = checkpointer.request();
    assert.notEqual(running, queued, "a request during a checkpoint waits for the next one");
    assert.equal(checkpointer.request(), queued, "and later ones share it");
    assert.equal(store.height, -1, "the store reads meanwhile");
    await Promise.all([running, queued]);
  } finally {
    await checkpointer.close();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(checkpointer.request(), /checkpointer is closed/);
});
