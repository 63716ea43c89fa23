import assert from "node:assert/strict";
import { compactFeeHistogram } from "../../src/index/mempool.ts";

Deno.test("fee histogram matches docs/protocol.md's worked example", () => {
  // One tx per rate with fee chosen so floor(10*fee/vsize)/10 is the rate.
  const bands: [number, number][] = [[50.0, 10000], [20.5, 25000], [10.0, 70000], [5.0, 5000], [
    1.0,
    100000,
  ], [0.5, 2000]];
  const txs = bands.map(([rate, vsize]) => ({ fee: Math.round(rate * vsize), vsize }));
  assert.deepEqual(compactFeeHistogram(txs), [[20.5, 35000], [10.0, 70000], [5.0, 5000], [
    1.0,
    100000,
  ]]);
});

Deno.test("fee rates are rounded down to 0.1 sat/vB and empty mempools give []", () => {
  assert.deepEqual(compactFeeHistogram([]), []);
  assert.deepEqual(compactFeeHistogram([{ fee: 1999, vsize: 40000 }]), [[0, 40000]]);
  assert.deepEqual(compactFeeHistogram([{ fee: 41999, vsize: 40000 }]), [[1, 40000]]);
});
