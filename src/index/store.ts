/**
 * The index store: the one place that reads and writes the SQLite file. The block processor
 * hands it whole flushes (one transaction each, so the file is always a consistent snapshot
 * at some height); sessions and the mempool read through its queries.
 */
import type { DatabaseSync } from "node:sqlite";
import { bytesEqual, concatBytes, hashToHex, toHex } from "../chain/bytes.ts";
import { sha256d } from "../chain/hash.ts";
import type { Network } from "../chain/networks.ts";
import { decodeHistoryRow } from "./history_rows.ts";
import { encodeJournalEntry, JournalOverlay, mergeJournal } from "./journal.ts";
import { RecentCommits } from "./recent_commits.ts";
import { RowWriter, type ScriptRows, type UtxoEntry } from "./row_writer.ts";
import {
  DATABASE_FILE,
  MMAP_BYTES,
  openIndexDatabase,
  SCHEMA_VERSION,
  TXIDS_PER_CHUNK,
} from "./schema.ts";
import {
  type FinalizeTimes,
  type OutpointCandidate,
  type RunStats,
  SyncRuns,
} from "./sync_runs.ts";
import { rowsToColumns, type UtxoColumns } from "./flush_payload.ts";

export type { HistoryRows, UtxoEntry, UtxoRow } from "./row_writer.ts";

/** One block of a forward flush. */
export interface BlockRow {
  height: number;
  header: Uint8Array;
  /** Cumulative tx count through this block. */
  txEnd: number;
  /** Undo record, for blocks inside the reorg window. */
  undo?: Uint8Array;
}

/**
 * Everything a forward flush writes; heights and tx numbers continue the store's. The history
 * rows are of tx numbers at or above the store's tx count; the spends are of outputs the
 * index had before the flush.
 */
export interface ForwardChanges extends ScriptRows {
  blocks: BlockRow[];
  /**
   * The same history as new tx numbers per script (hashX hex), given for live blocks: they
   * are kept in memory (recent_commits.ts) and journaled (journal.ts).
   */
  scriptHistories?: ReadonlyMap<string, readonly number[]>;
  /** Txids (internal order, 32 bytes each) of tx numbers txCount, txCount + 1, … */
  txids: Uint8Array;
  /** Undo records of heights below this are deleted (they left the reorg window). */
  pruneUndoBelow: number;
  /**
   * The UTXO changes as columns, in place of the row arrays, from a flush thread (initial
   * sync only: they go to runs).
   */
  utxoColumns?: { adds: UtxoColumns; spends: UtxoColumns };
}

/** Seconds the catch-up took: the runs merged into the tables, then the file shrunk. */
export interface CatchUpTimes extends FinalizeTimes {
  /** Giving the runs' free pages back to the file system. */
  vacuum: number;
}

/** A confirmed history entry. */
export interface HistoryEntry {
  txNum: number;
  txid: Uint8Array;
}

/** A confirmed unspent output with its transaction's id. */
export interface UtxoWithTxid extends UtxoEntry {
  txid: Uint8Array;
}

/** The persisted tip. */
export interface IndexState {
  /** -1 for an empty index. */
  height: number;
  /** Display hex of the tip block hash, "" when empty. */
  tip: string;
  txCount: number;
  /** True until the index first caught up with the daemon. */
  firstSync: boolean;
}

/** The first 6 bytes of an internal-order txid as an integer: the outpoint table's key. */
export function txidPrefix(txid: Uint8Array): number {
  return txid[0] + txid[1] * 0x100 + txid[2] * 0x10000 + txid[3] * 0x1000000 +
    txid[4] * 0x100000000 + txid[5] * 0x10000000000;
}

/**
 * Live blocks journaled and not yet merged, at most: more (a catch-up after downtime) and the
 * next block is written straight into the tables, together with the journal.
 */
const MAX_JOURNAL_BLOCKS = 12;

interface ArrayRows {
  setReturnArrays(enabled: boolean): void;
}

