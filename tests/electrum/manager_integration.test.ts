/**
 * The session manager against a real index: the consistent-view gate (answers wait for the
 * index and the mempool to agree), the figures the admin interface reports (sessions, groups,
 * totals, one session in detail, caches), closing sessions, idle timeouts, logging.
 */
import assert from "node:assert/strict";
import { FakeConnection } from "./fake_connection.ts";
import { Harness } from "./harness.ts";
import { expectedHistory, expectedStatus, scriptHashOf } from "./truth.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("answers wait until the index and the mempool agree", async (t) => {
  const h = await Harness.start({
    tuning: { consistencyWaitMs: 100 },
    prepare: async (wallet) => void await wallet.mine(110),
  });
  try {
    const client = await h.connect("tcp");
    const script = h.wallet.newScript("p2pkh").script;
    const sh = scriptHashOf(script);
    await h.wallet.send({ outputs: [{ script, value: 40_000 }] });
    await h.update();

    await t.step("a request between a block and its notification waits for it", async () => {
      await h.wallet.mine(1);
      await h.sync.catchUp();
      // The index has the block; the mempool mirror still lists the transaction.
      const pending = client.request("blockchain.scripthash.get_history", [sh]);
      let answered = false;
      pending.then(() => (answered = true), () => (answered = true));
      await sleep(150);
      assert.equal(answered, false, "no answer from a half-updated view");
      const changes = await h.mempool.refresh();
      await h.server.notify(changes.touched, h.store.height);
      assert.deepEqual(await pending, expectedHistory(h.wallet, script));
    });

    await t.step("without a notification it gives up with error 1", async () => {
      await h.wallet.mine(1);
      await h.sync.catchUp();
      const reply = await client.call("blockchain.scripthash.get_balance", [sh]);
      assert.deepEqual(reply.error, {
        code: 1,
        message:
          "chaintip moved too many times, or DB not in sync with daemon, while processing request",
      });
      await h.update();
      assert.deepEqual(
        await client.request("blockchain.scripthash.get_balance", [sh]),
        { confirmed: 40_000, unconfirmed: 0 },
      );
    });
  } finally {
    await h.close();
  }
});

Deno.test("sessions, groups and totals for the admin interface", async () => {
  const h = await Harness.start({
    env: { SESSION_TIMEOUT: "3" },
    tuning: { idleCheckMs: 100 },
    transports: ["tcp", "ws"],
    prepare: async (wallet) => void await wallet.mine(5),
  });
  try {
    const manager = h.server.manager;
    const a = await h.connect("tcp", ["electrum/4.5.8-with-a-long-name", "1.4"]);
    const b = await h.connect("ws", ["sparrow", "1.6"]);
    const script = h.wallet.newScript("p2pkh").script;
    await a.request("blockchain.scripthash.subscribe", [scriptHashOf(script)]);
    await a.request("blockchain.scripthash.subscribe", ["00".repeat(32)]);
    await a.call("no.such.method");
    await b.request("blockchain.block.header", [1]);

    const rows = manager.sessionRows();
    assert.equal(rows.length, 2);
    const [rowA, rowB] = rows;
    assert.equal(rowA[1], "T10");
    assert.match(rowA[2], /^127\.0\.0\.1:\d+$/);
    assert.equal(rowA[3], "electrum/4.5.8-wi", "client names are cut to 17 characters");
    assert.equal(rowA[4], "1.4");
    assert.ok(rowA[5] > 100, "an error costs 100");
    assert.equal(rowA[7], 0);
    assert.equal(rowA[9], 2, "two subscriptions");
    assert.equal(rowA[10], 4, "four messages received");
    assert.equal(rowA[12], 4, "four sent");
    assert.ok(rowA[11] > 100 && rowA[13] > 100);
    assert.ok(rowA[14] >= 0 && rowA[14] < 60);
    assert.equal(rowB[1], "W10");
    assert.equal(rowB[3], "sparrow");
    assert.equal(rowB[4], "1.6");
    assert.ok(rowB[6] > 0, "XCost from the shared time-slice group");

    const groups = manager.groupRows();
    assert.deepEqual(groups.map((g) => [g[0], g[1]]), [["t0", 2]], "loopback: time slice only");
    assert.equal(groups[0][6], 2);
    assert.equal(groups[0][7], rowA[10] + rowB[10]);

    const summary = manager.summary();
    assert.deepEqual(
      { ...summary },
      {
        count: 2,
        countWithSubs: 1,
        subs: 2,
        errors: 1,
        logged: 0,
        pendingRequests: 0,
        paused: 0,
        closing: 0,
      },
    );
    const detail = manager.inspect(rowA[0])!;
    assert.equal(detail.clientName, "electrum/4.5.8-with-a-long-name");
    assert.deepEqual(detail.requestCounts, {
      "server.version": 1,
      "blockchain.scripthash.subscribe": 2,
      "invalid method": 1,
    });
    assert.equal(detail.requestTotal, 4);
    assert.equal(detail.errors, 1);
    assert.equal(manager.inspect(999), undefined);
    assert.equal(manager.requestCounts.get("blockchain.block.header"), 1);
    const caches = manager.cacheStats();
    assert.deepEqual(Object.keys(caches), [
      "estimatefee",
      "history",
      "merkle txid",
      "txids",
      "txo status",
    ]);
    assert.equal(caches.history.lookups, 2);

    // Logging: each message of a logged session is written.
    manager.session(rowB[0])!.logMe = true;
    assert.equal(manager.sessionRows()[1][1], "WL10");
    await b.request("server.ping");
    assert.ok(
      h.logLines.some((l) =>
        l.includes(`[${rowB[0]}] processing {"jsonrpc":"2.0","method":"server.ping"`)
      ),
    );

    // Closing by id, as the admin `disconnect` does.
    assert.deepEqual(manager.closeSessions([rowA[0], 999]), [rowA[0]]);
    assert.ok(await a.waitClosed());
    await sleep(50);
    assert.equal(manager.sessionCount, 1);
    assert.ok(manager.groupRows()[0][3] > 100, "the departed session's cost is retained");

    // Idle sessions are closed after SESSION_TIMEOUT.
    assert.ok(await b.waitClosed(8000));
    assert.ok(h.logLines.some((l) => l.includes(`closing stale session ids ${rowB[0]}`)));
  } finally {
    await h.close();
  }
});

