/**
 * The block processor's in-memory structures against plain Maps: the UTXO cache through
 * growth and compaction, the history batch's order and per-tx dedup, and the history row
 * format's round trip and size cap, the outpoint filter's answers, and the flush thread's
 * resolution of deferred spends.
 */
import assert from "node:assert/strict";
import { Random } from "../../src/regtest/activity.ts";
import { compareBytes, toHex } from "../../src/chain/bytes.ts";
import { HistoryBatch } from "../../src/index/history_batch.ts";
import {
  decodeHistoryRow,
  encodeHistoryRows,
  MAX_ROW_ENTRIES,
} from "../../src/index/history_rows.ts";
import { DeferredSpends, resolveDeferredSpends } from "../../src/index/deferred_spends.ts";
import { columnsToRows, UtxoColumnsBuilder } from "../../src/index/flush_payload.ts";
import { OutpointFilter } from "../../src/index/outpoint_filter.ts";
import type { UtxoEntry } from "../../src/index/store.ts";
import { radixOrder, sortKeyTies } from "../../src/index/radix_order.ts";
import { UtxoCache } from "../../src/index/utxo_cache.ts";

function randomBytes(random: Random, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => random.int(0, 255));
}

Deno.test("the UTXO cache agrees with a Map through growth, spends and compaction", () => {
  const random = new Random(7);
  const txids = { bytes: new Uint8Array(32 * 3000) };
  for (let i = 0; i < 3000; i++) txids.bytes.set(randomBytes(random, 32), 32 * i);
  // Two txs share their first 4 bytes, so their outputs collide in the hash table.
  txids.bytes.copyWithin(32 * 1, 0, 4);
  const cache = new UtxoCache(txids, 16);
  const model = new Map<string, { value: number; hashX: string }>();
  const key = (tx: number, vout: number) => `${tx}:${vout}`;
  for (let tx = 0; tx < 3000; tx++) {
    for (let vout = 0; vout < 3; vout++) {
      const hashX = randomBytes(random, 11);
      const value = random.int(0, 999_999);
      cache.add(tx, vout, hashX, 0, value);
      model.set(key(tx, vout), { value, hashX: toHex(hashX) });
    }
    // Spend a few random earlier outputs, as blocks do.
    for (let k = 0; k < 2; k++) {
      const spentTx = random.int(0, tx);
      const vout = random.int(0, 2);
      const taken = cache.take(txids.bytes, 32 * spentTx, vout);
      const expected = model.get(key(spentTx, vout));
      if (!expected) {
        assert.equal(taken, undefined, "an output already spent is not found again");
        continue;
      }
      assert.ok(taken, `output ${key(spentTx, vout)} is found`);
      assert.equal(taken.txIndex, spentTx);
      assert.equal(taken.value, expected.value);
      assert.equal(
        toHex(taken.hashXs.subarray(taken.hashXOffset, taken.hashXOffset + 11)),
        expected.hashX,
      );
      model.delete(key(spentTx, vout));
    }
  }
  assert.equal(cache.size, model.size);
  const left = new Map<string, number>();
  cache.forEach((output) => left.set(key(output.txIndex, output.vout), output.value));
  assert.deepEqual(left, new Map([...model].map(([k, v]) => [k, v.value])));
  const other = randomBytes(random, 32);
  assert.equal(cache.take(other, 0, 0), undefined, "an unknown txid is not found");
});

Deno.test("the history batch keeps each script's tx numbers once each, rows in key order", () => {
  const random = new Random(3);
  const scripts = Array.from({ length: 500 }, () => randomBytes(random, 11));
  const batch = new HistoryBatch(4);
  const model = new Map<string, number[]>();
  for (let txNum = 1000; txNum < 4000; txNum++) {
    for (let k = 0; k < 3; k++) {
      // Heavy reuse: a few scripts get most entries; repeats within a tx count once.
      const script = scripts[Math.min(random.int(0, 499), random.int(0, 499))];
      batch.add(script, 0, txNum);
      const list = model.get(toHex(script)) ?? [];
      if (list[list.length - 1] !== txNum) list.push(txNum);
      model.set(toHex(script), list);
    }
  }
  assert.equal(batch.scriptCount, model.size);
  const rows: { hashX: Uint8Array; txNum: number; more: Uint8Array }[] = [];
  batch.rows((hashX, txNum, more) =>
    rows.push({ hashX: hashX.slice(), txNum, more: more.slice() })
  );
  for (let i = 1; i < rows.length; i++) {
    const order = compareBytes(rows[i - 1].hashX, rows[i].hashX) ||
      rows[i - 1].txNum - rows[i].txNum;
    assert.ok(order < 0, "rows come in (hashX, tx_num) order");
  }
  const decoded = new Map<string, number[]>();
  for (const row of rows) {
    const list = decoded.get(toHex(row.hashX)) ?? [];
    decodeHistoryRow(row.txNum, row.more, list);
    decoded.set(toHex(row.hashX), list);
  }
  assert.deepEqual(decoded, model);
  const entries = Array.from({ length: batch.scriptCount }, (_, script) => batch.txNums(script));
  assert.deepEqual(entries.flat().length, [...model.values()].flat().length);
});

