/** The in-memory record of the last live commits: runs, limits, answers and resets. */
import assert from "node:assert/strict";
import { toHex } from "../../src/chain/bytes.ts";
import { RecentCommits } from "../../src/index/recent_commits.ts";

const ALICE = new Uint8Array(11).fill(1);
const BOB = new Uint8Array(11).fill(2);

/** A commit of `count` txs from `from`, with history rows for the scripts given. */
function commit(
  recent: RecentCommits,
  from: number,
  count: number,
  rows: [Uint8Array, number[]][],
) {
  const txids = new Uint8Array(32 * count).map((_, i) => (from * 32 + i) & 0xff);
  const history = new Map(rows.map(([hashX, txNums]) => [toHex(hashX), txNums]));
  recent.committed(recent.begin(from, txids, history));
}

Deno.test("recent commits answer what a script gained since the start of any kept commit", () => {
  const recent = new RecentCommits();
  commit(recent, 100, 10, [[ALICE, [101, 105]], [BOB, [102]]]);
  commit(recent, 110, 5, [[ALICE, [112]]]);
  assert.deepEqual(recent.historyFrom(ALICE, 100), [101, 105, 112]);
  assert.deepEqual(recent.historyFrom(ALICE, 110), [112]);
  assert.deepEqual(recent.historyFrom(BOB, 110), []);
  assert.equal(recent.historyFrom(ALICE, 105), undefined, "not a commit's start");
  assert.equal(recent.historyFrom(ALICE, 90), undefined, "before the first kept commit");
  assert.equal(recent.txid(112)?.[0], (110 * 32 + 2 * 32) & 0xff);
  assert.equal(recent.txid(115), undefined);

  // A gap (a commit not following the last) starts a new run.
  commit(recent, 200, 1, [[BOB, [200]]]);
  assert.equal(recent.historyFrom(ALICE, 100), undefined);
  assert.deepEqual(recent.historyFrom(BOB, 200), [200]);

  // A big commit (initial sync) is not kept, and ends the run.
  commit(recent, 201, 30_000, []);
  assert.equal(recent.startsAt(200), false);

  // Six live blocks are kept.
  for (let i = 0; i < 8; i++) commit(recent, 40_000 + i, 1, [[ALICE, [40_000 + i]]]);
  assert.equal(recent.startsAt(40_001), false);
  assert.deepEqual(recent.historyFrom(ALICE, 40_002), [
    40_002,
    40_003,
    40_004,
    40_005,
    40_006,
    40_007,
  ]);
  recent.clear();
  assert.equal(recent.txid(40_007), undefined);
});
