/**
 * Opening an index file: one made for another network, of an unknown schema version, or not
 * ours at all is refused with a message that says what to do, and left byte for byte as it
 * was; a version-2 file (before the journal) is brought up to date.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NETWORKS } from "../../src/chain/networks.ts";
import {
  DATABASE_FILE,
  IndexMismatchError,
  openIndexDatabase,
  SCHEMA_VERSION,
} from "../../src/index/schema.ts";
import { IndexStore } from "../../src/index/store.ts";

async function withIndexFile(body: (path: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "electrumx-schema-" });
  try {
    IndexStore.open(dir, NETWORKS.regtest).close();
    await body(`${dir}/${DATABASE_FILE}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function edit(path: string, sql: string): void {
  const db = new DatabaseSync(path);
  db.exec(sql);
  db.close();
}

function assertRefusedUnchanged(path: string, open: () => unknown, message: RegExp): void {
  const before = Deno.readFileSync(path);
  assert.throws(open, (error: Error) => {
    assert.ok(error instanceof IndexMismatchError);
    assert.match(error.message, message);
    return true;
  });
  assert.deepEqual(Deno.readFileSync(path), before, "the file is untouched");
}

Deno.test("a file of another network is refused and left alone", () =>
  withIndexFile((path) => {
    assertRefusedUnchanged(
      path,
      () => openIndexDatabase(path, { network: NETWORKS.testnet }),
      /indexes network regtest .* not testnet: use another DB_DIRECTORY or set NET to match/,
    );
  }));

Deno.test("a file of an unknown schema version is refused and left alone", () =>
  withIndexFile((path) => {
    edit(path, "UPDATE state SET value = 99 WHERE key = 'schema_version'");
    assertRefusedUnchanged(
      path,
      () => openIndexDatabase(path, { network: NETWORKS.regtest }),
      new RegExp(
        `schema version 99, this program uses ${SCHEMA_VERSION}: the index must be rebuilt`,
      ),
    );
  }));

Deno.test("a database that is not an index is refused and left alone", () =>
  withIndexFile((path) => {
    edit(path, "DROP TABLE state");
    assertRefusedUnchanged(
      path,
      () => openIndexDatabase(path, { network: NETWORKS.regtest }),
      /is not an electrumx-ts index/,
    );
  }));

Deno.test("a version-2 file gets the journal table when opened for writing", () =>
  withIndexFile((path) => {
    edit(path, "DROP TABLE journal; UPDATE state SET value = 2 WHERE key = 'schema_version'");
    assertRefusedUnchanged(
      path,
      () => openIndexDatabase(path, { network: NETWORKS.regtest, readOnly: true }),
      /schema version 2/,
    );
    openIndexDatabase(path, { network: NETWORKS.regtest }).close();
    const db = new DatabaseSync(path, { readOnly: true });
    const version = db.prepare("SELECT value FROM state WHERE key = 'schema_version'").get();
    const journal = db.prepare("SELECT count(*) AS n FROM journal").get();
    db.close();
    assert.deepEqual({ ...version }, { value: SCHEMA_VERSION });
    assert.deepEqual({ ...journal }, { n: 0 });
  }));

/** A version-4 runs manifest, without the block indexes and filters of version 5. */
const VERSION_4_RUNS = "DROP TABLE runs; CREATE TABLE runs (id INTEGER PRIMARY KEY, " +
  "kind TEXT NOT NULL, level INTEGER NOT NULL, rows INTEGER NOT NULL, " +
  "tx_end INTEGER NOT NULL) STRICT; UPDATE state SET value = 4 WHERE key = 'schema_version'";

Deno.test("a version-4 file between syncs gets the new runs manifest; one mid-sync is refused", () =>
  withIndexFile((path) => {
    edit(path, VERSION_4_RUNS);
    openIndexDatabase(path, { network: NETWORKS.regtest }).close();
    const db = new DatabaseSync(path, { readOnly: true });
    const version = db.prepare("SELECT value FROM state WHERE key = 'schema_version'").get();
    const columns = db.prepare("SELECT name FROM pragma_table_info('runs')").all();
    db.close();
    assert.deepEqual({ ...version }, { value: SCHEMA_VERSION });
    assert.ok(columns.some((column) => column.name === "firsts"), "the new manifest");

    edit(path, `${VERSION_4_RUNS}; INSERT INTO runs VALUES (1, 'utxo', 0, 10, 10)`);
    assertRefusedUnchanged(
      path,
      () => openIndexDatabase(path, { network: NETWORKS.regtest }),
      /left in the middle of its initial sync by an older version/,
    );
  }));
