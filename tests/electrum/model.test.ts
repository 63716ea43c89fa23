/**
 * The server's models without sockets: version negotiation, fee target buckets, session
 * groups and private addresses, the cost meter and throttling semaphore, caches, and header
 * checkpoint proofs against a from-scratch merkle tree.
 */
import assert from "node:assert/strict";
import { hashToHex } from "../../src/chain/bytes.ts";
import { sha256d } from "../../src/chain/hash.ts";
import { merkleBranch, merkleRoot } from "../../src/chain/merkle.ts";
import {
  BlockCache,
  formatCacheStats,
  LruCache,
  MERKLE_CACHE_MIN_TXS,
} from "../../src/electrum/caches.ts";
import {
  Concurrency,
  type CostLimits,
  CostMeter,
  ExcessiveCostError,
} from "../../src/electrum/cost.ts";
import { bucketFeeTarget } from "../../src/electrum/fees.ts";
import { subnetGroupName, timesliceGroupName } from "../../src/electrum/groups.ts";
import { formatIp, isPrivateIp, parseIp } from "../../src/ip.ts";
import { HeaderProofs } from "../../src/electrum/header_proofs.ts";
import { historyLimit } from "../../src/electrum/history.ts";
import {
  compareVersions,
  negotiateVersion,
  parseVersion,
  versionString,
} from "../../src/electrum/protocol.ts";
import type { IndexStore } from "../../src/index/store.ts";

Deno.test("version strings, comparison and negotiation", () => {
  assert.deepEqual(parseVersion("1.4.2"), [1, 4, 2]);
  assert.deepEqual(parseVersion("1.x"), [0]);
  assert.deepEqual(parseVersion(14), [0]);
  assert.ok(compareVersions([1, 6], [1, 6, 0]) < 0);
  assert.ok(compareVersions([1, 10], [1, 9, 9]) > 0);
  assert.equal(versionString([1]), "1.0");
  assert.equal(versionString([1, 6, 0]), "1.6.0");
  const ok = (requested: unknown) => {
    const result = negotiateVersion(requested);
    return result.ok ? versionString(result.version) : result.message;
  };
  assert.equal(ok(null), "1.4");
  assert.equal(ok(undefined), "1.4");
  assert.equal(ok("1.4"), "1.4");
  assert.equal(ok("1.6"), "1.6");
  assert.equal(ok("1.7"), "unsupported protocol version: 1.7");
  assert.equal(ok(["1.4", "1.7"]), "1.6.0");
  assert.equal(ok(["1.1", "1.4.1"]), "1.4.1");
  assert.equal(ok(["1.5", "1.4"]), "unsupported protocol version: ['1.5', '1.4']");
  assert.equal(ok("1.3.9"), "unsupported protocol version: 1.3.9");
  assert.equal(ok(["1.4"]), "unsupported protocol version: ['1.4']");
  assert.equal(ok("0"), "unsupported protocol version: 0");
});

Deno.test("estimatefee targets are bucketed as ElectrumX buckets them", () => {
  const cases: [number, number][] = [
    [0, 1],
    [1, 1],
    [2, 2],
    [12, 12],
    [13, 12],
    [14, 14],
    [25, 25],
    [27, 26],
    [48, 48],
    [49, 48],
    [71, 48],
    [72, 72],
    [1008, 1008],
    [1009, 1008],
    [100000, 1008],
  ];
  for (const [n, bucket] of cases) assert.equal(bucketFeeTarget(n), bucket, String(n));
});

Deno.test("subnet groups, private addresses and time slices", () => {
  const prefixes = { ipv4: 24, ipv6: 48 };
  assert.equal(subnetGroupName("165.255.191.213", prefixes), "165.255.191.0/24");
  assert.equal(subnetGroupName("165.255.191.213", { ipv4: 16, ipv6: 48 }), "165.255.0.0/16");
  assert.equal(subnetGroupName("2a01:4f8:10a:1::5", prefixes), "2a01:4f8:10a::/48");
  assert.equal(subnetGroupName("::ffff:8.8.4.4", prefixes), "8.8.4.0/24");
  assert.equal(subnetGroupName("100.64.1.2", prefixes), "100.64.1.0/24", "CGNAT is not private");
  for (
    const host of [
      "127.0.0.1",
      "10.1.2.3",
      "192.168.1.1",
      "172.20.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
    ]
  ) {
    assert.equal(subnetGroupName(host, prefixes), undefined, host);
  }
  assert.equal(subnetGroupName("not-an-ip", prefixes), "unknown_addr");
  assert.equal(subnetGroupName(undefined, prefixes), "unknown_addr");
  assert.equal(isPrivateIp(parseIp("172.32.0.1")!), false);
  assert.equal(isPrivateIp(parseIp("240.0.0.1")!), true);
  assert.equal(formatIp(parseIp("2001:0db8:0000:0000:0001:0000:0000:0001")!), "2001:db8::1:0:0:1");
  assert.equal(formatIp(parseIp("0:0:0:0:0:0:0:0")!), "::");
  assert.equal(parseIp("1::2::3"), undefined);
  assert.equal(parseIp("256.1.1.1"), undefined);
  assert.equal(timesliceGroupName(0), "t0");
  assert.equal(timesliceGroupName(299.9), "t0");
  assert.equal(timesliceGroupName(300), "t1");
});

