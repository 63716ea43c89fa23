/**
 * Writes the script-keyed rows of a batch of blocks — new history rows, outputs created and
 * spent — into the history, utxo and outpoint tables, each table's rows in key order and many
 * rows per statement. Shared by the store's direct flushes and by merges of the live journal
 * (journal.ts), which may run on another connection.
 */
import type { DatabaseSync } from "node:sqlite";
import { HASHX_LENGTH } from "../chain/script.ts";
import { BulkStatement } from "./bulk_statement.ts";
import { radixOrder, sortKeyTies } from "./radix_order.ts";

/** An unspent output as the index keeps it. */
export interface UtxoEntry {
  hashX: Uint8Array;
  txNum: number;
  vout: number;
  value: number;
}

/** A UTXO with its outpoint prefix, ready to be written. */
export interface UtxoRow extends UtxoEntry {
  prefix: number;
}

/** Emits new history rows (history_rows.ts) in key order. */
export type HistoryRows = (
  emit: (hashX: Uint8Array, txNum: number, more: Uint8Array) => void,
) => void;

/** The script-keyed changes of consecutive blocks. */
export interface ScriptRows {
  /** New history rows, all of transactions the tables do not have yet. */
  history: HistoryRows;
  /** Outputs created and still unspent at the end of the blocks. */
  utxoAdds: UtxoRow[];
  /** Outputs in the tables that the blocks spent. */
  utxoSpends: UtxoRow[];
}

function compareUtxoRows(a: UtxoRow, b: UtxoRow): number {
  for (let i = 0; i < HASHX_LENGTH; i++) {
    if (a.hashX[i] !== b.hashX[i]) return a.hashX[i] - b.hashX[i];
  }
  return a.txNum - b.txNum || a.vout - b.vout;
}

function compareOutpointRows(a: UtxoRow, b: UtxoRow): number {
  return a.prefix - b.prefix || a.vout - b.vout || a.txNum - b.txNum;
}

/** `rows` ordered by `key` (a 32-bit prefix of their order), ties by `compare`. */
function rowsInOrder(
  rows: readonly UtxoRow[],
  key: (row: UtxoRow) => number,
  compare: (a: UtxoRow, b: UtxoRow) => number,
): UtxoRow[] {
  const keys = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) keys[i] = key(rows[i]);
  const sorted = radixOrder(keys);
  sortKeyTies(sorted, (a, b) => compare(rows[a], rows[b]));
  return Array.from(sorted.order, (i) => rows[i]);
}

/** The utxo table's order: by hashX (its first four bytes as the key), tx number, output. */
function inUtxoOrder(rows: readonly UtxoRow[]): UtxoRow[] {
  return rowsInOrder(
    rows,
    ({ hashX }) => ((hashX[0] << 24) | (hashX[1] << 16) | (hashX[2] << 8) | hashX[3]) >>> 0,
    compareUtxoRows,
  );
}

/** The outpoint table's order: by txid prefix (its top 32 of 48 bits as the key), output. */
function inOutpointOrder(rows: readonly UtxoRow[]): UtxoRow[] {
  return rowsInOrder(rows, ({ prefix }) => Math.floor(prefix / 0x10000), compareOutpointRows);
}

/** The many-row statements, prepared once per connection. */
export class RowWriter {
  readonly #history: BulkStatement;
  readonly #insertUtxo: BulkStatement;
  readonly #insertOutpoint: BulkStatement;
  readonly #deleteUtxo: BulkStatement;
  readonly #deleteOutpoint: BulkStatement;

  constructor(db: DatabaseSync) {
    const insert = (table: string, columns: string) => (rows: string) =>
      `INSERT INTO ${table} (${columns}) VALUES ${rows}`;
    // `IN (VALUES …)` makes SQLite scan the whole table for every statement; selecting from
    // the VALUES lets it look each row up by the primary key.
    const remove = (table: string, columns: string) => (rows: string) =>
      `DELETE FROM ${table} WHERE (${columns}) IN ` +
      `(SELECT column1, column2, column3 FROM (VALUES ${rows}))`;
    this.#history = new BulkStatement(db, insert("history", "hashx, tx_num, more"), "(?, ?, ?)");
    this.#insertUtxo = new BulkStatement(
      db,
      insert("utxo", "hashx, tx_num, vout, value"),
      "(?, ?, ?, ?)",
    );
    this.#insertOutpoint = new BulkStatement(
      db,
      insert("outpoint", "prefix, vout, tx_num, hashx"),
      "(?, ?, ?, ?)",
    );
    this.#deleteUtxo = new BulkStatement(db, remove("utxo", "hashx, tx_num, vout"), "(?, ?, ?)");
    this.#deleteOutpoint = new BulkStatement(
      db,
      remove("outpoint", "prefix, vout, tx_num"),
      "(?, ?, ?)",
    );
  }

  /** Writes `rows`; runs inside the caller's transaction. */
  write(rows: ScriptRows): void {
    rows.history((hashX, txNum, more) => this.#history.add(hashX, txNum, more));
    this.#history.finish();
    const spends = rows.utxoSpends;
    for (const row of inUtxoOrder(spends)) {
      this.#deleteUtxo.add(row.hashX, row.txNum, row.vout);
    }
    this.#deleteUtxo.finish();
    for (const row of inOutpointOrder(spends)) {
      this.#deleteOutpoint.add(row.prefix, row.vout, row.txNum);
    }
    this.#deleteOutpoint.finish();
    const adds = rows.utxoAdds;
    for (const row of inUtxoOrder(adds)) {
      this.#insertUtxo.add(row.hashX, row.txNum, row.vout, row.value);
    }
    this.#insertUtxo.finish();
    for (const row of inOutpointOrder(adds)) {
      this.#insertOutpoint.add(row.prefix, row.vout, row.txNum, row.hashX);
    }
    this.#insertOutpoint.finish();
  }
}
