/**
 * The live journal. Writing a live block's history and UTXO rows into the big script-keyed
 * B-trees costs about one random page per row — some 28,000 pages, 200 ms, for a 3,000-tx
 * block — so a live block commits them as one blob row of the `journal` table instead (a few
 * dozen pages) and keeps them in memory ({@link JournalOverlay}), where the store's queries
 * add them to what the tables hold. A merge later moves journal rows into the tables in one
 * transaction, off the path from block to notification (on a worker thread in live mode,
 * maintainer.ts). A crash leaves either the journal row or the merged rows, never both; a
 * store opening a file with journal rows merges them first.
 *
 * Between a merge's commit on another connection and the overlay dropping the merged blocks,
 * a row can be both in the tables and in the overlay, so every query that combines them is
 * written to count such a row once.
 *
 * Entry layout (one per block): LEB128 counts, each followed by its rows. History rows:
 * `hashX(11) ‖ tx_num ‖ more` (more as CompactSize-prefixed bytes); created outputs, then
 * outputs spent from before the block: `hashX(11) ‖ tx_num ‖ vout ‖ value ‖ prefix`, all
 * numbers LEB128.
 */
import type { DatabaseSync } from "node:sqlite";
import { ByteReader, bytesEqual, ByteWriter, toHex } from "../chain/bytes.ts";
import { HASHX_LENGTH } from "../chain/script.ts";
import type { RecentCommit } from "./recent_commits.ts";
import type { RowWriter, ScriptRows, UtxoEntry, UtxoRow } from "./row_writer.ts";

/** The rows of one journal entry. */
export interface JournalEntry {
  history: { hashX: Uint8Array; txNum: number; more: Uint8Array }[];
  utxoAdds: UtxoRow[];
  utxoSpends: UtxoRow[];
}

function writeUtxoRows(writer: ByteWriter, rows: readonly UtxoRow[]): void {
  writer.varUint(rows.length);
  for (const row of rows) {
    writer.bytes(row.hashX).varUint(row.txNum).varUint(row.vout).varUint(row.value)
      .varUint(row.prefix);
  }
}

function readUtxoRows(reader: ByteReader): UtxoRow[] {
  const rows: UtxoRow[] = new Array(reader.varUint());
  for (let i = 0; i < rows.length; i++) {
    const hashX = reader.bytesView(HASHX_LENGTH);
    rows[i] = {
      hashX,
      txNum: reader.varUint(),
      vout: reader.varUint(),
      value: reader.varUint(),
      prefix: reader.varUint(),
    };
  }
  return rows;
}

/** Serialises one block's rows. */
export function encodeJournalEntry(rows: ScriptRows): Uint8Array {
  const history = new ByteWriter(64 * 1024);
  let count = 0;
  rows.history((hashX, txNum, more) => {
    history.bytes(hashX).varUint(txNum).varBytes(more);
    count++;
  });
  const outputs = rows.utxoAdds.length + rows.utxoSpends.length;
  const writer = new ByteWriter(history.length + 40 * outputs + 16);
  writer.varUint(count).bytes(history.finish());
  writeUtxoRows(writer, rows.utxoAdds);
  writeUtxoRows(writer, rows.utxoSpends);
  return writer.finish();
}

/** Parses a journal entry (views into `data`). */
export function decodeJournalEntry(data: Uint8Array): JournalEntry {
  const reader = new ByteReader(data);
  const history: JournalEntry["history"] = new Array(reader.varUint());
  for (let i = 0; i < history.length; i++) {
    const hashX = reader.bytesView(HASHX_LENGTH);
    history[i] = { hashX, txNum: reader.varUint(), more: reader.varBytes() };
  }
  const utxoAdds = readUtxoRows(reader);
  const utxoSpends = readUtxoRows(reader);
  return { history, utxoAdds, utxoSpends };
}

function compareHistoryRows(a: JournalEntry["history"][0], b: JournalEntry["history"][0]) {
  for (let i = 0; i < HASHX_LENGTH; i++) {
    if (a.hashX[i] !== b.hashX[i]) return a.hashX[i] - b.hashX[i];
  }
  return a.txNum - b.txNum;
}

