/**
 * The initial sync's write path: each flush appends its rows as new sorted tables ("runs")
 * instead of inserting them into the big script- and txid-keyed tables. Those keys are random,
 * so a flush into tables that grow with the chain dirtied pages across the whole of each one:
 * its cost grew with the index (flushes of 15 s at 2M transactions, 51 s at 20M). A run is
 * written in key order into an empty table, so its pages are appended, and the cost of a flush
 * follows the flush alone.
 *
 * - History runs (`history_run_N`): the flush's history rows, as in the history table.
 * - UTXO runs (`utxo_run_N`, keyed by outpoint like the outpoint table, with the value): the
 *   outputs a flush created and left unspent, and tombstones (value -1) for the outputs of
 *   earlier flushes it spent. A spend looks its output up in every run, newest first, and in
 *   the final tables (below the runs), in one statement.
 *
 * Runs are merged as they accumulate (size-tiered, like an LSM tree): when the newest runs of
 * one kind include FANOUT of the same level, they become one run of the next level, in key
 * order by SQLite's merge of ordered arms, an output and its tombstone cancelling each other.
 * A row is rewritten once per level, so the work per transaction grows with the logarithm of
 * the chain, not with the chain. When the sync catches up, `finalize` merges everything into
 * the history, utxo and outpoint tables (appends into empty tables on a first sync).
 *
 * The runs live in a file of their own beside the index (RUNS_FILE, attached to the index's
 * connection as `runs`), deleted once they are merged: dropped tables would leave the index
 * file with as many free pages as the runs took. SQLite commits two files atomically only
 * with a rollback journal, so a flush takes three transactions, and the index file's state
 * says which runs count: (1) the new runs, each with the tx count it reaches, in the runs
 * file; (2) headers, txids, undo records and the new tx count in the index file; (3) merges
 * of runs, all of committed flushes. On opening, runs beyond the index's tx count (a crash
 * between 1 and 2) or at or below the tx count the index says it merged runs to (a crash
 * after the final merge) are dropped.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulkStatement } from "./bulk_statement.ts";
import { inOutpointOrder, type RowWriter, type ScriptRows, type UtxoEntry } from "./row_writer.ts";

/** The runs file, beside the index file. */
export const RUNS_FILE = "electrumx-sync-runs.sqlite";

/** The manifest of runs, in the runs file; tx_end: the tx count the run's data reaches. */
const MANIFEST = `CREATE TABLE IF NOT EXISTS runs.manifest (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, level INTEGER NOT NULL, rows INTEGER NOT NULL,
  tx_end INTEGER NOT NULL) STRICT`;

type RunKind = "history" | "utxo";

interface Run {
  id: number;
  level: number;
  rows: number;
  txEnd: number;
}

/**
 * Runs of one level merged into one. UTXO runs are read by every spend on disk, so few of
 * them; history runs only by the admin `query` during the sync and by the final merge.
 */
const FANOUT: Record<RunKind, number> = { history: 8, utxo: 4 };

/** Value of a tombstone row: the output of an older run or the final tables is spent. */
const TOMBSTONE = -1;

const COLUMNS: Record<RunKind, { create: string; names: string; key: string }> = {
  history: {
    create: "hashx BLOB NOT NULL, tx_num INTEGER NOT NULL, more BLOB NOT NULL, " +
      "PRIMARY KEY (hashx, tx_num)",
    names: "hashx, tx_num, more",
    key: "hashx, tx_num",
  },
  utxo: {
    create: "prefix INTEGER NOT NULL, vout INTEGER NOT NULL, tx_num INTEGER NOT NULL, " +
      "hashx BLOB NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (prefix, vout, tx_num)",
    names: "prefix, vout, tx_num, hashx, value",
    key: "prefix, vout, tx_num",
  },
};

function tableName(kind: RunKind, id: number): string {
  return `runs.${kind}_run_${id}`;
}

/** A candidate output of an outpoint lookup: tx number, script, value. */
export type OutpointCandidate = [txNum: number, hashX: Uint8Array, value: number];

