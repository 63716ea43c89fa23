/**
 * The index's SQLite schema and how a database file is opened: pragmas for bulk writes, and
 * the checks that refuse a file made for another network or another schema version.
 */
import { DatabaseSync } from "node:sqlite";
import type { Network } from "../chain/networks.ts";
import { RUNS_TABLE } from "./sync_runs.ts";

/** Bumped whenever the layout changes; an older or newer file is refused, never rewritten. */
export const SCHEMA_VERSION = 5;

/** The database file inside DB_DIRECTORY. */
export const DATABASE_FILE = "electrumx.sqlite";

/** The file cannot be used: another network, another schema version, or not our file. */
export class IndexMismatchError extends Error {
  override name = "IndexMismatchError";
}

/**
 * Tables. Transactions are numbered globally in chain order (tx_num); scripts are identified
 * by hashX, the first 11 bytes of their SHA-256. Key-only WITHOUT ROWID tables keep rows small.
 * - headers: one row per block; tx_end is the cumulative tx count through that block.
 * - txids: internal-order txids, TXIDS_PER_CHUNK to a row (chunk = tx_num / TXIDS_PER_CHUNK),
 *   which costs about 32 bytes a transaction instead of 40 and one insert per chunk.
 * - history: per script, rows of ascending tx numbers of the transactions that pay to or
 *   spend from it (history_rows.ts): the first in tx_num, the rest delta-encoded in `more`.
 * - utxo: unspent outputs by script; outpoint: the same outputs by txid prefix and output
 *   index, so a spend finds its script (prefix = first 6 txid bytes as an integer).
 * - undo: per block of the reorg window, what is needed to unwind it without the daemon.
 * - journal: live blocks' history and UTXO rows, one entry per block, until merged into the
 *   tables above (journal.ts).
 * - runs: during the initial sync, the tables each flush's history and UTXO rows wait in until
 *   the catch-up (sync_runs.ts).
 */
const TABLES = `
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE IF NOT EXISTS headers (
  height INTEGER PRIMARY KEY, header BLOB NOT NULL, tx_end INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS txids (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS history (
  hashx BLOB NOT NULL, tx_num INTEGER NOT NULL, more BLOB NOT NULL,
  PRIMARY KEY (hashx, tx_num)) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS utxo (
  hashx BLOB NOT NULL, tx_num INTEGER NOT NULL, vout INTEGER NOT NULL, value INTEGER NOT NULL,
  PRIMARY KEY (hashx, tx_num, vout)) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outpoint (
  prefix INTEGER NOT NULL, vout INTEGER NOT NULL, tx_num INTEGER NOT NULL, hashx BLOB NOT NULL,
  PRIMARY KEY (prefix, vout, tx_num)) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS undo (height INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY, height INTEGER NOT NULL, data BLOB NOT NULL) STRICT;
${RUNS_TABLE};
`;

/** Txids per row of the txids table: 126 fill a 4 KB page with one row and no overflow. */
export const TXIDS_PER_CHUNK = 126;

/** Options for opening the index. */
export interface OpenOptions {
  network: Network;
  /** SQLite page cache budget in MB. */
  cacheMb?: number;
  readOnly?: boolean;
}

/**
 * Opens (creating if needed) the index database at `path` and checks it belongs to `network`
 * and this schema version. Nothing is written to a file that fails the checks.
 */
