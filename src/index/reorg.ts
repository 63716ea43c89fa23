/**
 * Reorgs: finding where our chain and the daemon's part, and unwinding blocks with the undo
 * records, all inside one transaction so a crash leaves either the old or the unwound index.
 */
import { toHex } from "../chain/bytes.ts";
import type { Daemon } from "../daemon/daemon.ts";
import type { IndexStore } from "./store.ts";
import { txidPrefix } from "./store.ts";
import { decodeHistoryRow, encodeHistoryRows } from "./history_rows.ts";
import { TXIDS_PER_CHUNK } from "./schema.ts";
import { decodeUndo, type UndoRecord } from "./undo.ts";

/** The reorg is deeper than the undo data kept (REORG_LIMIT); the index is left untouched. */
export class ReorgTooDeepError extends Error {
  override name = "ReorgTooDeepError";
}

/**
 * The highest height at which our block hash equals the daemon's, searching back from the tip
 * in windows that double in size (ElectrumX's method). -1 if not even genesis matches.
 */
export async function findForkHeight(store: IndexStore, daemon: Daemon): Promise<number> {
  const daemonHeight = await daemon.getBlockCount();
  let start = store.height;
  let count = 1;
  while (start >= 0) {
    // Heights the daemon does not have (its chain may be shorter) cannot match.
    const known = Math.max(0, Math.min(count, daemonHeight - start + 1));
    const theirs = known > 0 ? await daemon.getBlockHashes(start, known) : [];
    // Scan from the top of this window down: the first match is the fork point.
    for (let i = count - 1; i >= 0; i--) {
      if (store.blockHash(start + i) === theirs[i]) {
        // Everything above start + i was already compared (or is the window itself).
        return start + i;
      }
    }
    const next = Math.min(count * 2, start);
    if (next === 0) break;
    start -= next;
    count = next;
  }
  return -1;
}

/**
 * Unwinds the top `count` blocks. Checks first that every undo record is present, so a reorg
 * beyond the window fails without writing anything. Returns the scripts touched (hashX hex).
 */
export function unwindBlocks(store: IndexStore, count: number): Set<string> {
  const top = store.height;
  const bottom = top - count + 1;
  if (count <= 0) return new Set();
  if (bottom < 1) {
    throw new ReorgTooDeepError(`cannot unwind ${count} blocks from height ${top}`);
  }
  // Undo records describe the tables; journaled blocks and sync runs go into them first.
  store.mergeJournal();
  store.finalizeRuns();
  const records: { height: number; record: UndoRecord }[] = [];
  for (let height = top; height >= bottom; height--) {
    const data = store.undo(height);
    if (!data) {
      throw new ReorgTooDeepError(
        `no undo information found for height ${height}: the reorg is deeper than the ` +
          `${top - height} blocks of undo data kept (REORG_LIMIT); resync the index`,
      );
    }
    records.push({ height, record: decodeUndo(data) });
  }
  const sql = store.statements;
  const newHeight = bottom - 1;
  const newTxCount = store.firstTxNum(bottom);
  const removedTxs: [number, Uint8Array][] = [];
  for (let height = bottom; height <= top; height++) {
    const first = store.firstTxNum(height);
    store.blockTxids(height).forEach((txid, i) => removedTxs.push([first + i, txid]));
  }
  // Every script a removed block paid to or spent from, by hashX hex. An output the blocks
  // created is still unspent (in the outpoint table), or was spent by a later removed block
  // (in its record's spends) or by its own block (in its record's scripts paid to).
  const scripts = new Map<string, Uint8Array>();
  for (const { record } of records) {
    for (const hashX of record.created) scripts.set(toHex(hashX), hashX);
    for (const row of record.spent) scripts.set(toHex(row.hashX), row.hashX);
  }
  for (const [txNum, txid] of removedTxs) {
    const rows = sql.outpointScriptsOfTx.all(txidPrefix(txid), txNum) as unknown as [
      Uint8Array,
    ][];
    for (const [hashX] of rows) scripts.set(toHex(hashX), hashX);
  }
  // Outputs the removed blocks spent that older blocks created come back.
  const restored = records.flatMap(({ record }) =>
    record.spent.filter((row) => row.txNum < newTxCount)
  );
  const restoredTxids = store.txids(restored.map((row) => row.txNum));
  const tip = store.blockHash(newHeight)!;
  store.commitRewind(
    { height: newHeight, tip, txCount: newTxCount, firstSync: store.state.firstSync },
    () => {
      for (const hashX of scripts.values()) {
        sql.deleteUtxosFrom.run(hashX, newTxCount);
        truncateHistory(store, hashX, newTxCount);
      }
      restored.forEach((row, i) => {
        sql.insertUtxo.run(row.hashX, row.txNum, row.vout, row.value);
        sql.insertOutpoint.run(txidPrefix(restoredTxids[i]), row.vout, row.txNum, row.hashX);
      });
      for (const [txNum, txid] of removedTxs) {
        sql.deleteOutpointsOfTx.run(txidPrefix(txid), txNum);
      }
      for (let height = bottom; height <= top; height++) {
        sql.deleteHeader.run(height);
        sql.deleteUndo.run(height);
      }
      truncateTxids(store, newTxCount);
    },
  );
  return new Set(scripts.keys());
}

/** Removes a script's history entries from tx number `txCount` on. */
function truncateHistory(store: IndexStore, hashX: Uint8Array, txCount: number): void {
  const sql = store.statements;
  sql.deleteHistoryFrom.run(hashX, txCount);
  const last = sql.lastHistoryRowBelow.get(hashX, txCount) as unknown as
    | [number, Uint8Array]
    | undefined;
  if (!last) return;
  const txNums: number[] = [];
  decodeHistoryRow(last[0], last[1], txNums);
  const kept = txNums.filter((txNum) => txNum < txCount);
  if (kept.length < txNums.length) {
    sql.replaceHistoryRow.run(encodeHistoryRows(kept)[0].more, hashX, last[0]);
  }
}

/** Removes txids from tx number `txCount` on, keeping the first part of a split chunk. */
function truncateTxids(store: IndexStore, txCount: number): void {
  const sql = store.statements;
  const chunk = Math.floor(txCount / TXIDS_PER_CHUNK);
  const kept = txCount % TXIDS_PER_CHUNK;
  if (kept === 0) {
    sql.deleteTxidChunksFrom.run(chunk);
    return;
  }
  const [data] = sql.txidChunk.get(chunk) as unknown as [Uint8Array];
  sql.deleteTxidChunksFrom.run(chunk + 1);
  sql.putTxidChunk.run(chunk, data.slice(0, kept * 32));
}