/** Prepared statements, made once. */
function prepareStatements(db: DatabaseSync) {
  const statements = {
    setState: db.prepare("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)"),
    insertHeader: db.prepare("INSERT INTO headers (height, header, tx_end) VALUES (?, ?, ?)"),
    putTxidChunk: db.prepare("INSERT OR REPLACE INTO txids (chunk, data) VALUES (?, ?)"),
    txidChunk: db.prepare("SELECT data FROM txids WHERE chunk = ?"),
    insertUtxo: db.prepare(
      "INSERT OR REPLACE INTO utxo (hashx, tx_num, vout, value) VALUES (?, ?, ?, ?)",
    ),
    insertOutpoint: db.prepare(
      "INSERT OR REPLACE INTO outpoint (prefix, vout, tx_num, hashx) VALUES (?, ?, ?, ?)",
    ),
    insertUndo: db.prepare("INSERT OR REPLACE INTO undo (height, data) VALUES (?, ?)"),
    insertJournal: db.prepare("INSERT INTO journal (seq, height, data) VALUES (?, ?, ?)"),
    journalSeqs: db.prepare("SELECT seq FROM journal"),
    pruneUndo: db.prepare("DELETE FROM undo WHERE height < ?"),
    // One statement finds the owner and the value: a spend costs one call, not two.
    findOutpoint: db.prepare(
      "SELECT o.tx_num, o.hashx, u.value FROM outpoint o JOIN utxo u " +
        "ON u.hashx = o.hashx AND u.tx_num = o.tx_num AND u.vout = o.vout " +
        "WHERE o.prefix = ? AND o.vout = ?",
    ),
    txid: db.prepare(`SELECT substr(data, ? * 32 + 1, 32) FROM txids WHERE chunk = ?`),
    txidSpan: db.prepare("SELECT substr(data, ?, ?) FROM txids WHERE chunk = ?"),
    txidChunkRange: db.prepare(
      "SELECT data FROM txids WHERE chunk >= ? AND chunk <= ? ORDER BY chunk",
    ),
    header: db.prepare("SELECT header FROM headers WHERE height = ?"),
    headerRange: db.prepare(
      "SELECT header FROM headers WHERE height >= ? AND height < ? ORDER BY height",
    ),
    txEnds: db.prepare("SELECT tx_end FROM headers ORDER BY height"),
    history: db.prepare("SELECT tx_num, more FROM history WHERE hashx = ? ORDER BY tx_num"),
    historyFrom: db.prepare(
      "SELECT tx_num, more FROM history WHERE hashx = ? AND tx_num >= ? ORDER BY tx_num",
    ),
    utxos: db.prepare(
      "SELECT tx_num, vout, value FROM utxo WHERE hashx = ? ORDER BY tx_num, vout LIMIT ?",
    ),
    balance: db.prepare("SELECT coalesce(sum(value), 0) AS total FROM utxo WHERE hashx = ?"),
    undo: db.prepare("SELECT data FROM undo WHERE height = ?"),
    deleteHistoryFrom: db.prepare("DELETE FROM history WHERE hashx = ? AND tx_num >= ?"),
    lastHistoryRowBelow: db.prepare(
      "SELECT tx_num, more FROM history WHERE hashx = ? AND tx_num < ? " +
        "ORDER BY tx_num DESC LIMIT 1",
    ),
    replaceHistoryRow: db.prepare("UPDATE history SET more = ? WHERE hashx = ? AND tx_num = ?"),
    deleteUtxosFrom: db.prepare("DELETE FROM utxo WHERE hashx = ? AND tx_num >= ?"),
    deleteOutpointsOfTx: db.prepare("DELETE FROM outpoint WHERE prefix = ? AND tx_num = ?"),
    outpointScriptsOfTx: db.prepare("SELECT hashx FROM outpoint WHERE prefix = ? AND tx_num = ?"),
    deleteTxidChunksFrom: db.prepare("DELETE FROM txids WHERE chunk >= ?"),
    deleteHeader: db.prepare("DELETE FROM headers WHERE height = ?"),
    deleteUndo: db.prepare("DELETE FROM undo WHERE height = ?"),
  };
  // Rows as arrays skip building an object per row; node:sqlite has this, its types lag.
  const arrayStatements = [
    "history",
    "historyFrom",
    "utxos",
    "txid",
    "txidChunk",
    "txidSpan",
    "txidChunkRange",
    "headerRange",
    "findOutpoint",
    "lastHistoryRowBelow",
    "outpointScriptsOfTx",
  ] as const;
  for (const name of arrayStatements) {
    (statements[name] as unknown as ArrayRows).setReturnArrays(true);
  }
  return statements;
}

