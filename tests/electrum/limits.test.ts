/**
 * Resource limits over real sockets: oversized messages, a client that never reads, a client
 * that trickles bytes, the cost hard limit, request timeouts, MAX_SESSIONS, MAX_SEND and the
 * history limit. In each case the offending session gets the specified error or is closed,
 * and the server keeps serving everyone else.
 */
import assert from "node:assert/strict";
import { opReturnScript } from "../../src/chain/script.ts";
import type { TestClient } from "./client.ts";
import { Harness } from "./harness.ts";
import { scriptHashOf } from "./truth.ts";

const ENCODER = new TextEncoder();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function writeAll(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = ENCODER.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Pings `client` until `done` resolves; returns how many pings were answered. */
async function keepPinging(client: TestClient, done: Promise<unknown>): Promise<number> {
  let finished = false;
  done.then(() => (finished = true), () => (finished = true));
  let answered = 0;
  while (!finished) {
    assert.equal(await client.request("server.ping"), null);
    answered++;
    await sleep(50);
  }
  return answered;
}

/** Polls `condition` every 20 ms for up to `ms`. */
async function eventually(condition: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(20);
  }
  return condition();
}

const VERSION_LINE = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "server.version",
  params: ["raw", "1.6"],
}) + "\n";

Deno.test("oversized messages are dropped and the stream resynchronises", async () => {
  const h = await Harness.start({
    transports: ["tcp", "ws"],
    config: { maxRecv: 2000 },
    prepare: async (wallet) => void await wallet.mine(3),
  });
  try {
    for (const transport of ["tcp", "ws"] as const) {
      const client = await h.connect(transport);
      await client.sendRaw(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "server.ping",
          params: ["x".repeat(5000)],
        }),
      );
      assert.deepEqual(await client.call("server.ping", [], 2), {
        jsonrpc: "2.0",
        result: null,
        id: 2,
      });
      assert.equal(client.inbox.length, 0, "the oversized request was not answered");
    }
    // Over TCP, a long line arriving in pieces is dropped up to its newline.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.port("tcp") });
    try {
      await writeAll(conn, VERSION_LINE);
      for (let i = 0; i < 3; i++) {
        await writeAll(conn, "y".repeat(1500));
        await sleep(20);
      }
      await writeAll(conn, 'tail"}\n{"jsonrpc":"2.0","id":9,"method":"server.ping"}\n');
      const reader = conn.readable.getReader();
      let text = "";
      while (!text.includes('"id":9')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      const lines = text.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(lines.map((m) => m.id), [0, 9]);
    } finally {
      conn.close();
    }
    assert.ok(
      h.logLines.some((l) => l.includes("dropping message over 2,000 bytes and re-synchronizing")),
    );
    for (const session of h.server.manager.sessions()) assert.equal(session.errors, 0);
  } finally {
    await h.close();
  }
});

Deno.test("a client that never reads is paused and cut off; others are served", async () => {
  const h = await Harness.start({
    env: { COST_SOFT_LIMIT: "0", COST_HARD_LIMIT: "0" },
    tuning: { writeTimeoutMs: 1500 },
    prepare: async (wallet) => void await wallet.mine(300),
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.port("tcp") });
    try {
      // About 48 KB per answer, 400 answers: far more than the socket buffers hold.
      let requests = VERSION_LINE;
      for (let id = 1; id <= 400; id++) {
        requests += JSON.stringify({
          jsonrpc: "2.0",
          id,
          method: "blockchain.block.headers",
          params: [0, 300],
        }) + "\n";
      }
      await writeAll(conn, requests);
      const manager = h.server.manager;
      const stuck = () =>
        manager.sessions().find((s) =>
          s.remoteAddressString().endsWith(`:${(conn.localAddr as Deno.NetAddr).port}`)
        );
      assert.ok(await eventually(() => stuck()?.paused === true), "the session is paused");
      assert.ok(manager.summary().paused >= 1);
      const other = await h.connect("tcp");
      const gone = eventually(() => stuck() === undefined, 15_000);
      const answered = await keepPinging(other, gone);
      assert.ok(await gone, "the non-reading session was closed");
      assert.ok(answered >= 2, `others were served meanwhile (${answered} pings)`);
      assert.ok(h.logLines.some((l) => /closing: write blocked for 1500 ms/.test(l)));
      assert.equal(await other.request("server.ping"), null);
    } finally {
      conn.close();
    }
  } finally {
    await h.close();
  }
});

Deno.test("a client that trickles bytes is closed as idle; others are served", async () => {
  const h = await Harness.start({
    env: { SESSION_TIMEOUT: "1" },
    tuning: { idleCheckMs: 200 },
    prepare: async (wallet) => void await wallet.mine(3),
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.port("tcp") });
    const other = await h.connect("tcp");
    try {
      await writeAll(conn, VERSION_LINE);
      const manager = h.server.manager;
      const trickle = (async () => {
        for (const char of '{"jsonrpc":"2.0","id":1,"method":"server.ping"') {
          try {
            await writeAll(conn, char);
          } catch {
            return "reset";
          }
          await sleep(150);
          if (manager.sessionCount === 1) return "closed";
        }
        return "finished";
      })();
      const answered = await keepPinging(other, trickle);
      assert.equal(await trickle, "closed", "the trickling session was closed before it finished");
      assert.ok(answered >= 2, `others were served meanwhile (${answered} pings)`);
      assert.ok(h.logLines.some((l) => l.includes("closing stale session ids")));
      assert.equal(await other.request("server.ping"), null, "the pinging session stayed");
    } finally {
      conn.close();
    }
  } finally {
    await h.close();
  }
});

