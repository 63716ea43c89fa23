/**
 * The initial sync's write path: each flush appends its rows as new sorted runs instead of
 * inserting them into the big script- and txid-keyed tables. Those keys are random, so a
 * flush into tables that grow with the chain dirtied pages across the whole of each one: its
 * cost grew with the index (flushes of 15 s at 2M transactions, 51 s at 20M). A run is
 * written in key order into a table of its own, records packed into blocks (packed_run.ts),
 * so the cost of a flush follows the flush alone and SQLite sees a row per block, not per
 * record.
 *
 * - History runs: the flush's history rows (hashX, first tx number, the rest encoded as in
 *   the history table), key hashX then tx number.
 * - UTXO runs: the outputs a flush created and left unspent, and tombstones for the outputs
 *   of earlier flushes it spent, key (txid prefix, output index, tx number). Each has a Bloom
 *   filter of its outpoints (outpoint_filter.ts), so a spend reads only the runs that may
 *   hold its output: one, mostly.
 *
 * Runs are merged as they accumulate (size-tiered, like an LSM tree): when the newest runs of
 * one kind include FANOUT of the same level, they become one run of the next level, a k-way
 * merge of their records in memory, an output and its tombstone cancelling each other. A
 * record is rewritten once per level, so the work per transaction grows with the logarithm of
 * the chain, not with the chain. When the sync catches up, `finalize` merges every run into
 * the history, utxo and outpoint tables (appends into empty tables on a first sync), joining
 * each script's rows.
 *
 * Runs live in the index file, each flush's in the flush's transaction; the manifest (table
 * `runs`) holds each run's block index and filter, so a crash leaves the runs of the last
 * committed flush and a restart, or another connection, carries on from them. While a flush
 * writer (flush_writer.ts) merges on its own connection, the merged runs leave the manifest at
 * once but their tables stay until the indexer has stopped reading them; tables of no run (a
 * crash in between) are dropped on opening.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { HASHX_LENGTH } from "../chain/script.ts";
import { BulkStatement } from "./bulk_statement.ts";
import { outpointOrder, type UtxoColumns } from "./flush_payload.ts";
import {
  HISTORY_FORMAT,
  HISTORY_MORE_AT,
  rangeStart,
  writeHistoryRecord,
} from "./history_merge.ts";
import { ChannelReader, createChannel } from "./record_channel.ts";
import { OutpointFilter } from "./outpoint_filter.ts";
import {
  BlockIndex,
  BlockWriter,
  compareBytesAt,
  createRunTable,
  getUint32,
  getUint48,
  mergeCursors,
  putUint32,
  putUint48,
  type RecordFormat,
  RunCursor,
} from "./packed_run.ts";
import type { HistoryRows, RowWriter, UtxoEntry } from "./row_writer.ts";

/**
 * The manifest of runs. tx_end: the tx count a run's data reaches; firsts: the first key of
 * each of its blocks; filter: a UTXO run's outpoint filter.
 */
export const RUNS_TABLE = `CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, level INTEGER NOT NULL, rows INTEGER NOT NULL,
  tx_end INTEGER NOT NULL, firsts BLOB NOT NULL, filter BLOB) STRICT`;

type RunKind = "history" | "utxo";

interface Run {
  id: number;
  level: number;
  /** Records held. */
  rows: number;
  txEnd: number;
  index: BlockIndex;
  filter?: OutpointFilter;
  /**
   * The UTXO block read last, and its number: the flush thread looks spends up in key order
   * (deferred_spends.ts), so consecutive lookups mostly land in the same block.
   */
  lastBlock?: { block: number; data: Uint8Array };
}

/**
 * Runs of one level merged into one. Merging costs a rewrite of every record per level, on the
 * flush thread, and twice the merged runs' room in the file while it runs; more UTXO runs cost
 * a filter probe each per spend, but history runs are read only by the admin `query` during
 * the sync and by the final merge, which takes them all at once.
 */
const FANOUT: Record<RunKind, number> = { history: 64, utxo: 8 };

/**
 * UTXO record: txid prefix (6 bytes), output index (4), tx number (6), hashX, value (8; all
 * ones for a tombstone). Key: the first 16 bytes.
 */