type Statements = ReturnType<typeof prepareStatements>;

/** The index on disk plus the in-memory tx count per height. */
export class IndexStore {
  readonly db: DatabaseSync;
  readonly #sql: Statements;
  readonly #rows: RowWriter;
  #state: IndexState;
  /** txEnds[h] = cumulative tx count through height h. */
  #txEnds: number[];
  #rewinds = 0;
  readonly #recent = new RecentCommits();
  readonly #journal = new JournalOverlay();
  /** Sequence number of the last journal entry written by this process. */
  #journalSeq = 0;
  /** The initial sync's flushes until it catches up (sync_runs.ts). */
  readonly #runs: SyncRuns;

  private constructor(
    db: DatabaseSync,
    readonly network: Network,
    /** The database file. */
    readonly path: string,
  ) {
    this.db = db;
    this.#sql = prepareStatements(db);
    this.#rows = new RowWriter(db);
    this.#state = this.#loadState();
    this.#runs = new SyncRuns(db);
    // A sync reads far more of the file than it should keep resident: no memory map until the
    // index has caught up (mapped pages count in the process's RSS). The page cache stays: a
    // 64 MB one made spends on disk several times slower at 20M transactions.
    if (this.#state.firstSync) db.exec("PRAGMA mmap_size = 0");
    this.#txEnds = (this.#sql.txEnds.all() as { tx_end: number }[]).map((row) => row.tx_end);
    if (this.#txEnds.length !== this.#state.height + 1) {
      throw new Error(
        `index is inconsistent: ${this.#txEnds.length} headers for height ${this.#state.height}`,
      );
    }
    // Entries a previous run journaled and did not merge.
    if (this.#unmergedSeqs().size > 0) this.mergeJournal();
  }

  /** Opens the index in `directory` (creating the directory and file as needed). */
  static open(directory: string, network: Network, options: { cacheMb?: number } = {}): IndexStore {
    Deno.mkdirSync(directory, { recursive: true });
    const path = `${directory}/${DATABASE_FILE}`;
    const db = openIndexDatabase(path, { network, cacheMb: options.cacheMb });
    try {
      return new IndexStore(db, network, path);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Closes the file (again: nothing). */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  #loadState(): IndexState {
    const rows = this.db.prepare("SELECT key, value FROM state").all() as {
      key: string;
      value: unknown;
    }[];
    const values = new Map(rows.map((row) => [row.key, row.value]));
    if (!values.has("genesis")) {
      this.#writeIdentity();
      return { height: -1, tip: "", txCount: 0, firstSync: true };
    }
    return {
      height: Number(values.get("height")),
      tip: String(values.get("tip")),
      txCount: Number(values.get("tx_count")),
      firstSync: Number(values.get("first_sync")) === 1,
    };
  }

  #writeIdentity(): void {
    this.#transaction(() => {
      this.#sql.setState.run("genesis", this.network.genesisHash);
      this.#sql.setState.run("network", this.network.name);
      this.#sql.setState.run("schema_version", SCHEMA_VERSION);
      this.#writeState({ height: -1, tip: "", txCount: 0, firstSync: true });
    });
  }