function limits(overrides: Partial<CostLimits> = {}): CostLimits {
  return {
    initialCost: 5,
    softLimit: 1000,
    hardLimit: 10000,
    initialConcurrent: 10,
    maxSleepMs: 2500,
    bandwidthCostPerByte: 1 / 5000,
    initialDecayPerSecond: 1,
    requestTimeoutMs: 30000,
    ...overrides,
  };
}

Deno.test("the cost meter throttles past the soft limit, decays, and stops at the hard one", () => {
  let now = 0;
  let xcost = 0;
  const targets: number[] = [];
  const meter = new CostMeter(limits(), () => xcost, (t) => targets.push(t), () => now);
  assert.equal(meter.cost, 5);
  meter.bump(50);
  assert.equal(meter.concurrencyTarget, 10, "small moves wait for the next recalculation");
  meter.bump(5445);
  // 5,500: f = 0.5, concurrency 5, 1.25 s per request (docs/sessions.md's worked example).
  assert.equal(meter.cost, 5500);
  assert.equal(meter.throttleFraction, 0.5);
  assert.equal(meter.concurrencyTarget, 5);
  assert.equal(meter.sleepMs, 1250);
  now += 1000 * 1000;
  meter.recalc();
  assert.equal(meter.cost, 4500, "1.0 per second of decay");
  xcost = 5500;
  meter.recalc();
  assert.equal(meter.throttleFraction, 1);
  assert.equal(meter.concurrencyTarget, 0, "cost plus group cost at the hard limit");
  assert.deepEqual(targets, [5, 7, 0]);
  meter.resetDecay(1000);
  xcost = 0;
  now += 1000 * 1000;
  meter.recalc();
  assert.equal(Math.round(meter.cost), Math.round(4500 - 1000 * (10000 / 15000)));
  meter.bump(-1e9);
  assert.equal(meter.cost, 0, "never negative");
  const free = new CostMeter(limits({ softLimit: 0, hardLimit: 0 }), () => 0, () => {}, () => 0);
  free.bump(1e9);
  assert.equal(free.concurrencyTarget, 10, "limits of 0 turn throttling off");
  assert.equal(free.sleepMs, 0);
});

Deno.test("Concurrency hands slots out in order and fails waiters at target 0", async () => {
  const slots = new Concurrency(2);
  const order: number[] = [];
  await slots.acquire();
  await slots.acquire();
  const third = slots.acquire().then(() => order.push(3));
  const fourth = slots.acquire().then(() => order.push(4));
  assert.equal(slots.waiting, 2);
  slots.release();
  await third;
  assert.deepEqual(order, [3]);
  slots.target = 0;
  await assert.rejects(fourth, ExcessiveCostError);
  await assert.rejects(slots.acquire(), ExcessiveCostError);
  slots.target = 3;
  slots.release();
  await slots.acquire();
  assert.equal(slots.active, 2);
});

Deno.test("LruCache evicts the least recently used and counts hits", () => {
  const cache = new LruCache<string, number>(2);
  cache.set("a", 1);
  cache.set("b", 2);
  assert.equal(cache.get("a"), 1);
  cache.set("c", 3);
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("c"), 3);
  assert.deepEqual(cache.stats, { lookups: 3, hits: 2, entries: 2 });
  assert.equal(formatCacheStats(cache.stats), "3 lookups, 2 hits, 2 entries, hitrate 0.6667");
  assert.equal(
    formatCacheStats({ lookups: 0, hits: 0, entries: 0 }),
    "0 lookups, 0 hits, 0 entries, hitrate 0.0000",
  );
  assert.equal(historyLimit(8_100_000), 81_817);
});