interface ArrayRows {
  setReturnArrays(enabled: boolean): void;
}

/** Sizes of what a flush or the catch-up wrote, for the log. */
export interface RunStats {
  historyRuns: number;
  utxoRuns: number;
  /** Rows rewritten by merges in the last flush. */
  mergedRows: number;
  /** Seconds the last flush spent writing its runs, and merging runs. */
  writeSeconds: number;
  mergeSeconds: number;
}

/**
 * The runs of an index's initial sync, in the runs file attached to the index's connection.
 * Writing methods take their own transaction on the runs file unless said otherwise.
 */
export class SyncRuns {
  readonly #db: DatabaseSync;
  readonly #runs: Record<RunKind, Run[]> = { history: [], utxo: [] };
  #nextId = 1;
  #lookup: StatementSync | undefined;
  #historyFrom: StatementSync | undefined;
  #mergedRows = 0;
  #writeSeconds = 0;
  #mergeSeconds = 0;

  /**
   * Attaches the runs file at `path` to `db`, keeping the runs of committed flushes: those
   * reaching at most `txCount` and beyond `mergedTo` (see the module comment).
   */
  constructor(db: DatabaseSync, path: string, txCount: number, mergedTo: number) {
    this.#db = db;
    db.prepare("ATTACH DATABASE ? AS runs").run(path);
    db.exec("PRAGMA runs.journal_mode = WAL");
    // Each attached file has its own page cache (SQLite's default is 2 MB): during the sync
    // the runs are where the reads go, so they get the index's budget.
    const { cache_size: cacheSize } = db.prepare("PRAGMA main.cache_size").get() as {
      cache_size: number;
    };
    db.exec(`PRAGMA runs.cache_size = ${cacheSize}`);
    // The runs must be on disk before the index file's commit that counts them.
    db.exec("PRAGMA runs.synchronous = FULL");
    db.exec(MANIFEST);
    const rows = db.prepare("SELECT id, kind, level, rows, tx_end FROM runs.manifest ORDER BY id")
      .all() as { id: number; kind: RunKind; level: number; rows: number; tx_end: number }[];
    const stale: [RunKind, Run][] = [];
    for (const { id, kind, level, rows: count, tx_end: txEnd } of rows) {
      const run = { id, level, rows: count, txEnd };
      if (txEnd > txCount || txEnd <= mergedTo) stale.push([kind, run]);
      else this.#runs[kind].push(run);
      this.#nextId = id + 1;
    }
    if (stale.length > 0) {
      this.#transaction(() => {
        for (const [kind, run] of stale) this.#dropTable(kind, run.id);
      });
    }
  }

  /** Detaches the runs file and deletes it (once merged into the final tables). */
  static discard(db: DatabaseSync, path: string): void {
    if (db.prepare("SELECT 1 FROM pragma_database_list WHERE name = 'runs'").get()) {
      db.exec("DETACH DATABASE runs");
    }
    for (const suffix of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(path + suffix);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
  }

  #transaction(body: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      body();
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** True while any run is waiting to be merged into the final tables. */
  get active(): boolean {
    return this.#runs.history.length > 0 || this.#runs.utxo.length > 0;
  }

  /** Names of the history runs' tables, oldest first. */
  get historyTables(): string[] {
    return this.#runs.history.map(({ id }) => tableName("history", id));
  }

  get stats(): RunStats {
    return {
      historyRuns: this.#runs.history.length,
      utxoRuns: this.#runs.utxo.length,
      mergedRows: this.#mergedRows,
      writeSeconds: this.#writeSeconds,
      mergeSeconds: this.#mergeSeconds,
    };
  }

  /**
   * Writes a flush's history and UTXO changes as new runs reaching tx count `txEnd`, in one
   * transaction (step 1 of a flush). Returns their ids, for {@link dropRuns} if the index
   * file's commit fails.
   */
  append(rows: ScriptRows, txEnd: number): number[] {
    this.#mergedRows = 0;
    this.#mergeSeconds = 0;
    const started = performance.now();
    const ids: number[] = [];
    this.#transaction(() => {
      this.#write(rows, txEnd);
      ids.push(this.#newest("history").id, this.#newest("utxo").id);
    });
    this.#writeSeconds = (performance.now() - started) / 1000;
    return ids;
  }

  /** Drops runs of a flush the index file did not commit. */
  dropRuns(ids: readonly number[]): void {
    this.#transaction(() => {
      for (const kind of ["history", "utxo"] as const) {
        this.#drop(kind, this.#runs[kind].filter((run) => ids.includes(run.id)));
      }
    });
  }

  /** Merges runs as due (step 3 of a flush). */
  compact(): void {
    const started = performance.now();
    this.#transaction(() => {
      this.#compact("history");
      this.#compact("utxo");
    });
    this.#mergeSeconds = (performance.now() - started) / 1000;
  }

  #newest(kind: RunKind): Run {
    return this.#runs[kind][this.#runs[kind].length - 1];
  }

  #write(rows: ScriptRows, txEnd: number): void {
    const history = this.#create("history", txEnd);
    const historyRows = new BulkStatement(
      this.#db,
      (values) => `INSERT INTO ${tableName("history", history.id)} VALUES ${values}`,
      "(?, ?, ?)",
    );
    rows.history((hashX, txNum, more) => {
      historyRows.add(hashX, txNum, more);
      history.rows++;
    });
    historyRows.finish();
    this.#record("history", history);

    const utxo = this.#create("utxo", txEnd);
    const utxoRows = new BulkStatement(
      this.#db,
      (values) => `INSERT INTO ${tableName("utxo", utxo.id)} VALUES ${values}`,
      "(?, ?, ?, ?, ?)",
    );
    // Created outputs and tombstones of spent ones, merged into one key order. Their keys
    // differ: a spent output belongs to an earlier flush, so its tx number is another.
    const adds = inOutpointOrder(rows.utxoAdds);
    const spends = inOutpointOrder(rows.utxoSpends);
    let a = 0;
    let s = 0;
    while (a < adds.length || s < spends.length) {
      const add = adds[a];
      const spend = spends[s];
      const takeAdd = spend === undefined ||
        (add !== undefined &&
          (add.prefix - spend.prefix || add.vout - spend.vout || add.txNum - spend.txNum) < 0);
      if (takeAdd) {
        utxoRows.add(add.prefix, add.vout, add.txNum, add.hashX, add.value);
        a++;
      } else {
        utxoRows.add(spend.prefix, spend.vout, spend.txNum, spend.hashX, TOMBSTONE);
        s++;
      }
    }
    utxoRows.finish();
    utxo.rows = adds.length + spends.length;
    this.#record("utxo", utxo);
  }

  /**
   * Unspent candidates for the outpoint (txid prefix, output index): outputs of the runs and
   * of the final tables that no newer run spent. Prefixes collide; the caller checks txids.
   */
  outpointCandidates(prefix: number, vout: number): OutpointCandidate[] {
    this.#lookup ??= this.#prepareLookup();
    const rows = this.#lookup.all(prefix, vout) as unknown as OutpointCandidate[];
    if (rows.length <= 1) return rows[0]?.[2] === TOMBSTONE ? [] : rows;
    const spent = new Set<number>();
    for (const [txNum, , value] of rows) if (value === TOMBSTONE) spent.add(txNum);
    return rows.filter(([txNum, , value]) => value !== TOMBSTONE && !spent.has(txNum));
  }

  #prepareLookup(): StatementSync {
    const arms = this.#runs.utxo.toReversed().map(({ id }) =>
      `SELECT tx_num, hashx, value FROM ${tableName("utxo", id)} WHERE prefix = ?1 AND vout = ?2`
    );
    arms.push(
      "SELECT o.tx_num, o.hashx, u.value FROM outpoint o JOIN utxo u " +
        "ON u.hashx = o.hashx AND u.tx_num = o.tx_num AND u.vout = o.vout " +
        "WHERE o.prefix = ?1 AND o.vout = ?2",
    );
    const statement = this.#db.prepare(arms.join(" UNION ALL "));
    (statement as unknown as ArrayRows).setReturnArrays(true);
    return statement;
  }

  /**
   * History rows of a script in the runs from tx number `from` on, in chain order: older
   * runs hold only older transactions, since runs merge only with their neighbours.
   */
  historyRows(hashX: Uint8Array, from: number): [txNum: number, more: Uint8Array][] {
    if (this.#runs.history.length === 0) return [];
    this.#historyFrom ??= this.#prepareHistory();
    const params = this.#runs.history.flatMap(() => [hashX, from]);
    return this.#historyFrom.all(...params) as unknown as [number, Uint8Array][];
  }

  #prepareHistory(): StatementSync {
    const statement = this.#db.prepare(
      this.#runs.history.map(({ id }) =>
        `SELECT * FROM (SELECT tx_num, more FROM ${tableName("history", id)} ` +
        "WHERE hashx = ? AND tx_num >= ? ORDER BY tx_num)"
      ).join(" UNION ALL "),
    );
    (statement as unknown as ArrayRows).setReturnArrays(true);
    return statement;
  }

  /**
   * A script's outputs in the runs: those created (unspent so far) and the keys of those spent
   * (tombstones, of outputs in older runs or the final tables). The runs have no script index,
   * so each is scanned: for the admin `query` during a sync only.
   */
  scriptOutputs(hashX: Uint8Array): { created: UtxoEntry[]; spent: Set<string> } {
    const created: UtxoEntry[] = [];
    const spent = new Set<string>();
    for (const { id } of this.#runs.utxo) {
      const rows = this.#db.prepare(
        `SELECT tx_num, vout, value FROM ${tableName("utxo", id)} WHERE hashx = ?`,
      ).all(hashX) as { tx_num: number; vout: number; value: number }[];
      for (const { tx_num: txNum, vout, value } of rows) {
        if (value === TOMBSTONE) spent.add(`${txNum}:${vout}`);
        else created.push({ hashX, txNum, vout, value });
      }
    }
    return { created: created.filter((o) => !spent.has(`${o.txNum}:${o.vout}`)), spent };
  }

  /**
   * Moves everything into the final tables, inside the caller's transaction on the index file
   * (which records the tx count merged to): history rows and unspent outputs streamed in key
   * order from all runs at once (appended, into empty tables on a first sync); outputs of the
   * final tables that the runs spent deleted through `writer`. The caller then drops the runs
   * ({@link clear}) or the whole file.
   */
  finalize(writer: RowWriter): void {
    const db = this.#db;
    const history = this.#runs.history;
    if (history.length > 0) {
      db.exec(
        `INSERT INTO main.history (hashx, tx_num, more) ` +
          this.#ordered("history", history),
      );
    }
    const utxo = this.#runs.utxo;
    if (utxo.length === 0) return;
    // Outputs and the tombstones of their spends cancel: what is left is unspent, or the
    // tombstone of an output in the final tables.
    const merged = `SELECT prefix, vout, tx_num, hashx, value FROM (${
      this.#ordered("utxo", utxo)
    }) GROUP BY prefix, vout, tx_num HAVING count(*) = 1`;
    if (db.prepare("SELECT 1 FROM main.outpoint LIMIT 1").get()) {
      const tombstones = db.prepare(
        `SELECT prefix, vout, tx_num, hashx FROM (${merged}) WHERE value = ${TOMBSTONE}`,
      ).all() as { prefix: number; vout: number; tx_num: number; hashx: Uint8Array }[];
      writer.write({
        history: () => {},
        utxoAdds: [],
        utxoSpends: tombstones.map((row) => ({
          prefix: row.prefix,
          vout: row.vout,
          txNum: row.tx_num,
          hashX: row.hashx,
          value: 0,
        })),
      });
    }
    db.exec(
      `INSERT INTO main.outpoint (prefix, vout, tx_num, hashx) ` +
        `SELECT prefix, vout, tx_num, hashx FROM (${merged}) WHERE value >= 0`,
    );
    // The utxo table's order is by script: SQLite sorts, spilling to temporary files rather
    // than memory (temp_store is MEMORY for the index's small temporary tables).
    db.exec("PRAGMA temp_store = FILE");
    try {
      db.exec(
        `INSERT INTO main.utxo (hashx, tx_num, vout, value) ` +
          `SELECT hashx, tx_num, vout, value FROM (${merged}) WHERE value >= 0 ` +
          "ORDER BY hashx, tx_num, vout",
      );
    } finally {
      db.exec("PRAGMA temp_store = MEMORY");
    }
  }

  /** Drops every run (after {@link finalize} committed). */
  clear(): void {
    this.#transaction(() => {
      this.#drop("history", this.#runs.history);
      this.#drop("utxo", this.#runs.utxo);
    });
  }

  /**
   * The rows of `runs` merged in key order by SQLite as they stream: one ordered arm per run,
   * no sort and no temporary B-tree.
   */
  #ordered(kind: RunKind, runs: readonly Run[]): string {
    const { names, key } = COLUMNS[kind];
    return runs.map(({ id }) => `SELECT ${names} FROM ${tableName(kind, id)}`)
      .join(" UNION ALL ") + ` ORDER BY ${key}`;
  }

  #create(kind: RunKind, txEnd: number): Run {
    const run = { id: this.#nextId++, level: 0, rows: 0, txEnd };
    this.#db.exec(
      `CREATE TABLE ${tableName(kind, run.id)} (${COLUMNS[kind].create}) STRICT, WITHOUT ROWID`,
    );
    return run;
  }

  #record(kind: RunKind, run: Run): void {
    this.#db.prepare(
      "INSERT INTO runs.manifest (id, kind, level, rows, tx_end) VALUES (?, ?, ?, ?, ?)",
    ).run(run.id, kind, run.level, run.rows, run.txEnd);
    this.#runs[kind].push(run);
    this.#changed(kind);
  }

  #drop(kind: RunKind, runs: readonly Run[]): void {
    const ids = new Set(runs.map((run) => run.id));
    for (const id of ids) this.#dropTable(kind, id);
    this.#runs[kind] = this.#runs[kind].filter((run) => !ids.has(run.id));
    this.#changed(kind);
  }

  #dropTable(kind: RunKind, id: number): void {
    this.#db.exec(`DROP TABLE IF EXISTS ${tableName(kind, id)}`);
    this.#db.prepare("DELETE FROM runs.manifest WHERE id = ?").run(id);
  }

  #changed(kind: RunKind): void {
    if (kind === "utxo") this.#lookup = undefined;
    else this.#historyFrom = undefined;
  }

  /** Merges the newest runs while FANOUT of them share a level. */
  #compact(kind: RunKind): void {
    while (true) {
      const runs = this.#runs[kind];
      const level = runs[runs.length - 1]?.level;
      let same = 0;
      while (same < runs.length && runs[runs.length - 1 - same].level === level) same++;
      if (same < FANOUT[kind]) return;
      this.#merge(kind, same, level + 1);
    }
  }

  /** Merges the newest `count` runs of a kind into one run of `level`. */
  #merge(kind: RunKind, count: number, level: number): void {
    const runs = this.#runs[kind];
    const inputs = runs.slice(runs.length - count);
    const merged = this.#create(kind, inputs[inputs.length - 1].txEnd);
    merged.level = level;
    const { names, key } = COLUMNS[kind];
    const ordered = this.#ordered(kind, inputs);
    const target = tableName(kind, merged.id);
    if (kind === "history") {
      this.#db.exec(`INSERT INTO ${target} SELECT * FROM (${ordered})`);
    } else {
      // An output and the tombstone of its spend share their key: both go.
      this.#db.exec(
        `INSERT INTO ${target} SELECT ${names} FROM (${ordered}) ` +
          `GROUP BY ${key} HAVING count(*) = 1`,
      );
    }
    merged.rows = (this.#db.prepare("SELECT changes() AS n").get() as { n: number }).n;
    this.#mergedRows += merged.rows;
    this.#drop(kind, inputs);
    this.#record(kind, merged);
  }
}
