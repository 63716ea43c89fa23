/**
 * Runs packed into blocks (packed_run.ts) on a real SQLite file: records come back in order
 * from any block, the block index finds where a key's records begin, and a merge of several
 * runs yields every record once, in key order, stopping where asked.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { compareBytes } from "../../src/chain/bytes.ts";
import {
  BlockWriter,
  createRunTable,
  mergeCursors,
  type RecordFormat,
  RunCursor,
} from "../../src/index/packed_run.ts";
import { Random } from "../../src/regtest/activity.ts";

/** Records of a 4-byte key and 0–5 bytes of payload, the payload's length in byte 4. */
const FORMAT: RecordFormat = { keyBytes: 4, length: (data, at) => 5 + data[at + 4] };

function randomRecords(random: Random, count: number): Uint8Array[] {
  const records = Array.from({ length: count }, () => {
    const payload = random.int(0, 5);
    const record = new Uint8Array(5 + payload);
    for (let i = 0; i < 4; i++) record[i] = random.int(0, 255);
    record[4] = payload;
    for (let i = 5; i < record.length; i++) record[i] = random.int(0, 255);
    return record;
  });
  return records.sort(compareBytes);
}

function readAll(cursor: RunCursor): Uint8Array[] {
  const records: Uint8Array[] = [];
  while (cursor.next()) records.push(cursor.data.slice(cursor.at, cursor.at + cursor.length));
  return records;
}

Deno.test("packed runs read back in order, find keys by block, and merge in key order", () => {
  const random = new Random(3);
  const db = new DatabaseSync(":memory:");
  const runs = [randomRecords(random, 500), randomRecords(random, 300), randomRecords(random, 1)];
  const indexes = runs.map((records, i) => {
    createRunTable(db, `run_${i}`);
    const writer = new BlockWriter(db, `run_${i}`, FORMAT, 64);
    for (const record of records) writer.copy(record, 0, record.length);
    assert.equal(writer.records, records.length);
    return writer.finish();
  });
  assert.ok(indexes[0].blocks > 20, `${indexes[0].blocks} blocks of at most 64 bytes`);
  assert.deepEqual(readAll(new RunCursor(db, "run_0", FORMAT)), runs[0]);

  // From the block startOf gives, the records at or after a key follow in order.
  for (const probe of [runs[0][0], runs[0][250], runs[0][499], new Uint8Array([255, 255])]) {
    const from = readAll(new RunCursor(db, "run_0", FORMAT, indexes[0].startOf(probe, 2)));
    const expected = runs[0].filter((record) =>
      compareBytes(record.subarray(0, 2), probe.subarray(0, 2)) >= 0
    );
    assert.deepEqual(from.slice(from.length - expected.length), expected);
    assert.ok(from.length - expected.length < 64, "the block before holds the rest");
  }

  const merged: Uint8Array[] = [];
  mergeCursors(runs.map((_, i) => new RunCursor(db, `run_${i}`, FORMAT)), (cursor) => {
    merged.push(cursor.data.slice(cursor.at, cursor.at + cursor.length));
  });
  assert.deepEqual(merged, runs.flat().sort(compareBytes));

  let visited = 0;
  mergeCursors(runs.map((_, i) => new RunCursor(db, `run_${i}`, FORMAT)), () => ++visited < 10);
  assert.equal(visited, 10, "stops where the visitor says");
  db.exec("DROP TABLE run_0"); // the stopped cursors released their tables
  db.close();
});