const UTXO_RECORD_BYTES = 16 + HASHX_LENGTH + 8;
const UTXO_FORMAT: RecordFormat = { keyBytes: 16, length: () => UTXO_RECORD_BYTES };
const VALUE_AT = 16 + HASHX_LENGTH;
/** Bytes of a UTXO record's outpoint (prefix and output index): what a spend looks up. */
const OUTPOINT_BYTES = 10;

/**
 * Block sizes: a UTXO block fits in one 4 KB page (a spend reads one), a history block spans
 * a few (read in sequence).
 */
const BLOCK_BYTES: Record<RunKind, number> = {
  history: 32768,
  utxo: Math.floor(4000 / UTXO_RECORD_BYTES) * UTXO_RECORD_BYTES,
};
const FORMATS: Record<RunKind, RecordFormat> = { history: HISTORY_FORMAT, utxo: UTXO_FORMAT };
/** The catch-up's history merge hands rows over in 1 MB slots, up to 8 ahead. */
const MERGE_CHANNEL_SLOTS = 8;
const MERGE_CHANNEL_SLOT_BYTES = 1 << 20;

function tableName(kind: RunKind, id: number): string {
  return `${kind}_run_${id}`;
}

/** A UTXO record's value; -1 for a tombstone. */
function getValue(bytes: Uint8Array, at: number): number {
  const high = getUint32(bytes, at + VALUE_AT);
  return high === 0xffffffff ? -1 : high * 0x100000000 + getUint32(bytes, at + VALUE_AT + 4);
}

/** A candidate output of an outpoint lookup: tx number, script, value (-1: spent). */
export type OutpointCandidate = [txNum: number, hashX: Uint8Array, value: number];

interface ArrayRows {
  setReturnArrays(enabled: boolean): void;
}

/** Seconds the catch-up's merge into the final tables took, by table, for the log. */
export interface FinalizeTimes {
  history: number;
  /** The outpoint and utxo tables. */
  unspent: number;
}

/** Sizes of what a flush or the catch-up wrote, for the log. */
export interface RunStats {
  historyRuns: number;
  utxoRuns: number;
  /** Records rewritten by the last merges. */
  mergedRows: number;
}

/**
 * Merges UTXO records from `cursors` in key order, dropping each output together with its
 * tombstone (they share the key), and hands the others to `emit`.
 */
function mergeUtxoRecords(
  cursors: RunCursor[],
  emit: (data: Uint8Array, at: number) => void,
): void {
  const held = new Uint8Array(UTXO_RECORD_BYTES);
  let holding = false;
  mergeCursors(cursors, ({ data, at }) => {
    if (holding && compareBytesAt(held, 0, data, at, 16) === 0) {
      holding = false;
      return;
    }
    if (holding) emit(held, 0);
    held.set(data.subarray(at, at + UTXO_RECORD_BYTES));
    holding = true;
  });
  if (holding) emit(held, 0);
}

/**
 * The runs of an index's initial sync. Methods that write run inside the caller's transaction
 * unless said otherwise.
 */
export class SyncRuns {
  readonly #db: DatabaseSync;
  readonly #runs: Record<RunKind, Run[]> = { history: [], utxo: [] };
  #nextId = 1;
  /** Per run: the statement reading one of its blocks (made on first use). */
  readonly #blockReads = new Map<number, StatementSync>();
  /** The final tables' outpoint lookup, while they have rows (a sync stacked on them). */
  #finalLookup: StatementSync | undefined;
  #mergedRows = 0;
  /**
   * Tables of runs merged away but not dropped yet: another connection may still be reading
   * them (the indexer's, while a flush writer merges; flush_writer.ts).
   */
  #retired: string[] = [];
  readonly #outpoint = new Uint8Array(OUTPOINT_BYTES);

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