Deno.test("the history batch orders scripts by all hashX bytes, shared prefixes too", () => {
  const random = new Random(4);
  const batch = new HistoryBatch(4);
  const scripts: Uint8Array[] = [];
  const model = new Map<string, number[]>();
  for (let i = 0; i < 3000; i++) {
    const hashX = randomBytes(random, 11);
    // A third share their first four bytes with one of a few others: the radix sort's ties.
    if (i % 3 === 0) hashX.set([7, 7, i % 2, 7]);
    scripts.push(hashX);
    batch.add(hashX, 0, i);
    // Earlier scripts again, so runs of tied prefixes hold several entries of each script.
    const again = scripts[Math.floor(i / 2)];
    batch.add(again, 0, i);
    const list = model.get(toHex(again)) ?? [];
    model.set(toHex(again), [...list, i]);
  }
  const ordered = Array.from(
    { length: batch.scriptCount },
    (_, script) => toHex(batch.hashX(script)),
  );
  const expected = scripts.slice().sort(compareBytes).map((hashX) => toHex(hashX));
  assert.deepEqual(ordered, expected);
  const added = new Map(scripts.map((hashX, txNum) => [toHex(hashX), txNum]));
  for (let script = 0; script < batch.scriptCount; script++) {
    const own = added.get(ordered[script])!;
    const expectedTxNums = [...new Set([own, ...(model.get(ordered[script]) ?? [])])]
      .sort((a, b) => a - b);
    assert.deepEqual(batch.txNums(script), expectedTxNums, `tx numbers of ${ordered[script]}`);
  }
});

Deno.test("history rows round-trip, hold at most MAX_ROW_ENTRIES and honour a limit", () => {
  const txNums = [5];
  for (let i = 1; i < 1000; i++) {
    txNums.push(txNums[i - 1] + 1 + (i % 7) * 1000 + (i === 500 ? 2 ** 40 : 0));
  }
  const rows = encodeHistoryRows(txNums);
  assert.equal(rows.length, Math.ceil(1000 / MAX_ROW_ENTRIES));
  const out: number[] = [];
  for (const row of rows) decodeHistoryRow(row.txNum, row.more, out);
  assert.deepEqual(out, txNums);
  assert.ok(rows.every((row) => row.more.length < 1000), "every row fits without overflow");
  const limited: number[] = [];
  for (const row of rows) decodeHistoryRow(row.txNum, row.more, limited, 300);
  assert.deepEqual(limited, txNums.slice(0, 300));
  assert.deepEqual(encodeHistoryRows([42]), [{ txNum: 42, more: new Uint8Array(0) }]);
});

Deno.test("the radix order is a stable sort by 32-bit key, and ties sort by the comparison", () => {
  const random = new Random(9);
  // Few distinct keys, so most items tie; the high bits exercise every digit.
  const distinct = Array.from({ length: 50 }, () => random.int(0, 0xffffffff) >>> 0);
  const keys = Uint32Array.from({ length: 5000 }, () => distinct[random.int(0, 49)]);
  const tiebreak = Array.from({ length: 5000 }, () => random.int(0, 99));
  const sorted = radixOrder(keys);
  const stable = [...keys.keys()].sort((a, b) => keys[a] - keys[b] || a - b);
  assert.deepEqual([...sorted.order], stable);
  assert.deepEqual([...sorted.keys], stable.map((i) => keys[i]));
  sortKeyTies(sorted, (a, b) => tiebreak[a] - tiebreak[b] || a - b);
  const expected = [...keys.keys()].sort((a, b) =>
    keys[a] - keys[b] || tiebreak[a] - tiebreak[b] || a - b
  );
  assert.deepEqual([...sorted.order], expected);
});