/** What a merge moved into the tables. */
export interface MergeResult {
  /** The highest entry sequence number merged; 0 when there was nothing to merge. */
  seq: number;
  blocks: number;
}

/**
 * Moves the journal entries numbered up to `throughSeq` (all by default) into the tables, in
 * one transaction (the caller's, when one is open). Outputs created in one merged block and
 * spent in a later one never reach the tables.
 */
export function mergeJournal(
  db: DatabaseSync,
  writer: RowWriter,
  throughSeq = Number.MAX_SAFE_INTEGER,
): MergeResult {
  const own = !db.isTransaction;
  if (own) db.exec("BEGIN IMMEDIATE");
  try {
    const entries = db.prepare("SELECT seq, data FROM journal WHERE seq <= ? ORDER BY seq")
      .all(throughSeq) as { seq: number; data: Uint8Array }[];
    const history: JournalEntry["history"] = [];
    // Created outputs by tx_num:vout, so a later entry's spend of one cancels it.
    const adds = new Map<string, UtxoRow>();
    const spends: UtxoRow[] = [];
    for (const { data } of entries) {
      const entry = decodeJournalEntry(data);
      for (const row of entry.history) history.push(row);
      for (const row of entry.utxoAdds) adds.set(`${row.txNum}:${row.vout}`, row);
      for (const row of entry.utxoSpends) {
        if (!adds.delete(`${row.txNum}:${row.vout}`)) spends.push(row);
      }
    }
    history.sort(compareHistoryRows);
    writer.write({
      history: (emit) => {
        for (const row of history) emit(row.hashX, row.txNum, row.more);
      },
      utxoAdds: [...adds.values()],
      utxoSpends: spends,
    });
    const seq = entries.length > 0 ? entries[entries.length - 1].seq : 0;
    db.prepare("DELETE FROM journal WHERE seq <= ?").run(seq);
    if (own) db.exec("COMMIT");
    return { seq, blocks: entries.length };
  } catch (error) {
    if (own && db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** A journaled block as the overlay keeps it. */
interface PendingBlock {
  seq: number;
  /** Its txids and its history entries per script. */
  commit: RecentCommit;
  outputsAdded: OutputTable;
  outputsSpent: OutputTable;
  /** Its created and spent outputs per script (hashX hex), made when first asked for. */
  byScript?: Map<string, { adds: UtxoRow[]; spends: UtxoRow[] }>;
  adds: readonly UtxoRow[];
  spends: readonly UtxoRow[];
}

/**
 * Outputs by outpoint: keyed by txid prefix and the low 5 bits of the output index (48 + 5
 * bits, exact in a double), one row per key; rows whose key is taken (outputs 32 apart in one
 * transaction, or a prefix shared by two transactions) go to a list searched after. No array
 * per row: a block holds some 15,000 of them.
 */
class OutputTable {
  readonly #rows = new Map<number, UtxoRow>();
  readonly #more: UtxoRow[] = [];

  constructor(rows: readonly UtxoRow[]) {
    for (const row of rows) {
      const key = outpointKey(row.prefix, row.vout);
      if (this.#rows.has(key)) this.#more.push(row);
      else this.#rows.set(key, row);
    }
  }

  /** The row of `(prefix, vout)` that `matches` (which checks the full txid), if any. */
  find(prefix: number, vout: number, matches: (row: UtxoRow) => boolean): UtxoRow | undefined {
    const row = this.#rows.get(outpointKey(prefix, vout));
    if (!row) return undefined;
    if (row.vout === vout && matches(row)) return row;
    return this.#more.find((other) =>
      other.prefix === prefix && other.vout === vout && matches(other)
    );
  }
}

function outpointKey(prefix: number, vout: number): number {
  return prefix * 32 + (vout & 31);
}

function outputKey(row: UtxoEntry): string {
  return `${row.txNum}:${row.vout}`;
}

/** The journaled blocks not yet merged, oldest first, and the queries' view of them. */
export class JournalOverlay {
  #blocks: PendingBlock[] = [];

  /** Blocks held. */
  get blocks(): number {
    return this.#blocks.length;
  }

  /** Holds a block just journaled as entry `seq`. */
  add(seq: number, commit: RecentCommit, adds: readonly UtxoRow[], spends: readonly UtxoRow[]) {
    this.#blocks.push({
      seq,
      commit,
      adds,
      spends,
      outputsAdded: new OutputTable(adds),
      outputsSpent: new OutputTable(spends),
    });
  }

  /** Drops the blocks of entries up to `seq` (they are in the tables now). */
  dropThrough(seq: number): void {
    this.#blocks = this.#blocks.filter((block) => block.seq > seq);
  }

  clear(): void {
    this.#blocks = [];
  }

  /**
   * The output `(txid, vout)` if a held block created it and none spent it; null if a held
   * block spent it; undefined if the held blocks do not know it. `txidOf` gives the txid of a
   * tx number (prefixes can collide).
   */
  findUtxo(
    txid: Uint8Array,
    vout: number,
    prefix: number,
    txidOf: (txNum: number) => Uint8Array | undefined,
  ): UtxoEntry | null | undefined {
    for (let i = this.#blocks.length - 1; i >= 0; i--) {
      const block = this.#blocks[i];
      const spent = block.outputsSpent.find(
        prefix,
        vout,
        (row) => bytesEqual(txidOf(row.txNum) ?? new Uint8Array(), txid),
      );
      if (spent) return null;
      const added = block.outputsAdded.find(
        prefix,
        vout,
        (row) => bytesEqual(block.commit.txid(row.txNum), txid),
      );
      if (added) return added;
    }
    return undefined;
  }

  /**
   * Appends to `out` the held history entries of a script above tx number `after` (entries
   * at or below it are already in `out`, read from the tables), stopping at `limit`.
   */
  historyAfter(key: string, after: number, out: number[], limit: number): void {
    for (const block of this.#blocks) {
      for (const txNum of block.commit.history.get(key) ?? []) {
        if (out.length >= limit) return;
        if (txNum > after) out.push(txNum);
      }
    }
  }

  /** History entries held in the blocks of entries `unmerged` (for checks). */
  historyEntries(unmerged: ReadonlySet<number>): number {
    let total = 0;
    for (const block of this.#blocks) {
      if (!unmerged.has(block.seq)) continue;
      for (const entries of block.commit.history.values()) total += entries.length;
    }
    return total;
  }

  /** True when a held block created or spent an output of the script. */
  touchesUtxos(key: string): boolean {
    return this.#blocks.some((block) => this.#byScript(block).has(key));
  }

  /**
   * The script's unspent outputs given those the tables hold (`stored`): held spends
   * removed, held creations added once, ordered by (tx number, output index).
   */
  utxos(key: string, stored: readonly UtxoEntry[]): UtxoEntry[] {
    const live = new Map<string, UtxoEntry>();
    for (const row of stored) live.set(outputKey(row), row);
    for (const block of this.#blocks) {
      const changes = this.#byScript(block).get(key);
      if (!changes) continue;
      for (const row of changes.adds) live.set(outputKey(row), row);
      for (const row of changes.spends) live.delete(outputKey(row));
    }
    return [...live.values()].sort((a, b) => a.txNum - b.txNum || a.vout - b.vout);
  }

  /**
   * What the blocks of entries `unmerged` add to a script's balance in the tables: their
   * created outputs minus their spent ones (an output created and spent among them cancels).
   */
  balanceChange(key: string, unmerged: ReadonlySet<number>): number {
    let change = 0;
    for (const block of this.#blocks) {
      if (!unmerged.has(block.seq)) continue;
      const changes = this.#byScript(block).get(key);
      for (const row of changes?.adds ?? []) change += row.value;
      for (const row of changes?.spends ?? []) change -= row.value;
    }
    return change;
  }

  #byScript(block: PendingBlock): Map<string, { adds: UtxoRow[]; spends: UtxoRow[] }> {
    if (block.byScript) return block.byScript;
    const map = new Map<string, { adds: UtxoRow[]; spends: UtxoRow[] }>();
    const entry = (row: UtxoRow) => {
      const key = toHex(row.hashX);
      let changes = map.get(key);
      if (!changes) map.set(key, changes = { adds: [], spends: [] });
      return changes;
    };
    for (const row of block.adds) entry(row).adds.push(row);
    for (const row of block.spends) entry(row).spends.push(row);
    return block.byScript = map;
  }
}
