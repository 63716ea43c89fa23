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
 * Each UTXO run has a Bloom filter of its outpoints in memory (outpoint_filter.ts), so a spend
 * reads only the runs that may hold its output: one, mostly.
 * A row is rewritten once per level, so the work per transaction grows with the logarithm of
 * the chain, not with the chain. When the sync catches up, `finalize` merges everything into
 * the history, utxo and outpoint tables (appends into empty tables on a first sync).
 *
 * Runs live in the index file, each flush's in the flush's transaction, so a crash leaves the
 * runs of the last committed flush and a restart carries on from them. While a flush writer
 * (flush_writer.ts) merges on its own connection, the merged runs leave the manifest at once
 * but their tables stay until the indexer has stopped reading them; tables of no run (a crash
 * in between) are dropped on opening. The catch-up copies the history runs into the history
 * table by ranges of scripts, deleting each range from the runs as it goes, so the table takes
 * the pages the runs free instead of growing the file by their size again.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulkStatement } from "./bulk_statement.ts";
import { HASHX_LENGTH } from "../chain/script.ts";
import { outpointOrder, type UtxoColumns } from "./flush_payload.ts";
import { OutpointFilter, type OutpointFilterBits } from "./outpoint_filter.ts";
import type { HistoryRows, RowWriter, UtxoEntry } from "./row_writer.ts";