Deno.test("the outpoint filter has every key it was given and few it was not", () => {
  const random = new Random(11);
  const prefix = () => random.int(0, 0xffffff) * 0x1000000 + random.int(0, 0xffffff);
  const keys = Array.from({ length: 50_000 }, () => [prefix(), random.int(0, 3)]);
  const filter = new OutpointFilter(keys.length);
  for (const [p, vout] of keys) filter.add(p, vout);
  assert.ok(keys.every(([p, vout]) => filter.mayHave(p, vout)), "no false negative");
  // The same prefixes under other output indexes, and new prefixes: absent keys.
  let maybe = 0;
  for (const [p, vout] of keys) {
    if (filter.mayHave(p, vout + 4)) maybe++;
    if (filter.mayHave(prefix(), vout)) maybe++;
  }
  const rate = maybe / (2 * keys.length);
  assert.ok(rate < 0.03, `false positive rate ${rate}`);
  // Bits sent to another thread answer the same.
  const copy = new OutpointFilter(filter.bits.slice());
  assert.ok(keys.every(([p, vout]) => copy.mayHave(p, vout)));
  assert.equal(new OutpointFilter(0).mayHave(1, 0), false, "an empty filter has nothing");
});

Deno.test("deferred spends fill their history blanks and become tombstones; a missing or twice-spent output fails", () => {
  const random = new Random(13);
  const txids = Array.from({ length: 40 }, () => randomBytes(random, 32));
  const outputs = new Map<string, UtxoEntry>();
  txids.forEach((txid, i) =>
    outputs.set(`${toHex(txid)}:1`, {
      hashX: randomBytes(random, 11),
      txNum: i,
      vout: 1,
      value: 1000 + i,
    })
  );
  const find = (txid: Uint8Array, vout: number) => outputs.get(`${toHex(txid)}:${vout}`);
  const blocks = [{ height: 7, header: new Uint8Array(80), txEnd: 200 }];
  const history = new HistoryBatch();
  const spends = new DeferredSpends();
  // Tx 100 + i spends output 1 of tx i, in reverse txid order; each tx also pays a script.
  const paid = randomBytes(random, 11);
  for (let i = 0; i < txids.length; i++) {
    spends.add(txids[txids.length - 1 - i], 0, 1, history.addBlank(100 + i));
    history.add(paid, 0, 100 + i);
  }
  const tombstones = resolveDeferredSpends(spends.columns(), history.parts, blocks, [], find);
  assert.equal(tombstones.vouts.length, txids.length);
  for (let i = 0; i < txids.length; i++) {
    const spent = outputs.get(`${toHex(txids[txids.length - 1 - i])}:1`)!;
    const scripts: string[] = [];
    for (let script = 0; script < history.scriptCount; script++) {
      if (history.txNums(script).includes(100 + i)) scripts.push(toHex(history.hashX(script)));
    }
    assert.deepEqual(scripts.sort(), [toHex(spent.hashX), toHex(paid)].sort());
  }
  const tombstoneTxNums = Array.from(tombstones.txNums).sort((a, b) => a - b);
  assert.deepEqual(tombstoneTxNums, txids.map((_, i) => i));

  const failing = (txid: Uint8Array, vout: number) => {
    const batch = new HistoryBatch();
    const twice = new DeferredSpends();
    twice.add(txids[0], 0, 1, batch.addBlank(150));
    twice.add(txid, 0, vout, batch.addBlank(151));
    return () => resolveDeferredSpends(twice.columns(), batch.parts, blocks, [], find);
  };
  assert.throws(failing(txids[1], 5), /spends .*:5, which the index does not have as unspent/);
  assert.throws(failing(txids[0], 1), /which the index does not have as unspent/);
});

Deno.test("UTXO rows built as columns come back as the rows added, through growth", () => {
  const random = new Random(17);
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    prefix: random.int(0, 0xffffff) * 0x1000000 + random.int(0, 0xffffff),
    vout: random.int(0, 5000),
    txNum: 2 ** 33 + i,
    value: random.int(0, 2 ** 30) * 1000,
    hashX: randomBytes(random, 11),
  }));
  const builder = new UtxoColumnsBuilder();
  for (const row of rows) {
    const padded = new Uint8Array(20);
    padded.set(row.hashX, 5);
    builder.add(row.prefix, row.vout, row.txNum, padded, 5, row.value);
  }
  assert.ok(builder.bytes >= rows.length * 39);
  assert.deepEqual(columnsToRows(builder.finish()), rows);
});
