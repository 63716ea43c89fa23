/** Compares an index with the truth computed from the chain's blocks, table by table. */
import assert from "node:assert/strict";
import { fromHex, hashToHex } from "../../src/chain/bytes.ts";
import type { IndexStore } from "../../src/index/store.ts";
import { ChainTruth } from "./chain_truth.ts";

function count(store: IndexStore, table: string): number {
  return (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/**
 * Asserts that `store` holds exactly the chain `blocks` (raw, from genesis): height, tip,
 * every script's history, UTXOs and balance, and no rows beyond those (so nothing of an
 * orphaned branch survives). Live blocks still in the journal are checked through the
 * queries, then merged, and the tables checked again.
 */
export function assertIndexMatchesChain(store: IndexStore, blocks: Uint8Array[]): ChainTruth {
  const truth = new ChainTruth();
  truth.addBlocks(blocks);
  assert.equal(store.height, truth.height, "index height");
  assert.equal(store.txCount, truth.txCount, "index tx count");
  if (store.journaledBlocks > 0) {
    assertScripts(store, truth);
    store.mergeJournal();
    assert.equal(store.journaledBlocks, 0, "journal merged");
  }
  const utxoRows = assertScripts(store, truth);
  assert.equal(count(store, "utxo"), utxoRows, "utxo rows");
  assert.equal(count(store, "outpoint"), utxoRows, "outpoint rows");
  assert.equal(count(store, "journal"), 0, "journal rows");
  const txidBytes = store.db.prepare("SELECT coalesce(sum(length(data)), 0) AS n FROM txids")
    .get() as { n: number };
  assert.equal(txidBytes.n, 32 * truth.txCount, "txids stored");
  assert.equal(count(store, "headers"), truth.height + 1, "header rows");
  return truth;
}

/** Every script's history, UTXOs and balance through the store's queries; the UTXO count. */
export function assertScripts(store: IndexStore, truth: ChainTruth): number {
  let historyRows = 0;
  let utxoRows = 0;
  for (const [key, script] of truth.scripts) {
    const hashX = fromHex(key).subarray(0, 11);
    const history = store.history(hashX).map((e) => [hashToHex(e.txid), store.heightOfTx(e.txNum)]);
    assert.deepEqual(history, script.history, `history of script ${script.script}`);
    const utxos = new Map(
      store.utxos(hashX).map((
        u,
      ) => [`${hashToHex(u.txid)}:${u.vout}`, [u.value, store.heightOfTx(u.txNum)]]),
    );
    assert.deepEqual(utxos, script.utxos, `UTXOs of script ${script.script}`);
    assert.equal(store.balance(hashX), truth.balance(key), `balance of script ${script.script}`);
    historyRows += script.history.length;
    utxoRows += script.utxos.size;
  }
  assert.equal(store.historyEntryCount(), historyRows, "history entries");
  return utxoRows;
}