/** The manifest of runs; tx_end: the tx count a run's data reaches. */
export const RUNS_TABLE = `CREATE TABLE IF NOT EXISTS runs (
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
  return `${kind}_run_${id}`;
}

/** Scripts per range of the catch-up's history copy, by the first hashX byte. */
const FINAL_HISTORY_STEP = 16;

function hexByte(value: number): string {
  return value.toString(16).padStart(2, "0");
}

/** A candidate output of an outpoint lookup: tx number, script, value. */
export type OutpointCandidate = [txNum: number, hashX: Uint8Array, value: number];

interface ArrayRows {
  setReturnArrays(enabled: boolean): void;
}

/** Sizes of what a flush or the catch-up wrote, for the log. */
/** Filters of UTXO runs by run id, as built on one connection and adopted by another. */
export type RunFilters = [id: number, bits: OutpointFilterBits][];

export interface RunStats {
  historyRuns: number;
  utxoRuns: number;
  /** Rows rewritten by the last merges. */
  mergedRows: number;
}

/**
 * The runs of an index's initial sync. Methods that write run inside the caller's transaction
 * unless said otherwise.
 */
export class SyncRuns {
  readonly #db: DatabaseSync;
  readonly #runs: Record<RunKind, Run[]> = { history: [], utxo: [] };
  #nextId = 1;
  /** Per UTXO run: its outpoints' filter and its lookup statement (made on first use). */
  readonly #filters = new Map<number, OutpointFilter>();
  readonly #lookups = new Map<number, StatementSync>();
  /** The final tables' outpoint lookup, while they have rows (a sync stacked on them). */
  #finalLookup: StatementSync | undefined;
  #historyFrom: StatementSync | undefined;
  #mergedRows = 0;
  /**
   * Tables of runs merged away but not dropped yet: another connection may still be reading
   * them (the indexer's, while a flush writer merges; flush_writer.ts).
   */
  #retired: string[] = [];

  /** The runs of `db`; drops tables of no run, left by a crash between a merge and its drop. */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#load();
    const listed = new Set(
      this.#runs.history.map(({ id }) => tableName("history", id))
        .concat(this.#runs.utxo.map(({ id }) => tableName("utxo", id))),
    );
    const orphans = (db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB '*_run_*'",
    ).all() as { name: string }[]).map(({ name }) => name).filter((name) => !listed.has(name));
    if (orphans.length > 0) {
      this.#transaction(() => {
        for (const name of orphans) db.exec(`DROP TABLE IF EXISTS ${name}`);
      });
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

  /** Reads the manifest into memory. */
  #load(): void {
    const rows = this.#db.prepare("SELECT id, kind, level, rows, tx_end FROM runs ORDER BY id")
      .all() as { id: number; kind: RunKind; level: number; rows: number; tx_end: number }[];
    this.#runs.history = [];
    this.#runs.utxo = [];
    for (const { id, kind, level, rows: count, tx_end: txEnd } of rows) {
      this.#runs[kind].push({ id, level, rows: count, txEnd });
      this.#nextId = Math.max(this.#nextId, id + 1);
    }
    this.#changed("history");
    this.#changed("utxo");
    // Runs of an earlier process (a restart mid-sync) have no filter in memory yet.
    for (const run of this.#runs.utxo) {
      if (!this.#filters.has(run.id)) this.#filters.set(run.id, this.#scanFilter(run));
    }
    this.#prepareFinalLookup();
  }

  /** The final tables are read by spends only once they have rows (a sync stacked on them). */
  #prepareFinalLookup(): void {
    this.#finalLookup = this.#db.prepare("SELECT 1 FROM outpoint LIMIT 1").get()
      ? this.#prepareArrays(
        "SELECT o.tx_num, o.hashx, u.value FROM outpoint o JOIN utxo u " +
          "ON u.hashx = o.hashx AND u.tx_num = o.tx_num AND u.vout = o.vout " +
          "WHERE o.prefix = ? AND o.vout = ?",
      )
      : undefined;
  }

  /**
   * The filters of the UTXO runs newer than run `id` (ids only grow), for another connection
   * to adopt.
   */
  filtersAfter(id: number): RunFilters {
    return this.#runs.utxo.filter((run) => run.id > id)
      .map((run) => [run.id, this.#filters.get(run.id)!.bits]);
  }

  /** Takes the filters of runs another connection wrote (before {@link reload}). */
  adoptFilters(filters: RunFilters): void {
    for (const [id, bits] of filters) this.#filters.set(id, new OutpointFilter(bits));
  }

  /** Memory held by the runs' filters, in bytes. */
  get filterBytes(): number {
    let bytes = 0;
    for (const filter of this.#filters.values()) bytes += filter.bytes;
    return bytes;
  }

  /** Builds the filter of a UTXO run from its table. */
  #scanFilter(run: Run): OutpointFilter {
    const filter = new OutpointFilter(run.rows);
    const keys = this.#prepareArrays(`SELECT prefix, vout FROM ${tableName("utxo", run.id)}`);
    for (const [prefix, vout] of keys.iterate() as Iterable<[number, number]>) {
      filter.add(prefix, vout);
    }
    return filter;
  }

  /** Reads the runs again after another connection wrote some (a flush writer). */
  reload(): void {
    this.#load();
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
    };
  }

  /**
   * Writes a flush's history rows and UTXO changes (outputs created and left unspent, outputs
   * of earlier flushes spent) as new runs reaching tx count `txEnd`.
   */
  append(history: HistoryRows, adds: UtxoColumns, spends: UtxoColumns, txEnd: number): void {
    this.#appendHistory(history, txEnd);
    this.#appendUtxos(adds, spends, txEnd);
  }

  /**
   * Merges runs as due, in a transaction of its own. The merged runs leave the manifest at
   * once; their tables stay until {@link dropRetired}, for readers of the old manifest.
   */
  compact(): void {
    this.#mergedRows = 0;
    this.#transaction(() => {
      this.#compact("history");
      this.#compact("utxo");
    });
  }

  /**
   * Drops the tables of runs merged away, once no reader has them in its manifest, in a
   * transaction of its own.
   */
  dropRetired(): void {
    if (this.#retired.length === 0) return;
    const retired = this.#retired;
    this.#retired = [];
    this.#transaction(() => {
      for (const table of retired) this.#db.exec(`DROP TABLE IF EXISTS ${table}`);
    });
  }

  #appendHistory(rows: HistoryRows, txEnd: number): void {
    const history = this.#create("history", txEnd);
    const historyRows = new BulkStatement(
      this.#db,
      (values) => `INSERT INTO ${tableName("history", history.id)} VALUES ${values}`,
      "(?, ?, ?)",
    );
    rows((hashX, txNum, more) => {
      historyRows.add(hashX, txNum, more);
      history.rows++;
    });
    historyRows.finish();
    this.#record("history", history);
  }

  #appendUtxos(adds: UtxoColumns, spends: UtxoColumns, txEnd: number): void {
    const utxo = this.#create("utxo", txEnd);
    const utxoRows = new BulkStatement(
      this.#db,
      (values) => `INSERT INTO ${tableName("utxo", utxo.id)} VALUES ${values}`,
      "(?, ?, ?, ?, ?)",
    );
    // Created outputs and tombstones of spent ones, merged into one key order. Their keys
    // differ: a spent output belongs to an earlier flush, so its tx number is another.
    const addOrder = outpointOrder(adds);
    const spendOrder = outpointOrder(spends);
    const row = (columns: UtxoColumns, i: number, value: number) =>
      utxoRows.add(
        columns.prefixes[i],
        columns.vouts[i],
        columns.txNums[i],
        columns.hashXs.subarray(i * HASHX_LENGTH, (i + 1) * HASHX_LENGTH),
        value,
      );
    let a = 0;
    let s = 0;
    while (a < addOrder.length || s < spendOrder.length) {
      const add = addOrder[a];
      const spend = spendOrder[s];
      const takeAdd = s === spendOrder.length ||
        (a < addOrder.length &&
          (adds.prefixes[add] - spends.prefixes[spend] || adds.vouts[add] - spends.vouts[spend] ||
              adds.txNums[add] - spends.txNums[spend]) < 0);
      if (takeAdd) {
        row(adds, add, adds.values[add]);
        a++;
      } else {
        row(spends, spend, TOMBSTONE);
        s++;
      }
    }
    utxoRows.finish();
    utxo.rows = addOrder.length + spendOrder.length;
    const filter = new OutpointFilter(utxo.rows);
    for (const columns of [adds, spends]) {
      for (let i = 0; i < columns.vouts.length; i++) {
        filter.add(columns.prefixes[i], columns.vouts[i]);
      }
    }
    this.#filters.set(utxo.id, filter);
    this.#record("utxo", utxo);
  }

  /**
   * Unspent candidates for the outpoint (txid prefix, output index): outputs of the runs and
   * of the final tables that no newer run spent. Prefixes collide; the caller checks txids.
   */
  outpointCandidates(prefix: number, vout: number): OutpointCandidate[] {
    let rows: OutpointCandidate[] = [];
    const runs = this.#runs.utxo;
    for (let i = runs.length - 1; i >= 0; i--) {
      const { id } = runs[i];
      if (!this.#filters.get(id)!.mayHave(prefix, vout)) continue;
      let lookup = this.#lookups.get(id);
      if (!lookup) {
        lookup = this.#prepareArrays(
          `SELECT tx_num, hashx, value FROM ${tableName("utxo", id)} WHERE prefix = ? AND vout = ?`,
        );
        this.#lookups.set(id, lookup);
      }
      const found = lookup.all(prefix, vout) as unknown as OutpointCandidate[];
      rows = rows.length === 0 ? found : rows.concat(found);
    }
    if (this.#finalLookup) {
      rows = rows.concat(this.#finalLookup.all(prefix, vout) as unknown as OutpointCandidate[]);
    }
    if (rows.length <= 1) return rows[0]?.[2] === TOMBSTONE ? [] : rows;
    const spent = new Set<number>();
    for (const [txNum, , value] of rows) if (value === TOMBSTONE) spent.add(txNum);
    return rows.filter(([txNum, , value]) => value !== TOMBSTONE && !spent.has(txNum));
  }

  /** A statement that returns rows as arrays. */
  #prepareArrays(sql: string): StatementSync {
    const statement = this.#db.prepare(sql);
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
    return this.#prepareArrays(
      this.#runs.history.map(({ id }) =>
        `SELECT * FROM (SELECT tx_num, more FROM ${tableName("history", id)} ` +
        "WHERE hashx = ? AND tx_num >= ? ORDER BY tx_num)"
      ).join(" UNION ALL "),
    );
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
   * Moves everything into the final tables and drops the runs: history rows and unspent
   * outputs streamed in key order from all runs at once (appended, into empty tables on a
   * first sync); outputs of the final tables that the runs spent deleted through `writer`.
   */
  finalize(writer: RowWriter): void {
    const db = this.#db;
    const history = this.#runs.history;
    for (let low = 0; low < 256 && history.length > 0; low += FINAL_HISTORY_STEP) {
      const high = low + FINAL_HISTORY_STEP;
      const range = `hashx >= x'${hexByte(low)}'` +
        (high < 256 ? ` AND hashx < x'${hexByte(high)}'` : "");
      db.exec(
        "INSERT INTO history (hashx, tx_num, more) " +
          this.#ordered("history", history, `WHERE ${range}`),
      );
      for (const { id } of history) {
        db.exec(`DELETE FROM ${tableName("history", id)} WHERE ${range}`);
      }
    }
    const utxo = this.#runs.utxo;
    if (utxo.length > 0) this.#finalizeUtxos(writer, utxo);
    this.#drop("history", this.#runs.history);
    this.#drop("utxo", this.#runs.utxo);
    for (const table of this.#retired) db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.#retired = [];
    this.#prepareFinalLookup();
  }

  #finalizeUtxos(writer: RowWriter, utxo: readonly Run[]): void {
    const db = this.#db;
    // Outputs and the tombstones of their spends cancel: what is left is unspent, or the
    // tombstone of an output in the final tables.
    const merged = `SELECT prefix, vout, tx_num, hashx, value FROM (${
      this.#ordered("utxo", utxo)
    }) GROUP BY prefix, vout, tx_num HAVING count(*) = 1`;
    if (db.prepare("SELECT 1 FROM outpoint LIMIT 1").get()) {
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
      "INSERT INTO outpoint (prefix, vout, tx_num, hashx) " +
        `SELECT prefix, vout, tx_num, hashx FROM (${merged}) WHERE value >= 0`,
    );
    // The utxo table's order is by script: SQLite sorts, spilling to temporary files rather
    // than memory (temp_store is MEMORY for the index's small temporary tables).
    db.exec("PRAGMA temp_store = FILE");
    try {
      db.exec(
        "INSERT INTO utxo (hashx, tx_num, vout, value) " +
          `SELECT hashx, tx_num, vout, value FROM (${merged}) WHERE value >= 0 ` +
          "ORDER BY hashx, tx_num, vout",
      );
    } finally {
      db.exec("PRAGMA temp_store = MEMORY");
    }
  }

  /**
   * The rows of `runs` merged in key order by SQLite as they stream: one ordered arm per run,
   * no sort and no temporary B-tree.
   */
  #ordered(kind: RunKind, runs: readonly Run[], where = ""): string {
    const { names, key } = COLUMNS[kind];
    return runs.map(({ id }) => `SELECT ${names} FROM ${tableName(kind, id)} ${where}`)
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
      "INSERT INTO runs (id, kind, level, rows, tx_end) VALUES (?, ?, ?, ?, ?)",
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
    this.#db.prepare("DELETE FROM runs WHERE id = ?").run(id);
  }

  /** Forgets what belonged to runs no longer listed. */
  #changed(kind: RunKind): void {
    if (kind === "history") {
      this.#historyFrom = undefined;
      return;
    }
    const listed = new Set(this.#runs.utxo.map(({ id }) => id));
    for (const id of this.#filters.keys()) if (!listed.has(id)) this.#filters.delete(id);
    for (const id of this.#lookups.keys()) if (!listed.has(id)) this.#lookups.delete(id);
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
    if (kind === "utxo") this.#filters.set(merged.id, this.#scanFilter(merged));
    for (const { id } of inputs) {
      this.#db.prepare("DELETE FROM runs WHERE id = ?").run(id);
      this.#retired.push(tableName(kind, id));
    }
    const merging = new Set(inputs.map(({ id }) => id));
    this.#runs[kind] = this.#runs[kind].filter(({ id }) => !merging.has(id));
    this.#record(kind, merged);
  }
}