Deno.test("notifications fan out to thousands of sessions without stalling", async () => {
  const h = await Harness.start({
    env: { COST_SOFT_LIMIT: "0", COST_HARD_LIMIT: "0" },
    // Yield after every slice of work, so the check below does not depend on machine speed.
    tuning: { fanOutSliceMs: 0 },
    prepare: async (wallet) => void await wallet.mine(105),
  });
  try {
    const manager = h.server.manager;
    const scripts = Array.from({ length: 50 }, () => h.wallet.newScript("p2pkh").script);
    const subnets = ["165.255.191", "8.8.4", "2a01:4f8:10a:1"];
    const connections: { connection: FakeConnection; scripts: Uint8Array[] }[] = [];
    for (let i = 0; i < 2000; i++) {
      const prefix = subnets[i % 3];
      const hostname = prefix.includes(":")
        ? `${prefix}::${i.toString(16)}`
        : `${prefix}.${i % 250}`;
      const connection = new FakeConnection({ hostname, port: 40000 + i });
      manager.accept(connection);
      const mine = [scripts[i % 50], scripts[(i * 7 + 3) % 50]];
      connection.push({ jsonrpc: "2.0", id: 0, method: "server.version", params: ["fan", "1.6"] });
      connection.push({ jsonrpc: "2.0", id: 1, method: "blockchain.headers.subscribe" });
      mine.forEach((script, k) =>
        connection.push({
          jsonrpc: "2.0",
          id: 2 + k,
          method: "blockchain.scripthash.subscribe",
          params: [scriptHashOf(script)],
        })
      );
      connections.push({ connection, scripts: mine });
    }
    while (connections.some(({ connection }) => connection.sent.length < 4)) await sleep(20);
    const groups = new Map(manager.groupRows().map((row) => [row[0], row[1]]));
    assert.deepEqual(
      groups,
      new Map([["t0", 2000], ["165.255.191.0/24", 667], ["8.8.4.0/24", 667], [
        "2a01:4f8:10a::/48",
        666,
      ]]),
    );
    for (const { connection } of connections) connection.sent.length = 0;

    await h.wallet.pay(scripts, 20_000);
    await h.wallet.mine(1);
    const touched = await h.sync.catchUp();
    for (const key of (await h.mempool.refresh()).touched) touched.add(key);
    // A timer set before the fan-out fires before it ends only if the fan-out yields.
    let done = false;
    let timerFiredBeforeDone = false;
    setTimeout(() => (timerFiredBeforeDone = !done), 0);
    await h.server.notify(touched, h.store.height);
    done = true;
    assert.ok(timerFiredBeforeDone, "the event loop ran during the fan-out");
    await sleep(50);
    const height = h.store.height;
    for (const { connection, scripts: mine } of connections) {
      const [header, ...statuses] = connection.sent;
      assert.equal(header.method, "blockchain.headers.subscribe");
      assert.equal(header.params[0].height, height);
      assert.deepEqual(
        new Map(statuses.map((note) => [note.params[0], note.params[1]])),
        new Map(mine.map((script) => [scriptHashOf(script), expectedStatus(h.wallet, script)])),
      );
    }
  } finally {
    await h.close();
  }
});