  /** Reads the manifest; the block index and filter of runs not in memory yet too. */
  #load(): void {
    const known = new Map(
      [...this.#runs.history, ...this.#runs.utxo].map((run) => [run.id, run]),
    );
    const rows = this.#db.prepare("SELECT id, kind, level, rows, tx_end FROM runs ORDER BY id")
      .all() as { id: number; kind: RunKind; level: number; rows: number; tx_end: number }[];
    const details = this.#db.prepare("SELECT firsts, filter FROM runs WHERE id = ?");
    this.#runs.history = [];
    this.#runs.utxo = [];
    for (const { id, kind, level, rows: count, tx_end: txEnd } of rows) {
      let run = known.get(id);
      if (!run) {
        const { firsts, filter } = details.get(id) as {
          firsts: Uint8Array;
          filter: Uint8Array | null;
        };
        run = {
          id,
          level,
          rows: count,
          txEnd,
          index: new BlockIndex(FORMATS[kind].keyBytes, firsts),
          filter: filter ? new OutpointFilter(new Uint32Array(filter.slice().buffer)) : undefined,
        };
      }
      this.#runs[kind].push(run);
      this.#nextId = Math.max(this.#nextId, id + 1);
    }
    this.#forgetUnlisted();
    this.#prepareFinalLookup();
  }

  /** Reads the runs again after another connection wrote some (a flush writer). */
  reload(): void {
    this.#load();
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

  /** True while any run is waiting to be merged into the final tables. */
  get active(): boolean {
    return this.#runs.history.length > 0 || this.#runs.utxo.length > 0;
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
    const { id, writer } = this.#create("history");
    rows((hashX, txNum, more) => writeHistoryRecord(writer, hashX, txNum, more));
    this.#record("history", { id, level: 0, rows: writer.records, txEnd, index: writer.finish() });
  }

  #appendUtxos(adds: UtxoColumns, spends: UtxoColumns, txEnd: number): void {
    const { id, writer } = this.#create("utxo");
    const filter = new OutpointFilter(adds.vouts.length + spends.vouts.length);
    // Created outputs and tombstones of spent ones, merged into one key order. Their keys
    // differ: a spent output belongs to an earlier flush, so its tx number is another.
    const addOrder = outpointOrder(adds);
    const spendOrder = outpointOrder(spends);
    const record = (columns: UtxoColumns, i: number, tombstone: boolean) => {
      const at = writer.reserve(UTXO_RECORD_BYTES);
      const buffer = writer.buffer;
      const prefix = columns.prefixes[i];
      const vout = columns.vouts[i];
      putUint48(buffer, at, prefix);
      putUint32(buffer, at + 6, vout);
      putUint48(buffer, at + 10, columns.txNums[i]);
      const hashXs = columns.hashXs;
      for (let b = 0; b < HASHX_LENGTH; b++) buffer[at + 16 + b] = hashXs[i * HASHX_LENGTH + b];
      const value = tombstone ? -1 : columns.values[i];
      putUint32(buffer, at + VALUE_AT, tombstone ? 0xffffffff : Math.floor(value / 0x100000000));
      putUint32(buffer, at + VALUE_AT + 4, tombstone ? 0xffffffff : value >>> 0);
      filter.add(prefix, vout);
    };
    let a = 0;
    let s = 0;
    while (a < addOrder.length || s < spendOrder.length) {
      const add = addOrder[a];
      const spend = spendOrder[s];
      const takeAdd = s === spendOrder.length ||
        (a < addOrder.length &&
          (adds.prefixes[add] - spends.prefixes[spend] || adds.vouts[add] - spends.vouts[spend] ||
              adds.txNums[add] - spends.txNums[spend]) < 0);
      if (takeAdd) record(adds, addOrder[a++], false);
      else record(spends, spendOrder[s++], true);
    }
    const index = writer.finish();
    this.#record("utxo", { id, level: 0, rows: writer.records, txEnd, index, filter });
  }