  #writeState(state: IndexState): void {
    this.#sql.setState.run("height", state.height);
    this.#sql.setState.run("tip", state.tip);
    this.#sql.setState.run("tx_count", state.txCount);
    this.#sql.setState.run("first_sync", state.firstSync ? 1 : 0);
    this.#sql.setState.run("updated", Date.now() / 1000);
  }

  /**
   * Runs `body`, a series of reads, in one read transaction: outside a transaction every
   * statement takes and releases the WAL read lock itself, which costs more than a small
   * lookup (9 µs a lookup against 1.8 µs, measured on txid chunks).
   */
  reading<T>(body: () => T): T {
    if (this.db.isTransaction) return body();
    this.db.exec("BEGIN");
    try {
      return body();
    } finally {
      if (this.db.isTransaction) this.db.exec("COMMIT");
    }
  }

  #transaction(body: () => void): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      body();
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The committed tip. */
  get state(): Readonly<IndexState> {
    return this.#state;
  }

  get height(): number {
    return this.#state.height;
  }

  get txCount(): number {
    return this.#state.txCount;
  }

  /**
   * Moves the write-ahead log into the database and cuts the WAL file back (after each
   * initial-sync flush). Live blocks are checkpointed in the background instead
   * (checkpointer.ts).
   */
  checkpoint(): void {
    this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  /**
   * Records that the index has caught up with the daemon once: the initial sync's runs go into
   * the final tables in the same transaction, and the file is mapped from then on. Returns
   * how long the runs took, if there were any.
   */
  markSynced(): CatchUpTimes | undefined {
    if (!this.#state.firstSync) return;
    const state = { ...this.#state, firstSync: false };
    const times = this.#finalizeRuns(() => this.#writeState(state));
    this.#state = state;
    this.db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
    return times;
  }

  /** Runs of the initial sync and rows the last flush's merges rewrote (for the log). */
  get runStats(): RunStats {
    return this.#runs.stats;
  }

  /**
   * Moves the initial sync's runs into the final tables now (before unwinding blocks, whose
   * undo records describe the tables).
   */
  finalizeRuns(): void {
    if (this.#runs.active) this.#finalizeRuns();
  }

  /**
   * The runs into the final tables, and `more` writes, in one transaction; the final merge
   * sorts the UTXO set in temporary files, not in memory (the setting cannot change inside a
   * transaction).
   */
  #finalizeRuns(more: () => void = () => {}): CatchUpTimes {
    this.db.exec("PRAGMA temp_store = FILE");
    try {
      let times: CatchUpTimes = { history: 0, unspent: 0, vacuum: 0 };
      this.#transaction(() => {
        times = { ...this.#runs.finalize(this.#rows), vacuum: 0 };
        more();
        // The runs' pages are free now: the file shrinks by them at the next checkpoint (a
        // no-op in files made before auto_vacuum was set). The pragma frees a page a step,
        // and exec() steps once. Pages in use past the new end are moved into the holes:
        // about 100 µs a page (18 s for the 700 MB the 20M sync's runs leave).
        const started = performance.now();
        for (const _ of this.db.prepare("PRAGMA incremental_vacuum").iterate()) continue;
        times.vacuum = (performance.now() - started) / 1000;
      });
      return times;
    } finally {
      this.db.exec("PRAGMA temp_store = MEMORY");
    }
  }

  /**
   * Writes a forward flush in one transaction, rows in key order. During the initial sync its
   * rows go to runs, which are then merged as due, unless `deferMerges` (a flush writer merges
   * separately: {@link mergeRuns}).
   */
  commitForward(changes: ForwardChanges, options: { deferMerges?: boolean } = {}): void {
    const { blocks, txids } = changes;
    if (blocks.length === 0) return;
    const last = blocks[blocks.length - 1];
    if (blocks[0].height !== this.#state.height + 1) {
      throw new Error(
        `flush starts at height ${blocks[0].height}, index is at ${this.#state.height}`,
      );
    }
    if (last.txEnd !== this.#state.txCount + txids.length / 32) {
      throw new Error(
        `flush has ${txids.length / 32} txids, blocks say ${last.txEnd - this.#state.txCount}`,
      );
    }
    const recent = this.#recent.begin(this.#state.txCount, txids, changes.scriptHistories);
    const state: IndexState = {
      height: last.height,
      tip: hashToHex(headerHash(last.header)),
      txCount: last.txEnd,
      firstSync: this.#state.firstSync,
    };
    // A live block goes to the journal; batches, and a block after too many journaled ones,
    // into the tables.
    const journal = recent && blocks.length === 1 && !state.firstSync &&
        this.#journal.blocks < MAX_JOURNAL_BLOCKS
      ? ++this.#journalSeq
      : 0;
    this.#transaction(() => this.#commitBlocks(changes, state, journal));
    for (const block of blocks) this.#txEnds.push(block.txEnd);
    this.#state = state;
    this.#recent.committed(recent);
    if (journal) this.#journal.add(journal, recent!, changes.utxoAdds, changes.utxoSpends);
    else this.#journal.clear();
    if (state.firstSync && !options.deferMerges) {
      this.#runs.compact();
      this.#runs.dropRetired();
    }
  }

  /**
   * Merges the initial sync's runs as due; the merged runs' tables stay until
   * {@link dropRetiredRuns} (another connection may be reading them).
   */
  mergeRuns(): void {
    this.#runs.compact();
  }

  /** Drops the tables of runs {@link mergeRuns} merged away. */
  dropRetiredRuns(): void {
    this.#runs.dropRetired();
  }

  /**
   * Catches up with flushes another connection committed (a flush writer during the initial
   * sync): the tip, the tx counts of the new blocks and the runs.
   */
  adoptCommitted(): void {
    this.#state = this.#loadState();
    const rows = this.db.prepare("SELECT tx_end FROM headers WHERE height > ? ORDER BY height")
      .all(this.#txEnds.length - 1) as { tx_end: number }[];
    for (const { tx_end } of rows) this.#txEnds.push(tx_end);
    this.#runs.reload();
  }

  /** A forward flush's writes to the index file. */
  #commitBlocks(
    changes: ForwardChanges,
    state: IndexState,
    journal: number,
  ): void {
    const sql = this.#sql;
    const { blocks, txids } = changes;
    const last = blocks[blocks.length - 1];
    for (const block of blocks) {
      sql.insertHeader.run(block.height, block.header, block.txEnd);
      if (block.undo) sql.insertUndo.run(block.height, block.undo);
    }
    this.#appendTxids(txids);
    if (journal) {
      sql.insertJournal.run(journal, last.height, encodeJournalEntry(changes));
    } else if (state.firstSync) {
      // The initial sync's rows go to runs (sync_runs.ts).
      const utxos = changes.utxoColumns ??
        { adds: rowsToColumns(changes.utxoAdds), spends: rowsToColumns(changes.utxoSpends) };
      this.#runs.append(changes.history, utxos.adds, utxos.spends, state.txCount);
    } else {
      mergeJournal(this.db, this.#rows);
      this.#rows.write(changes);
    }
    sql.pruneUndo.run(changes.pruneUndoBelow);
    this.#writeState(state);
  }

  /**
   * Moves every journaled block into the tables now, on this connection (before unwinding
   * blocks, on opening a file a previous run left entries in, at a clean shutdown).
   */
  mergeJournal(): void {
    this.#transaction(() => mergeJournal(this.db, this.#rows));
    this.#journal.clear();
  }

  /** Live blocks journaled and not yet merged (as far as this store knows). */
  get journaledBlocks(): number {
    return this.#journal.blocks;
  }

  /** Sequence number of the last journal entry this store wrote (0: none). */
  get journalSeq(): number {
    return this.#journalSeq;
  }

  /** Journal entries up to `seq` were merged by another connection: stop overlaying them. */
  journalMerged(seq: number): void {
    this.#journal.dropThrough(seq);
  }

  /**
   * Finds the unspent output `(txid, vout)` on disk: the owning script, tx number and value.
   * Txid prefixes can collide, so candidates are checked against the full txid.
   */
  findUtxo(txid: Uint8Array, vout: number, prefix = txidPrefix(txid)): UtxoEntry | undefined {
    const journaled = this.#journal.findUtxo(txid, vout, prefix, (txNum) => this.txid(txNum));
    if (journaled !== undefined) return journaled ?? undefined;
    const candidates = this.#runs.active
      ? this.#runs.outpointCandidates(prefix, vout)
      : this.#sql.findOutpoint.all(prefix, vout) as unknown as OutpointCandidate[];
    for (const [txNum, hashX, value] of candidates) {
      if (candidates.length > 1 && !bytesEqual(this.txid(txNum) ?? new Uint8Array(), txid)) {
        continue;
      }
      return { hashX, txNum, vout, value };
    }
    return undefined;
  }

  /**
   * Appends txids (32 bytes each) from tx number txCount on, completing the last partly
   * filled chunk first. Runs inside the flush's transaction.
   */
  #appendTxids(txids: Uint8Array): void {
    const chunkBytes = TXIDS_PER_CHUNK * 32;
    let txNum = this.#state.txCount;
    let offset = 0;
    while (offset < txids.length) {
      const chunk = Math.floor(txNum / TXIDS_PER_CHUNK);
      const used = (txNum % TXIDS_PER_CHUNK) * 32;
      const take = Math.min(chunkBytes - used, txids.length - offset);
      let data = txids.subarray(offset, offset + take);
      if (used > 0) {
        const [stored] = this.#sql.txidChunk.get(chunk) as unknown as [Uint8Array];
        data = concatBytes(stored.subarray(0, used), data);
      }
      this.#sql.putTxidChunk.run(chunk, data);
      offset += take;
      txNum += take / 32;
    }
  }

  /** Internal-order txid of a tx number. */
  txid(txNum: number): Uint8Array | undefined {
    if (txNum < 0 || txNum >= this.#state.txCount) return undefined;
    const row = this.#sql.txid.get(txNum % TXIDS_PER_CHUNK, Math.floor(txNum / TXIDS_PER_CHUNK));
    return (row as unknown as [Uint8Array] | undefined)?.[0];
  }

  /**
   * Internal-order txids of committed tx numbers, in the order given. Consecutive numbers in
   * one chunk (histories and UTXO lists are ascending) are read with one statement, just the
   * span they need: a heavy script's entries crowd into chunks.
   */
  txids(txNums: readonly number[]): Uint8Array[] {
    if (txNums.length === 0) return [];
    // What the last blocks added is in memory (lists are ascending: try when the first is).
    if (this.#recent.txid(txNums[0])) {
      const recent = txNums.map((txNum) => this.#recent.txid(txNum));
      if (recent.every((txid) => txid !== undefined)) return recent as Uint8Array[];
    }
    return this.reading(() => this.#txidsByChunk(txNums));
  }

  #txidsByChunk(txNums: readonly number[]): Uint8Array[] {
    const out: Uint8Array[] = new Array(txNums.length);
    for (let i = 0; i < txNums.length;) {
      // A run of entries in one chunk: read just the bytes from the lowest to the highest.
      const chunk = Math.floor(txNums[i] / TXIDS_PER_CHUNK);
      let low = txNums[i];
      let high = low;
      let end = i + 1;
      for (; end < txNums.length && Math.floor(txNums[end] / TXIDS_PER_CHUNK) === chunk; end++) {
        low = Math.min(low, txNums[end]);
        high = Math.max(high, txNums[end]);
      }
      if (low < 0 || high >= this.#state.txCount) {
        throw new RangeError(`tx number ${low < 0 ? low : high} is not in the index`);
      }
      const first = low % TXIDS_PER_CHUNK;
      const bytes = (high - low + 1) * 32;
      const row = this.#sql.txidSpan.get(first * 32 + 1, bytes, chunk) as unknown as
        | [Uint8Array]
        | undefined;
      const data = row?.[0];
      if (!data || data.length !== bytes) throw new Error(`index is missing txid chunk ${chunk}`);
      for (; i < end; i++) {
        const at = (txNums[i] - low) * 32;
        out[i] = data.subarray(at, at + 32);
      }
    }
    return out;
  }

  /** Txids of the block at `height`, in block order. */
  blockTxids(height: number): Uint8Array[] {
    if (height < 0 || height > this.#state.height) return [];
    const start = height === 0 ? 0 : this.#txEnds[height - 1];
    const end = this.#txEnds[height];
    if (end === start) return [];
    const first = Math.floor(start / TXIDS_PER_CHUNK);
    const rows = this.#sql.txidChunkRange.all(
      first,
      Math.floor((end - 1) / TXIDS_PER_CHUNK),
    ) as unknown as [Uint8Array][];
    const all = concatBytes(...rows.map((row) => row[0]));
    const base = first * TXIDS_PER_CHUNK;
    const out: Uint8Array[] = [];
    for (let txNum = start; txNum < end; txNum++) {
      const at = (txNum - base) * 32;
      out.push(all.subarray(at, at + 32));
    }
    return out;
  }

  /** Height of the block holding tx number `txNum` (binary search over tx counts). */
  heightOfTx(txNum: number): number {
    let low = 0;
    let high = this.#txEnds.length - 1;
    if (high < 0 || txNum >= this.#txEnds[high]) return -1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.#txEnds[mid] > txNum) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** First tx number of the block at `height`. */
  firstTxNum(height: number): number {
    return height <= 0 ? 0 : this.#txEnds[height - 1];
  }

  /** The 80-byte header at `height`. */
  header(height: number): Uint8Array | undefined {
    return (this.#sql.header.get(height) as { header: Uint8Array } | undefined)?.header;
  }

  /** Up to `count` consecutive headers from `start`. */
  headers(start: number, count: number): Uint8Array[] {
    const rows = this.#sql.headerRange.all(start, start + count) as unknown as [Uint8Array][];
    return rows.map((row) => row[0]);
  }

  /** Display-hex hash of the block at `height`. */
  blockHash(height: number): string | undefined {
    const header = this.header(height);
    return header ? hashToHex(headerHash(header)) : undefined;
  }

  /** Internal-order hash of the tip block; undefined for an empty index. */
  tipHash(): Uint8Array | undefined {
    const header = this.#state.height >= 0 ? this.header(this.#state.height) : undefined;
    return header ? headerHash(header) : undefined;
  }

  /** Tx numbers of a script's confirmed history in chain order, at most `limit`. */
  historyTxNums(hashX: Uint8Array, limit = Number.MAX_SAFE_INTEGER): number[] {
    const txNums: number[] = [];
    for (const [txNum, more] of this.#storedHistoryRows(hashX, 0)) {
      if (txNums.length >= limit) break;
      decodeHistoryRow(txNum, more, txNums, limit);
    }
    this.#addJournaled(hashX, txNums, limit);
    return txNums;
  }

  /**
   * A script's history rows from tx number `from` on: the table's, then (during the initial
   * sync) the runs', which hold only later transactions.
   */
  #storedHistoryRows(hashX: Uint8Array, from: number): [number, Uint8Array][] {
    const rows =
      (from === 0
        ? this.#sql.history.all(hashX)
        : this.#sql.historyFrom.all(hashX, from)) as unknown as [number, Uint8Array][];
    return this.#runs.active ? rows.concat(this.#runs.historyRows(hashX, from)) : rows;
  }

  /**
   * Appends the journal's entries of a script from tx number `from` on, beyond those read
   * from the tables into `txNums`.
   */
  #addJournaled(hashX: Uint8Array, txNums: number[], limit: number, from = 0): void {
    if (this.#journal.blocks === 0 || txNums.length >= limit) return;
    const after = txNums.length > 0 ? txNums[txNums.length - 1] : from - 1;
    this.#journal.historyAfter(toHex(hashX), after, txNums, limit);
  }

  /**
   * Tx numbers of a script's confirmed history from `txNum` on, where `txNum` is a tx count
   * the index had (a flush writes rows of its own transactions only, so no older row holds a
   * later entry). What a known history gained since then, at the cost of the gain.
   */
  historyTxNumsFrom(hashX: Uint8Array, txNum: number): number[] {
    const recent = this.#recent.historyFrom(hashX, txNum);
    if (recent) return recent;
    const txNums: number[] = [];
    for (const [first, more] of this.#storedHistoryRows(hashX, txNum)) {
      decodeHistoryRow(first, more, txNums);
    }
    this.#addJournaled(hashX, txNums, Number.MAX_SAFE_INTEGER, txNum);
    return txNums;
  }

  /** History entries of all scripts (a full scan, for checks and tools). */
  historyEntryCount(): number {
    return this.reading(() => this.#historyEntryCount());
  }

  #historyEntryCount(): number {
    const txNums: number[] = [];
    let total = 0;
    const count = (txNum: number, more: Uint8Array) => {
      txNums.length = 0;
      decodeHistoryRow(txNum, more, txNums);
      total += txNums.length;
    };
    for (const row of this.db.prepare("SELECT tx_num, more FROM history").iterate()) {
      const { tx_num, more } = row as { tx_num: number; more: Uint8Array };
      count(tx_num, more);
    }
    this.#runs.forEachHistoryRow(count);
    // Blocks merged by another connection are in the tables already.
    return total + this.#journal.historyEntries(this.#unmergedSeqs());
  }

  /** Confirmed history of a script in chain order, at most `limit` entries. */
  history(hashX: Uint8Array, limit = Number.MAX_SAFE_INTEGER): HistoryEntry[] {
    return this.reading(() => this.#withTxids(this.historyTxNums(hashX, limit)));
  }

  /** The entries {@link historyTxNumsFrom} finds, with their txids. */
  historyFrom(hashX: Uint8Array, txNum: number): HistoryEntry[] {
    const read = () => this.#withTxids(this.historyTxNumsFrom(hashX, txNum));
    // Right after a live block this is answered from memory, without a read transaction.
    return this.#recent.startsAt(txNum) ? read() : this.reading(read);
  }

  #withTxids(txNums: number[]): HistoryEntry[] {
    const txids = this.txids(txNums);
    return txNums.map((txNum, i) => ({ txNum, txid: txids[i] }));
  }

  /** Confirmed unspent outputs of a script, ordered by (tx number, output index). */
  utxos(hashX: Uint8Array, limit = Number.MAX_SAFE_INTEGER): UtxoWithTxid[] {
    return this.reading(() => {
      const rows = this.#utxoEntries(hashX, limit);
      const txids = this.txids(rows.map((row) => row.txNum));
      return rows.map((row, i) => ({ ...row, txid: txids[i] }));
    });
  }

  /** A script's unspent outputs, the tables' and the journal's. */
  #utxoEntries(hashX: Uint8Array, limit: number): UtxoEntry[] {
    const key = this.#journal.blocks > 0 ? toHex(hashX) : "";
    const journaled = key !== "" && this.#journal.touchesUtxos(key);
    // With journaled spends of the script, the first `limit` stored rows may not be enough.
    const rows = this.#sql.utxos.all(
      hashX,
      journaled || this.#runs.active ? -1 : limit,
    ) as unknown as [
      number,
      number,
      number,
    ][];
    const stored = rows.map(([txNum, vout, value]) => ({ hashX, txNum, vout, value }));
    if (this.#runs.active) return this.#withRunOutputs(hashX, stored).slice(0, limit);
    return journaled ? this.#journal.utxos(key, stored).slice(0, limit) : stored;
  }

  /** The tables' outputs of a script as the initial sync's runs leave them. */
  #withRunOutputs(hashX: Uint8Array, stored: UtxoEntry[]): UtxoEntry[] {
    const { created, spent } = this.#runs.scriptOutputs(hashX);
    return stored.filter((o) => !spent.has(`${o.txNum}:${o.vout}`)).concat(created)
      .sort((a, b) => a.txNum - b.txNum || a.vout - b.vout);
  }

  /** Confirmed balance of a script in satoshis. */
  balance(hashX: Uint8Array): number {
    if (this.#runs.active) {
      return this.#utxoEntries(hashX, Number.MAX_SAFE_INTEGER).reduce((sum, o) => sum + o.value, 0);
    }
    const stored = () => (this.#sql.balance.get(hashX) as { total: number }).total;
    const key = this.#journal.blocks > 0 ? toHex(hashX) : "";
    if (key === "" || !this.#journal.touchesUtxos(key)) return stored();
    // The sum and the entries not merged yet, read in one snapshot.
    return this.reading(() => stored() + this.#journal.balanceChange(key, this.#unmergedSeqs()));
  }

  /** Journal entries still in the table (others were merged by another connection). */
  #unmergedSeqs(): Set<number> {
    const rows = this.#sql.journalSeqs.all() as { seq: number }[];
    return new Set(rows.map((row) => row.seq));
  }

  /** The undo record of `height`, if still kept. */
  undo(height: number): Uint8Array | undefined {
    return (this.#sql.undo.get(height) as { data: Uint8Array } | undefined)?.data;
  }

  /** Statements for the unwinder, which shares the store's transaction discipline. */
  get statements(): Statements {
    return this.#sql;
  }

  /**
   * Runs `body` in one transaction that ends with the index at `state`, then truncates the
   * in-memory tx counts to match (used to unwind blocks).
   */
  commitRewind(state: IndexState, body: () => void): void {
    this.#transaction(() => {
      body();
      this.#writeState(state);
    });
    this.#txEnds.length = state.height + 1;
    this.#state = state;
    this.#recent.clear();
    this.#rewinds++;
  }

  /**
   * Unwinds (reorgs) since the store was opened: what was derived from the index before one
   * may hold entries that are gone, however the tx count moved since.
   */
  get rewinds(): number {
    return this.#rewinds;
  }
}

/** SHA256d of a raw header, internal order. */
function headerHash(header: Uint8Array): Uint8Array {
  return sha256d(header);
}
