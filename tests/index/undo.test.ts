import assert from "node:assert/strict";
import { decodeUndo, encodeUndo } from "../../src/index/undo.ts";

Deno.test("undo records round-trip, including values and tx numbers above 2^32", () => {
  const record = {
    spent: [
      {
        prefix: 0xffff_ffff_ffff,
        vout: 7,
        hashX: new Uint8Array(11).fill(3),
        txNum: 2 ** 40 + 5,
        value: 2_100_000_000_000_000,
      },
      { prefix: 0, vout: 0, hashX: new Uint8Array(11).fill(9), txNum: 0, value: 0 },
    ],
    created: [new Uint8Array(11).fill(1), new Uint8Array(11).fill(2)],
  };
  const encoded = encodeUndo(record);
  assert.equal(encoded.length, 4 + 2 * 39 + 4 + 2 * 11);
  assert.deepEqual(decodeUndo(encoded), record);
  assert.deepEqual(decodeUndo(encodeUndo({ spent: [], created: [] })), { spent: [], created: [] });
});

Deno.test("a truncated undo record is refused", () => {
  const encoded = encodeUndo({
    spent: [{ prefix: 1, vout: 1, hashX: new Uint8Array(11), txNum: 1, value: 1 }],
    created: [],
  });
  assert.throws(() => decodeUndo(encoded.subarray(0, 20)), /unexpected end of data/);
});
