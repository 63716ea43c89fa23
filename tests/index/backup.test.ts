/**
 * IndexBackup on its own: a finished copy is one self-contained index file; an abandoned
 * backup, or one whose path is taken meanwhile, leaves no file of its own and touches no other.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NETWORKS } from "../../src/chain/networks.ts";
import { IndexBackup } from "../../src/index/backup.ts";
import { DATABASE_FILE } from "../../src/index/schema.ts";
import { IndexStore } from "../../src/index/store.ts";

async function withIndex(body: (dir: string, store: IndexStore) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "electrumx-backup-unit-" });
  const store = IndexStore.open(`${dir}/db`, NETWORKS.regtest);
  try {
    await body(dir, store);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const names = (dir: string): string[] => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("a backup is one self-contained index file at the store's height", async () => {
  await withIndex(async (dir, store) => {
    const result = await IndexBackup.start(store.path, `${dir}/copy.sqlite`).done;
    assert.equal(result.path, `${dir}/copy.sqlite`);
    assert.equal(result.height, store.height);
    assert.equal(result.bytes, Deno.statSync(`${dir}/copy.sqlite`).size);
    assert.deepEqual(names(dir), ["copy.sqlite", "db"]);
    const copy = new DatabaseSync(`${dir}/copy.sqlite`, { readOnly: true });
    try {
      assert.deepEqual({ ...copy.prepare("PRAGMA journal_mode").get() }, {
        journal_mode: "delete",
      });
    } finally {
      copy.close();
    }
    await Deno.mkdir(`${dir}/restored`);
    await Deno.rename(`${dir}/copy.sqlite`, `${dir}/restored/${DATABASE_FILE}`);
    const restored = IndexStore.open(`${dir}/restored`, NETWORKS.regtest);
    assert.equal(restored.height, store.height);
    restored.close();
  });
});

Deno.test("an abandoned backup leaves no file", async () => {
  await withIndex(async (dir, store) => {
    const backup = IndexBackup.start(store.path, `${dir}/copy.sqlite`);
    backup.cancel("the server is stopping");
    await assert.rejects(backup.done, /backup abandoned: the server is stopping/);
    assert.deepEqual(names(dir), ["db"]);
  });
});

Deno.test("a file that appears at the path meanwhile is left alone", async () => {
  await withIndex(async (dir, store) => {
    const backup = IndexBackup.start(store.path, `${dir}/copy.sqlite`);
    await Deno.writeTextFile(`${dir}/copy.sqlite`, "mine");
    await assert.rejects(backup.done, /copy\.sqlite appeared during the backup: it was left alone/);
    assert.equal(await Deno.readTextFile(`${dir}/copy.sqlite`), "mine");
    assert.deepEqual(names(dir), ["copy.sqlite", "db"]);
  });
});