  /**
   * Candidates for the outpoint (txid prefix, output index): outputs of the runs and of the
   * final tables that no newer run spent. Prefixes collide; the caller checks txids.
   */
  outpointCandidates(prefix: number, vout: number): OutpointCandidate[] {
    const key = this.#outpoint;
    putUint48(key, 0, prefix);
    putUint32(key, 6, vout);
    let rows: OutpointCandidate[] = [];
    const runs = this.#runs.utxo;
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i];
      this.#findInRun(run, key, rows, prefix, vout);
    }
    if (this.#finalLookup) {
      rows = rows.concat(this.#finalLookup.all(prefix, vout) as unknown as OutpointCandidate[]);
    }
    if (rows.length <= 1) return rows[0]?.[2] === -1 ? [] : rows;
    const spent = new Set<number>();
    for (const [txNum, , value] of rows) if (value === -1) spent.add(txNum);
    return rows.filter(([txNum, , value]) => value !== -1 && !spent.has(txNum));
  }

  /**
   * Adds the records of `run` whose outpoint is `key` (prefix, vout) to `found`. The block read
   * last is searched at once if the outpoint falls in it; otherwise the run's filter is asked
   * before the block index is searched and a block read.
   */
  #findInRun(
    run: Run,
    key: Uint8Array,
    found: OutpointCandidate[],
    prefix: number,
    vout: number,
  ): void {
    let start = run.index.hinted(key, OUTPOINT_BYTES);
    if (start < 0 || run.lastBlock?.block !== start) {
      if (!run.filter!.mayHave(prefix, vout)) return;
      if (start < 0) start = run.index.startOf(key, OUTPOINT_BYTES);
    }
    let read = this.#blockReads.get(run.id);
    if (!read) {
      read = this.#prepareArrays(`SELECT data FROM ${tableName("utxo", run.id)} WHERE block = ?`);
      this.#blockReads.set(run.id, read);
    }
    for (let block = start; block < run.index.blocks; block++) {
      let last = run.lastBlock;
      if (last?.block !== block) {
        const [data] = read.get(block) as unknown as [Uint8Array];
        last = run.lastBlock = { block, data };
      }
      const data = last.data;
      const records = data.length / UTXO_RECORD_BYTES;
      // The first record at or after the outpoint.
      let low = 0;
      let high = records;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (compareBytesAt(data, middle * UTXO_RECORD_BYTES, key, 0, OUTPOINT_BYTES) < 0) {
          low = middle + 1;
        } else {
          high = middle;
        }
      }
      for (let r = low; r < records; r++) {
        const at = r * UTXO_RECORD_BYTES;
        if (compareBytesAt(data, at, key, 0, OUTPOINT_BYTES) !== 0) return;
        found.push([
          getUint48(data, at + 10),
          data.slice(at + 16, at + 16 + HASHX_LENGTH),
          getValue(data, at),
        ]);
      }
      // The block ended on the outpoint or before it: its records may go on in the next.
    }
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
    const rows: [number, Uint8Array][] = [];
    const key = new Uint8Array(HISTORY_FORMAT.keyBytes);
    key.set(hashX);
    putUint48(key, HASHX_LENGTH, from);
    for (const run of this.#runs.history) {
      const cursor = new RunCursor(
        this.#db,
        tableName("history", run.id),
        HISTORY_FORMAT,
        run.index.startOf(key, key.length),
      );
      while (cursor.next()) {
        const { data, at } = cursor;
        const order = compareBytesAt(data, at, key, 0, HASHX_LENGTH);
        if (order > 0) break;
        if (order < 0 || getUint48(data, at + HASHX_LENGTH) < from) continue;
        rows.push([
          getUint48(data, at + HASHX_LENGTH),
          data.slice(at + HISTORY_MORE_AT, at + cursor.length),
        ]);
      }
      cursor.close();
    }
    return rows;
  }

  /** Calls `visit` for every history row in the runs (a full scan, for checks and tools). */
  forEachHistoryRow(visit: (txNum: number, more: Uint8Array) => void): void {
    for (const cursor of this.#cursors("history", this.#runs.history)) {
      while (cursor.next()) {
        const { data, at } = cursor;
        visit(
          getUint48(data, at + HASHX_LENGTH),
          data.subarray(at + HISTORY_MORE_AT, at + cursor.length),
        );
      }
    }
  }

  /**
   * A script's outputs in the runs: those created (unspent so far) and the keys of those spent
   * (tombstones, of outputs in older runs or the final tables). The runs have no script index,
   * so each is scanned: for the admin `query` during a sync only.
   */
  scriptOutputs(hashX: Uint8Array): { created: UtxoEntry[]; spent: Set<string> } {
    const created: UtxoEntry[] = [];
    const spent = new Set<string>();
    for (const cursor of this.#cursors("utxo", this.#runs.utxo)) {
      while (cursor.next()) {
        const { data, at } = cursor;
        if (compareBytesAt(data, at + 16, hashX, 0, HASHX_LENGTH) !== 0) continue;
        const txNum = getUint48(data, at + 10);
        const vout = getUint32(data, at + 6);
        const value = getValue(data, at);
        if (value === -1) spent.add(`${txNum}:${vout}`);
        else created.push({ hashX, txNum, vout, value });
      }
    }
    return { created: created.filter((o) => !spent.has(`${o.txNum}:${o.vout}`)), spent };
  }

  /**
   * Moves everything into the final tables and drops the runs: each script's history rows
   * from all runs joined into as few rows as the format allows, and the unspent outputs, in
   * key order (appended, into empty tables on a first sync); outputs of the final tables that
   * the runs spent deleted through `writer`. Temporary storage must be in files (`PRAGMA
   * temp_store = FILE`): the unspent outputs are sorted by script there.
   */
  finalize(writer: RowWriter): FinalizeTimes {
    // Each kind's runs are dropped as soon as they are read, so the tables built next take
    // the pages they free instead of growing the file by as much again.
    const started = performance.now();
    if (this.#runs.history.length > 0) this.#finalizeHistory();
    this.#drop("history");
    const historyDone = performance.now();
    if (this.#runs.utxo.length > 0) this.#finalizeUtxos(writer);
    for (const table of this.#retired) this.#db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.#retired = [];
    this.#prepareFinalLookup();
    return {
      history: (historyDone - started) / 1000,
      unspent: (performance.now() - historyDone) / 1000,
    };
  }

  /**
   * The history runs into the history table: a thread of its own merges them (history_merge.ts)
   * while this one inserts the rows it hands over. As each range of scripts ends, the blocks
   * it used up are deleted, so the table takes their pages instead of growing the file.
   */
  #finalizeHistory(): void {
    const runs = this.#runs.history;
    const path = this.#db.location();
    if (!path) throw new Error("the catch-up's history merge needs the index in a file");
    const channel = createChannel(MERGE_CHANNEL_SLOTS, MERGE_CHANNEL_SLOT_BYTES);
    const worker = new Worker(new URL("./history_merge_worker.ts", import.meta.url).href, {
      type: "module",
    });
    try {
      worker.postMessage({
        path,
        runs: runs.map(({ id, index }) => ({
          table: tableName("history", id),
          firsts: index.firsts,
        })),
        channel,
      });
      const rows = new BulkStatement(
        this.#db,
        (values) => `INSERT INTO history (hashx, tx_num, more) VALUES ${values}`,
        "(?, ?, ?)",
      );
      const reader = new ChannelReader(channel);
      let range = 0;
      for (let slot = reader.next(); slot; slot = reader.next()) {
        for (; range < slot.tag; range++) this.#deleteHistoryBefore(rangeStart(range + 1));
        const { data } = slot;
        for (let at = 0; at < data.length;) {
          const length = HISTORY_FORMAT.length(data, at);
          rows.add(
            data.subarray(at, at + HASHX_LENGTH),
            getUint48(data, at + HASHX_LENGTH),
            data.subarray(at + HISTORY_MORE_AT, at + length),
          );
          at += length;
        }
      }
      rows.finish();
    } catch (error) {
      // Otherwise the thread has finished and closes itself.
      worker.terminate();
      throw error;
    }
  }

  /** Deletes the history runs' blocks that hold only scripts below first byte `byte`. */
  #deleteHistoryBefore(byte: number): void {
    const start = new Uint8Array([byte]);
    for (const run of this.#runs.history) {
      this.#db.prepare(`DELETE FROM ${tableName("history", run.id)} WHERE block < ?`)
        .run(run.index.startOf(start, 1));
    }
  }

  #finalizeUtxos(writer: RowWriter): void {
    const db = this.#db;
    const stacked = db.prepare("SELECT 1 FROM outpoint LIMIT 1").get() !== undefined;
    // The unspent outputs wait in a temporary table, in outpoint order, from which both final
    // tables are filled, utxo's by script through SQLite's sort (the caller has temporary
    // storage in files, not memory).
    db.exec(
      "CREATE TEMP TABLE unspent (prefix INTEGER NOT NULL, vout INTEGER NOT NULL, " +
        "tx_num INTEGER NOT NULL, hashx BLOB NOT NULL, value INTEGER NOT NULL)",
    );
    const unspent = new BulkStatement(
      db,
      (values) => `INSERT INTO temp.unspent VALUES ${values}`,
      "(?, ?, ?, ?, ?)",
    );
    const spentBefore: { prefix: number; vout: number; txNum: number; hashX: Uint8Array }[] = [];
    mergeUtxoRecords(this.#cursors("utxo", this.#runs.utxo), (data, at) => {
      const prefix = getUint48(data, at);
      const vout = getUint32(data, at + 6);
      const txNum = getUint48(data, at + 10);
      const hashX = data.slice(at + 16, at + 16 + HASHX_LENGTH);
      const value = getValue(data, at);
      // A tombstone left: the output is in the final tables (a sync stacked on them).
      if (value === -1) {
        if (stacked) spentBefore.push({ prefix, vout, txNum, hashX });
        return;
      }
      unspent.add(prefix, vout, txNum, hashX, value);
    });
    unspent.finish();
    this.#drop("utxo");
    if (spentBefore.length > 0) {
      writer.write({
        history: () => {},
        utxoAdds: [],
        utxoSpends: spentBefore.map((row) => ({ ...row, value: 0 })),
      });
    }
    db.exec(
      "INSERT INTO outpoint (prefix, vout, tx_num, hashx) " +
        "SELECT prefix, vout, tx_num, hashx FROM temp.unspent ORDER BY rowid",
    );
    db.exec(
      "INSERT INTO utxo (hashx, tx_num, vout, value) " +
        "SELECT hashx, tx_num, vout, value FROM temp.unspent ORDER BY hashx, tx_num, vout",
    );
    db.exec("DROP TABLE temp.unspent");
  }

  /** Cursors over `runs` from their first record. */
  #cursors(kind: RunKind, runs: readonly Run[]): RunCursor[] {
    return runs.map(({ id }) => new RunCursor(this.#db, tableName(kind, id), FORMATS[kind]));
  }

  /** A new run's table and its writer. */
  #create(kind: RunKind): { id: number; writer: BlockWriter } {
    const id = this.#nextId++;
    const table = tableName(kind, id);
    createRunTable(this.#db, table);
    return { id, writer: new BlockWriter(this.#db, table, FORMATS[kind], BLOCK_BYTES[kind]) };
  }

  #record(kind: RunKind, run: Run): void {
    const filter = run.filter?.bits;
    this.#db.prepare(
      "INSERT INTO runs (id, kind, level, rows, tx_end, firsts, filter) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ).run(
      run.id,
      kind,
      run.level,
      run.rows,
      run.txEnd,
      run.index.firsts,
      filter ? new Uint8Array(filter.buffer, filter.byteOffset, filter.byteLength) : null,
    );
    this.#runs[kind].push(run);
  }

  /** Drops every run of a kind, tables and manifest rows. */
  #drop(kind: RunKind): void {
    for (const { id } of this.#runs[kind]) {
      this.#db.exec(`DROP TABLE IF EXISTS ${tableName(kind, id)}`);
      this.#db.prepare("DELETE FROM runs WHERE id = ?").run(id);
    }
    this.#runs[kind] = [];
    this.#forgetUnlisted();
  }

  /** Forgets the statements of runs no longer listed. */
  #forgetUnlisted(): void {
    const listed = new Set(this.#runs.utxo.map(({ id }) => id));
    for (const id of this.#blockReads.keys()) if (!listed.has(id)) this.#blockReads.delete(id);
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
    const { id, writer } = this.#create(kind);
    const cursors = this.#cursors(kind, inputs);
    let filter: OutpointFilter | undefined;
    if (kind === "history") {
      mergeCursors(cursors, ({ data, at, length }) => writer.copy(data, at, length));
    } else {
      const outputs = new OutpointFilter(inputs.reduce((sum, run) => sum + run.rows, 0));
      mergeUtxoRecords(cursors, (data, at) => {
        writer.copy(data, at, UTXO_RECORD_BYTES);
        outputs.add(getUint48(data, at), getUint32(data, at + 6));
      });
      filter = outputs;
    }
    const index = writer.finish();
    this.#mergedRows += writer.records;
    for (const { id: input } of inputs) {
      this.#db.prepare("DELETE FROM runs WHERE id = ?").run(input);
      this.#retired.push(tableName(kind, input));
    }
    this.#runs[kind] = runs.slice(0, runs.length - count);
    const txEnd = inputs[inputs.length - 1].txEnd;
    this.#record(kind, { id, level, rows: writer.records, txEnd, index, filter });
    this.#forgetUnlisted();
  }
}