Deno.test("a weighted LruCache keeps the weights within its capacity", () => {
  const cache = new LruCache<string, number[]>(10, (items) => items.length);
  cache.set("heavy", new Array(6).fill(0));
  cache.set("small1", [1, 2]);
  cache.set("small2", [3, 4]);
  assert.equal(cache.size, 3, "6 + 2 + 2 fit in 10");
  cache.get("heavy");
  cache.set("small3", [5]);
  assert.equal(cache.peek("small1"), undefined, "the least recent goes first");
  assert.ok(cache.peek("heavy") && cache.peek("small2") && cache.peek("small3"));
  cache.set("heavy", new Array(9).fill(0));
  assert.deepEqual([cache.peek("small2"), cache.peek("small3")], [undefined, [5]]);
  cache.set("huge", new Array(20).fill(0));
  assert.equal(cache.size, 1, "an entry over the capacity alone stays, alone");
  cache.delete("huge");
  cache.set("small4", [1]);
  assert.equal(cache.size, 1);
});

/** A stand-in for the store's header reads over synthetic headers. */
function fakeStore(count: number): { store: IndexStore; headers: Uint8Array[] } {
  const headers = Array.from({ length: count }, (_, i) => {
    const header = new Uint8Array(80);
    new DataView(header.buffer).setUint32(0, i * 2654435761);
    header[79] = i & 0xff;
    return header;
  });
  const store = {
    get height() {
      return headers.length - 1;
    },
    header: (height: number) => headers[height],
    headers: (start: number, n: number) => headers.slice(start, start + n),
  };
  return { store: store as unknown as IndexStore, headers };
}

Deno.test("header proofs from cached chunk roots equal proofs over the whole tree", async () => {
  const { store, headers } = fakeStore(150);
  const hashes = headers.map((h) => sha256d(h));
  for (const depth of [0, 1, 2, 3, 4, 5]) {
    const proofs = new HeaderProofs(store, 20, depth);
    for (
      const cp of [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 149]
    ) {
      for (const height of new Set([0, Math.min(1, cp), cp >> 1, Math.max(0, cp - 1), cp])) {
        const expected = merkleBranch(hashes.slice(0, cp + 1), height);
        const proof = await proofs.proof(height, cp);
        assert.deepEqual(
          proof.branch.map(hashToHex),
          expected.branch.map(hashToHex),
          `depth ${depth} height ${height} cp ${cp}`,
        );
        assert.equal(hashToHex(proof.root), hashToHex(expected.root));
      }
    }
  }
});

Deno.test("header proofs notice a reorg through a cached chunk", async () => {
  const { store, headers } = fakeStore(40);
  const proofs = new HeaderProofs(store, 10, 2);
  await proofs.warm();
  assert.equal(proofs.cachedChunks, 10);
  headers[38] = new Uint8Array(80).fill(9);
  headers[39] = new Uint8Array(80).fill(8);
  const hashes = headers.map((h) => sha256d(h));
  const proof = await proofs.proof(5, 39);
  assert.equal(hashToHex(proof.root), hashToHex(merkleRoot(hashes)));
});

Deno.test("block merkle branches, cached for large blocks", () => {
  const txids = Array.from(
    { length: MERKLE_CACHE_MIN_TXS + 5 },
    (_, i) => sha256d(new Uint8Array([i, i >> 8])),
  );
  const store = {
    blockHash: () => "aa".repeat(32),
    blockTxids: () => txids,
  } as unknown as IndexStore;
  const cache = new BlockCache(store);
  const first = cache.blockTxids(7);
  assert.equal(first.cached, false);
  const again = cache.blockTxids(7);
  assert.equal(again.cached, true);
  for (const index of [0, 1, 100, txids.length - 1]) {
    const { branch, root } = cache.branch(again, index);
    const expected = merkleBranch(txids, index);
    assert.deepEqual(branch.map(hashToHex), expected.branch.map(hashToHex));
    assert.equal(hashToHex(root), hashToHex(expected.root));
  }
  assert.equal(cache.branch(again, 3).cached, true);
  const small = { blockHash: "bb", txids: txids.slice(0, 3) };
  const { branch } = cache.branch(small, 2);
  assert.equal(hashToHex(branch[0]), hashToHex(txids[2]), "an odd last tx pairs with itself");
});
