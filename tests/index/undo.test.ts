import assert from "node:assert/strict";
import { decodeUndo, encodeUndo, finishUndo, UndoWriter } from "../../src/index/undo.ts";

Deno.test("undo records round-trip, including values and tx numbers above 2^32", () => {
  const record = {
    spent: [
      {
        hashX: new Uint8Array(11).fill(3),
        txNum: 2 ** 40 + 5,
        vout: 70_000,
        value: 2_100_000_000_000_000,
      },
      { hashX: new Uint8Array(11).fill(9), txNum: 0, vout: 0, value: 0 },
    ],
    created: [new Uint8Array(11).fill(1), new Uint8Array(11).fill(2)],
  };
  const encoded = encodeUndo(record);
  // Counts and small numbers take one byte each: far below a fixed-width layout.
  assert.equal(encoded.length, 1 + (11 + 6 + 3 + 8) + (11 + 3) + 1 + 2 * 11);
  assert.deepEqual(decodeUndo(encoded), record);
  assert.deepEqual(decodeUndo(encodeUndo({ spent: [], created: [] })), { spent: [], created: [] });
});

Deno.test("a truncated undo record is refused", () => {
  const encoded = encodeUndo({
    spent: [{ hashX: new Uint8Array(11), txNum: 1, vout: 1, value: 1 }],
    created: [],
  });
  assert.throws(() => decodeUndo(encoded.subarray(0, 10)), /unexpected end of data/);
});

Deno.test("a draft's deferred spends are filled in when found, after the known ones", () => {
  const known = { hashX: new Uint8Array(11).fill(4), txNum: 7, vout: 1, value: 500 };
  const later = [
    { hashX: new Uint8Array(11).fill(5), txNum: 3, vout: 0, value: 900 },
    { hashX: new Uint8Array(11).fill(6), txNum: 2 ** 33, vout: 2, value: 1 },
  ];
  const writer = new UndoWriter();
  writer.spendLater(1);
  writer.spend(known.hashX, 0, known.txNum, known.vout, known.value);
  writer.paidTo(new Uint8Array(11).fill(8), 0);
  writer.spendLater(0);
  assert.ok(writer.waiting);
  assert.throws(() => writer.finish(), /waits for deferred spends/);
  const record = decodeUndo(finishUndo(writer.draft(), (spend) => later[spend]));
  assert.deepEqual(record, {
    spent: [known, later[1], later[0]],
    created: [new Uint8Array(11).fill(8)],
  });
});