export function openIndexDatabase(path: string, options: OpenOptions): DatabaseSync {
  const db = new DatabaseSync(path, { readOnly: options.readOnly ?? false });
  try {
    // A new file only (it must precede the first table, and setting it writes): the free
    // pages the initial sync's runs leave behind can then be given back to the file system
    // (IndexStore.markSynced).
    if (!options.readOnly && isEmpty(db)) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    db.exec("PRAGMA journal_mode = WAL");
    configureConnection(db, options.cacheMb ?? 256);
    const version = checkIdentity(db, path, options.network, !options.readOnly);
    if (version === 4 && !options.readOnly) dropVersion4Runs(db, path);
    if (!options.readOnly) db.exec(TABLES);
    if (version !== undefined && version !== SCHEMA_VERSION) {
      // Versions 2 and 3 lacked only tables (journal, runs), which TABLES just made; version
      // 4 only the runs' format.
      db.prepare("UPDATE state SET value = ? WHERE key = 'schema_version'").run(SCHEMA_VERSION);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function isEmpty(db: DatabaseSync): boolean {
  return (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count === 0;
}

/**
 * The memory map of a served index: SQLite caps it at its build's limit. During the initial
 * sync the store turns it off: mapped pages count in the process's resident memory, and a
 * sync reads more of the file than RAM should hold for it (IndexStore).
 */
export const MMAP_BYTES = 1099511627776;

/** Settings of every connection to the index file, the indexer's and the maintainer's. */
export function configureConnection(db: DatabaseSync, cacheMb: number): void {
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA temp_store = MEMORY");
  db.exec(`PRAGMA cache_size = -${Math.max(16, cacheMb) * 1024}`);
  db.exec("PRAGMA busy_timeout = 5000");
  // Pages are read from the file's memory map instead of being copied into the page cache.
  // A commit by another connection empties this connection's cache; with the map, reading
  // the pages again costs a third as much (7,000 spent-output lookups: 88 → 66 ms after
  // another connection wrote, 150 → 71 ms cold). SQLite caps the size at its build's limit.
  db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
  // Checkpoints are the index's own business (IndexStore.checkpoint, maintainer.ts):
  // automatic ones would run inside a live block's commit, where they cost more than the
  // block (280 → 520 ms for a 3,000-tx block). This is only a backstop.
  db.exec("PRAGMA wal_autocheckpoint = 262144");
  // Once checkpointed, the WAL is cut back to this size rather than kept at its peak.
  db.exec("PRAGMA journal_size_limit = 67108864");
}

/**
 * Version 4 kept the initial sync's runs one record per row. A file between syncs has none and
 * only the manifest's columns change; one left in the middle of its initial sync cannot go on.
 */
function dropVersion4Runs(db: DatabaseSync, path: string): void {
  if (db.prepare("SELECT 1 FROM runs LIMIT 1").get()) {
    throw new IndexMismatchError(
      `${path} was left in the middle of its initial sync by an older version, whose sync ` +
        "files differ: the index must be rebuilt in a new DB_DIRECTORY",
    );
  }
  db.exec("DROP TABLE runs");
}

/** Schema versions a writable open brings up to date. */
const UPGRADABLE_VERSIONS = new Set([2, 3, 4]);

function readState(db: DatabaseSync, key: string): unknown {
  const hasState = db.prepare(
    "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'state'",
  ).get();
  if (!hasState) return undefined;
  return (db.prepare("SELECT value FROM state WHERE key = ?").get(key) as
    | { value: unknown }
    | undefined)?.value;
}

/** Refuses a file that is not this network's index of this schema; returns its version. */
function checkIdentity(
  db: DatabaseSync,
  path: string,
  network: Network,
  writable: boolean,
): unknown {
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number };
  const genesis = readState(db, "genesis");
  if (tables.n > 0 && genesis === undefined) {
    throw new IndexMismatchError(
      `${path} is not an electrumx-ts index (it has tables but no index state); ` +
        "point DB_DIRECTORY at an empty directory",
    );
  }
  if (genesis !== undefined && genesis !== network.genesisHash) {
    const name = readState(db, "network");
    throw new IndexMismatchError(
      `${path} indexes network ${name} (genesis ${genesis}), not ${network.name}: ` +
        "use another DB_DIRECTORY or set NET to match",
    );
  }
  const version = readState(db, "schema_version");
  const upgradable = writable && UPGRADABLE_VERSIONS.has(version as number);
  if (version !== undefined && version !== SCHEMA_VERSION && !upgradable) {
    throw new IndexMismatchError(
      `${path} has index schema version ${version}, this program uses ${SCHEMA_VERSION}: ` +
        "the index must be rebuilt in a new DB_DIRECTORY",
    );
  }
  return version;
}
