/**
 * ScriptHistories bringing cached histories and kept status digests forward, over a scripted
 * view of the index (a history that grows block by block, then a reorg): every answer must
 * equal one computed from the whole history, a history that outgrows the limit turns "too
 * large" both ways, and an unwind makes everything be read again.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ScriptHistories } from "../../src/electrum/history.ts";
import { RpcError } from "../../src/electrum/errors.ts";
import {
  type ChainQueries,
  type HistoryItem,
  HistoryTooLargeError,
} from "../../src/index/queries.ts";

const HASHX = "00".repeat(11);

/** An index whose one script gains entries block by block; full reads are counted. */
class ScriptedIndex {
  history: HistoryItem[] = [];
  txCount = 0;
  rewinds = 0;
  fullReads = 0;

  addBlock(entries: number): void {
    for (let i = 0; i < entries; i++) {
      this.history.push({ txHash: (this.txCount + i).toString(16).padStart(64, "0"), height: 1 });
    }
    this.txCount += entries;
  }
}

/** The index as ScriptHistories reads it. */
function queriesOf(index: ScriptedIndex): ChainQueries {
  return {
    store: {
      get txCount() {
        return index.txCount;
      },
      get rewinds() {
        return index.rewinds;
      },
      height: 1,
    },
    mempool: { syncedHeight: 1 },
    confirmedHistory(_hashX: Uint8Array, limit: number) {
      index.fullReads++;
      if (index.history.length >= limit) throw new HistoryTooLargeError();
      return [...index.history];
    },
    confirmedHistoryFrom(_hashX: Uint8Array, txNum: number) {
      return index.history.slice(txNum);
    },
    mempoolHistory: () => [],
  } as unknown as ChainQueries;
}

function expectedStatus(items: HistoryItem[]): string {
  const preimage = items.map((item) => `${item.txHash}:${item.height}:`).join("");
  return createHash("sha256").update(preimage).digest("hex");
}

function expectedJson(items: HistoryItem[]): string {
  return items.map((item) => `{"tx_hash":"${item.txHash}","height":${item.height}}`).join(",");
}

Deno.test("cached histories and kept statuses are brought forward block by block", () => {
  const index = new ScriptedIndex();
  index.addBlock(3);
  const histories = new ScriptHistories(queriesOf(index), 10);
  histories.keep(HASHX, histories.status(HASHX));
  assert.equal(histories.confirmedJson(HASHX).json, expectedJson(index.history));
  assert.equal(index.fullReads, 1, "one read serves the status and the history");

  for (const entries of [1, 0, 2]) {
    index.addBlock(entries);
    const status = histories.status(HASHX);
    histories.keep(HASHX, status);
    assert.equal(status.status, expectedStatus(index.history));
    assert.equal(histories.confirmedJson(HASHX).json, expectedJson(index.history));
    assert.equal(
      new TextDecoder().decode(histories.confirmedJsonBytes(HASHX).bytes),
      expectedJson(index.history),
    );
  }
  assert.equal(index.fullReads, 1, "no history was read again in full");

  // An unwind: everything derived before it is read again.
  index.rewinds++;
  index.history.pop();
  index.txCount--;
  assert.equal(histories.status(HASHX).status, expectedStatus(index.history));
  assert.equal(histories.confirmedJson(HASHX).json, expectedJson(index.history));
  assert.equal(index.fullReads, 2);
});

Deno.test("a history that outgrows the limit becomes too large for both", () => {
  const index = new ScriptedIndex();
  index.addBlock(3);
  const histories = new ScriptHistories(queriesOf(index), 5);
  histories.keep(HASHX, histories.status(HASHX));
  histories.confirmedJson(HASHX);
  index.addBlock(2);
  const tooLarge = (error: unknown) =>
    error instanceof RpcError && error.message === "history too large";
  assert.throws(() => histories.status(HASHX), tooLarge);
  assert.throws(() => histories.confirmed(HASHX), tooLarge);
  assert.throws(() => histories.confirmedJson(HASHX), tooLarge);
});