Deno.test("past the hard cost limit a session gets -101 and is closed", async () => {
  const h = await Harness.start({
    env: { COST_SOFT_LIMIT: "10", COST_HARD_LIMIT: "60" },
    prepare: async (wallet) => void await wallet.mine(20),
  });
  try {
    const greedy = await h.connect("tcp");
    const codes: number[] = [];
    for (let i = 0; i < 10 && !greedy.isClosed; i++) {
      const reply = await greedy.call("blockchain.block.headers", [0, 2016]).catch(() => null);
      if (reply?.error) codes.push(reply.error.code);
    }
    assert.deepEqual(codes, [-101]);
    assert.ok(await greedy.waitClosed());
    assert.ok(h.logLines.some((l) => l.includes("closing session over res usage. ip: 127.0.0.1:")));
    const polite = await h.connect("tcp");
    assert.equal(await polite.request("server.ping"), null);
  } finally {
    await h.close();
  }
});

Deno.test("a request that cannot run in time gets -102", async () => {
  const h = await Harness.start({
    env: {
      COST_SOFT_LIMIT: "1",
      COST_HARD_LIMIT: "1000",
      REQUEST_SLEEP: "600000",
      REQUEST_TIMEOUT: "1",
    },
    prepare: async (wallet) => void await wallet.mine(3),
  });
  try {
    const client = await h.connect("tcp", false);
    const started = performance.now();
    const reply = await client.call("server.version", ["slow", "1.6"]);
    assert.deepEqual(reply.error, { code: -102, message: "server busy - request timed out" });
    assert.ok(performance.now() - started >= 900);
    const ping = await client.call("server.ping");
    assert.deepEqual(ping.error, { code: -102, message: "server busy - request timed out" });
    assert.equal(client.isClosed, false);
    assert.equal(h.server.manager.sessions()[0].errors, 0, "timeouts are not the client's fault");
  } finally {
    await h.close();
  }
});

Deno.test("MAX_SESSIONS stops and resumes listening", async () => {
  const h = await Harness.start({
    transports: ["tcp", "ws"],
    env: { MAX_SESSIONS: "3" },
    prepare: async (wallet) => void await wallet.mine(3),
  });
  try {
    const clients = [await h.connect("tcp"), await h.connect("tcp"), await h.connect("ws")];
    assert.equal(h.server.manager.limitReached, true);
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: h.port("tcp") }));
    const refused = await fetch(`http://127.0.0.1:${h.port("ws")}/`, {
      headers: { upgrade: "websocket" },
    });
    assert.equal(refused.status, 503);
    await refused.body?.cancel();
    assert.ok(
      h.logLines.some((l) =>
        l.includes("maximum sessions 3 reached, stopping new connections until count drops to 2")
      ),
    );
    clients[0].close();
    assert.ok(await eventually(() => !h.server.manager.limitReached));
    assert.ok(h.logLines.some((l) => l.includes("resuming listening for incoming connections")));
    const again = await h.connect("tcp");
    assert.equal(await again.request("server.ping"), null);
    assert.equal(await clients[2].request("server.ping"), null);
  } finally {
    await h.close();
  }
});

Deno.test("MAX_SEND and the history limit", async () => {
  let hot: Uint8Array = new Uint8Array();
  let warm: Uint8Array = new Uint8Array();
  const h = await Harness.start({
    config: { maxSend: 10_000 },
    prepare: async (wallet, node) => {
      hot = wallet.newScript("p2pkh").script;
      warm = wallet.newScript("p2pkh").script;
      // 100 coinbases to one script: the history limit for MAX_SEND 10,000 is 100 entries.
      await node.mine(100, { script: hot });
      await node.mine(99, { script: warm });
      await node.mine(1, { script: opReturnScript(new Uint8Array([1])) });
    },
  });
  try {
    const client = await h.connect("tcp");
    const big = await client.call("blockchain.block.headers", [0, 100]);
    assert.deepEqual(big.error, {
      code: -32600,
      message: "response too large (over 10,000 bytes)",
    });
    await client.send([
      { jsonrpc: "2.0", id: 1, method: "blockchain.block.headers", params: [0, 40] },
      { jsonrpc: "2.0", id: 2, method: "blockchain.block.headers", params: [0, 40] },
    ]);
    const batch = await client.next();
    assert.equal(batch.length, 2);
    assert.equal(batch.filter((r: { result?: unknown }) => r.result).length, 1);
    assert.deepEqual(batch.find((r: { error?: unknown }) => r.error).error, {
      code: -32600,
      message: "response too large (over 10,000 bytes)",
    });
    const sh = scriptHashOf(hot);
    for (const method of ["get_history", "subscribe"]) {
      const reply = await client.call(`blockchain.scripthash.${method}`, [sh]);
      assert.deepEqual(reply.error, { code: 10001, message: "history too large" }, method);
    }
    const session = h.server.manager.sessions()[0];
    assert.equal(h.server.manager.inspect(session.id)!.subs, 0, "no subscription was stored");
    assert.deepEqual(await client.request("blockchain.scripthash.get_balance", [sh]), {
      confirmed: 100 * 50 * 1e8,
      unconfirmed: 0,
    });
    assert.equal(await client.request("server.ping"), null);

    // A subscribed script whose history outgrows the limit: a null status, no subscription.
    const warmHash = scriptHashOf(warm);
    assert.equal(
      typeof (await client.request("blockchain.scripthash.subscribe", [warmHash])),
      "string",
    );
    assert.equal(h.server.manager.inspect(session.id)!.subs, 1);
    await h.node.mine(1, { script: warm });
    await h.update();
    const note = await client.notification("blockchain.scripthash.subscribe");
    assert.deepEqual(note.params, [warmHash, null]);
    assert.equal(h.server.manager.inspect(session.id)!.subs, 0);
  } finally {
    await h.close();
  }
});
