/**
 * The maintainer on a real index file: from its own thread it checkpoints committed WAL frames
 * into the database while the store stays usable, merges requests made while a round runs,
 * and refuses work once closed. (Its journal merges: journal.test.ts.)
 */
import assert from "node:assert/strict";
import { NETWORKS } from "../../src/chain/networks.ts";
import { IndexMaintainer } from "../../src/index/maintainer.ts";
import { IndexStore } from "../../src/index/store.ts";
import { silentLogger } from "../../src/log.ts";

Deno.test("maintenance rounds run on their own thread and merge while one runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "electrumx-maintainer-" });
  const store = IndexStore.open(dir, NETWORKS.regtest);
  const maintainer = new IndexMaintainer(store.path, silentLogger());
  try {
    store.markSynced(); // a commit: WAL frames to copy
    assert.ok(Deno.statSync(`${store.path}-wal`).size > 0, "the commit is in the WAL");
    const first = await maintainer.request();
    assert.ok(first.walTruncated, "copied into the database");
    assert.equal(Deno.statSync(`${store.path}-wal`).size, 0, "and the WAL emptied");
    assert.deepEqual(first.merged, { seq: 0, blocks: 0 }, "nothing journaled, nothing merged");

    const running = maintainer.request();
    const queued = maintainer.request();
    assert.notEqual(running, queued, "a request during a round waits for the next one");
    assert.equal(maintainer.request(), queued, "and later ones share it");
    assert.equal(store.height, -1, "the store reads meanwhile");
    await maintainer.idle();
    await Promise.all([running, queued]);
  } finally {
    await maintainer.close();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(maintainer.request(), /maintainer is closed/);
});
