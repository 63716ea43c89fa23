/**
 * The JSON-RPC layer and version handshake over a real TCP socket: negotiation rules,
 * method availability by version, exact error objects for malformed input, batches,
 * notifications from the client, and the disconnect rules (no version first, error limit).
 */
import assert from "node:assert/strict";
import { SERVER_VERSION } from "../../src/electrum/protocol.ts";
import type { TestClient } from "./client.ts";
import { Harness } from "./harness.ts";

/** Sends a raw line and returns the next message received. */
async function exchange(client: TestClient, line: string | Uint8Array): Promise<unknown> {
  await client.sendRaw(line);
  return await client.next();
}

Deno.test("version negotiation, method availability and malformed input", async (t) => {
  const h = await Harness.start({
    env: { DROP_CLIENT: "bad-wallet|evil" },
    prepare: async (wallet) => void await wallet.mine(5),
  });
  try {
    await t.step("negotiated versions", async () => {
      const cases: [unknown[], string][] = [
        [["x", "1.4"], "1.4"],
        [["x", ["1.4", "2.0"]], "1.6.0"],
        [["x", "1.5"], "1.5"],
        [["x", "1.4.2"], "1.4.2"],
        [["x", ["1.2", "1.4.1"]], "1.4.1"],
        [["x"], "1.4"],
        [[], "1.4"],
        [["x", "1.6", "extra", 5], "1.6"],
        [["x", null], "1.4"],
      ];
      for (const [params, version] of cases) {
        const client = await h.connect("tcp", false);
        assert.deepEqual(
          await client.request("server.version", params),
          [SERVER_VERSION, version],
          JSON.stringify(params),
        );
      }
      const named = await h.connect("tcp", false);
      assert.deepEqual(
        await named.request("server.version", {
          client_name: "n",
          protocol_version: "1.4.2",
          other: 1,
        }),
        [SERVER_VERSION, "1.4.2"],
      );
    });

    await t.step("unsupported versions and dropped clients are answered, then closed", async () => {
      const cases: [unknown[], string][] = [
        [["x", "1.3"], "unsupported protocol version: 1.3"],
        [["x", ["1.3", "1.3"]], "unsupported protocol version: ['1.3', '1.3']"],
        [["x", "junk"], "unsupported protocol version: junk"],
        [["x", ["1.7", "1.8"]], "unsupported protocol version: ['1.7', '1.8']"],
        [["x", 1.4], "unsupported protocol version: 1.4"],
        [["bad-wallet/1.0", "1.4"], "unsupported client: bad-wallet/1.0"],
        [["evil"], "unsupported client: evil"],
      ];
      for (const [params, message] of cases) {
        const client = await h.connect("tcp", false);
        const reply = await client.call("server.version", params);
        assert.deepEqual(reply.error, { code: 1, message }, JSON.stringify(params));
        assert.ok(await client.waitClosed(), `closed after ${JSON.stringify(params)}`);
      }
      assert.ok(
        h.logLines.some((line) => line.includes("client requested future protocol version 1.7")),
      );
    });

    await t.step("the first message must be server.version", async () => {
      const client = await h.connect("tcp", false);
      const reply = await client.call("blockchain.headers.subscribe");
      assert.deepEqual(reply.error, { code: 1, message: "use server.version to identify client" });
      assert.ok(await client.waitClosed());
      // A notification first: no answer, still closed.
      const quiet = await h.connect("tcp", false);
      await quiet.send({ jsonrpc: "2.0", method: "server.ping" });
      assert.ok(await quiet.waitClosed());
      assert.equal(quiet.inbox.length, 0);
    });

    await t.step("a second server.version is refused, the session stays", async () => {
      const client = await h.connect("tcp");
      const again = await client.call("server.version", ["x", "1.4"]);
      assert.deepEqual(again.error, { code: 1, message: "server.version already sent" });
      assert.equal(await client.request("server.ping"), null);
    });

    await t.step("requests sent with server.version wait for it", async () => {
      const client = await h.connect("tcp", false);
      const lines = [
        { jsonrpc: "2.0", id: 1, method: "server.version", params: ["x", "1.4"] },
        { jsonrpc: "2.0", id: 2, method: "blockchain.block.headers", params: [0, 2] },
        {
          jsonrpc: "2.0",
          id: 3,
          method: "blockchain.scripthash.unsubscribe",
          params: ["00".repeat(32)],
        },
      ].map((m) => JSON.stringify(m)).join("\n");
      await client.sendRaw(lines);
      const version = await client.next((m) => m.id === 1);
      assert.deepEqual(version.result, [SERVER_VERSION, "1.4"]);
      const headers = await client.next((m) => m.id === 2);
      assert.equal(typeof headers.result.hex, "string", "1.4 answers headers as one hex string");
      const unsubscribe = await client.next((m) => m.id === 3);
      assert.equal(unsubscribe.error.code, -32601, "unsubscribe came with 1.4.2");
    });

    await t.step("methods by negotiated version", async () => {
      const v14 = await h.connect("tcp", ["x", "1.4"]);
      const v142 = await h.connect("tcp", ["x", "1.4.2"]);
      const v16 = await h.connect("tcp", ["x", "1.6"]);
      const sh = "00".repeat(32);
      const missing = async (client: TestClient, method: string, params: unknown[] = []) => {
        const reply = await client.call(method, params);
        assert.deepEqual(reply.error, { code: -32601, message: `unknown method "${method}"` });
      };
      await missing(v14, "blockchain.scripthash.unsubscribe", [sh]);
      await missing(v14, "blockchain.transaction.broadcast_package", [[]]);
      await missing(v14, "mempool.get_info");
      assert.equal(await v142.request("blockchain.scripthash.unsubscribe", [sh]), false);
      await missing(v142, "mempool.get_info");
      await missing(v16, "blockchain.relayfee");
      assert.equal(typeof (await v14.request("blockchain.relayfee")), "number");
      assert.equal(typeof (await v142.request("blockchain.relayfee")), "number");
      const headers14 = await v14.request("blockchain.block.headers", [0, 2]);
      const headers16 = await v16.request("blockchain.block.headers", [0, 2]);
      assert.equal(headers14.hex, headers16.headers.join(""));
      assert.deepEqual(Object.keys(headers14).sort(), ["count", "hex", "max"]);
      for (const old of ["blockchain.address.get_balance", "blockchain.numblocks.subscribe"]) {
        await missing(v16, old, ["x"]);
      }
    });

    await t.step("malformed messages get the exact error objects", async () => {
      const client = await h.connect("tcp");
      assert.deepEqual(await exchange(client, "{bad json"), {
        jsonrpc: "2.0",
        error: { code: -32700, message: "invalid JSON" },
        id: null,
      });
      assert.deepEqual(await exchange(client, new Uint8Array([0x22, 0xff, 0xfe, 0x22, 0x0a])), {
        jsonrpc: "2.0",
        error: { code: -32700, message: "messages must be encoded in UTF-8" },
        id: null,
      });
      assert.deepEqual(await exchange(client, "5"), {
        jsonrpc: "2.0",
        error: { code: -32600, message: "request object must be a dictionary" },
        id: null,
      });
      assert.deepEqual(await exchange(client, "[]"), {
        jsonrpc: "2.0",
        error: { code: -32600, message: "batch is empty" },
        id: null,
      });
      assert.deepEqual(
        await exchange(client, '{"jsonrpc":"2.0","id":1,"method":5}'),
        { jsonrpc: "2.0", error: { code: -32601, message: "method must be a string" }, id: 1 },
      );
      assert.deepEqual(
        await exchange(client, '{"jsonrpc":"2.0","id":1.5,"method":"server.ping"}'),
        { jsonrpc: "2.0", error: { code: -32600, message: 'invalid "id": 1.5' }, id: null },
      );
      assert.deepEqual(
        await exchange(client, '{"jsonrpc":"2.0","id":7,"method":"server.ping","params":"x"}'),
        { jsonrpc: "2.0", error: { code: -32602, message: "invalid request arguments: x" }, id: 7 },
      );
      assert.deepEqual(
        await exchange(client, '{"id":8,"method":"server.ping"}'),
        { jsonrpc: "2.0", error: { code: -32600, message: '"jsonrpc" is not "2.0"' }, id: 8 },
      );
      // CRLF and blank lines are fine.
      await client.sendRaw("   ");
      assert.deepEqual(
        await exchange(client, '{"jsonrpc":"2.0","id":"s","method":"server.ping"}\r'),
        { jsonrpc: "2.0", result: null, id: "s" },
      );
      const fresh = await h.connect("tcp");
      const argErrors: [string, unknown, string][] = [
        [
          "blockchain.block.header",
          [],
          '0 arguments passed to method "blockchain.block.header" but it requires 1',
        ],
        ["server.ping", [1, 2, 3], "3 arguments passed to method server.ping taking at most 2"],
        [
          "blockchain.block.header",
          { cp_height: 1 },
          'method "blockchain.block.header" requires parameter "height"',
        ],
        [
          "blockchain.block.headers",
          {},
          'method "blockchain.block.headers" requires parameters "count", "start_height"',
        ],
        [
          "blockchain.block.header",
          { height: 1, foo: 2, bar: 3 },
          'method "blockchain.block.header" does not take parameters "bar", "foo"',
        ],
      ];
      for (const [method, params, message] of argErrors) {
        const reply = await fresh.call(method, params);
        assert.deepEqual(reply.error, { code: -32602, message }, method);
      }
      const named = await fresh.request("blockchain.block.header", { height: 1, cp_height: 0 });
      assert.equal(named, await fresh.request("blockchain.block.header", [1]));
    });

    await t.step("batches: answers in one array, notifications unanswered", async () => {
      const client = await h.connect("tcp");
      await client.send([
        1,
        { jsonrpc: "2.0", id: 5, method: "server.ping" },
        { jsonrpc: "2.0", method: "server.ping" },
        { jsonrpc: "2.0", id: 6, method: "nope" },
        { jsonrpc: "2.0", id: 7, method: "blockchain.block.header", params: ["x"] },
      ]);
      const reply = await client.next();
      assert.ok(Array.isArray(reply));
      const byId = new Map(reply.map((r: { id: unknown }) => [r.id, r]));
      assert.equal(reply.length, 4);
      assert.deepEqual(byId.get(null), {
        jsonrpc: "2.0",
        error: { code: -32600, message: "request object must be a dictionary" },
        id: null,
      });
      assert.deepEqual(byId.get(5), { jsonrpc: "2.0", result: null, id: 5 });
      assert.deepEqual(byId.get(6), {
        jsonrpc: "2.0",
        error: { code: -32601, message: 'unknown method "nope"' },
        id: 6,
      });
      assert.deepEqual(byId.get(7), {
        jsonrpc: "2.0",
        error: { code: 1, message: "x should be a non-negative integer" },
        id: 7,
      });
      // Only notifications: nothing comes back.
      await client.send([{ jsonrpc: "2.0", method: "server.ping" }, {
        jsonrpc: "2.0",
        method: "nope",
      }]);
      assert.equal(await client.request("server.ping"), null);
      assert.equal(client.inbox.length, 0);
    });

    await t.step("a client that sends and shuts its side still gets its answers", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.port("tcp") });
      try {
        const lines = [
          { jsonrpc: "2.0", id: 1, method: "server.version", params: ["nc", "1.6"] },
          { jsonrpc: "2.0", id: 2, method: "blockchain.block.header", params: [5] },
          [{ jsonrpc: "2.0", id: 3, method: "server.ping" }],
        ].map((m) => JSON.stringify(m) + "\n").join("");
        await conn.write(new TextEncoder().encode(lines));
        await conn.closeWrite();
        const text = await new Response(conn.readable).text();
        const replies = text.trim().split("\n").map((line) => JSON.parse(line));
        assert.deepEqual(replies.map((r) => (Array.isArray(r) ? r[0].id : r.id)), [1, 2, 3]);
        assert.equal(typeof replies[1].result, "string");
      } finally {
        try {
          conn.close();
        } catch {
          // Closed by reading to the end.
        }
      }
    });

    await t.step("ten errors close the session; nine do not", async () => {
      const client = await h.connect("tcp");
      for (let i = 0; i < 9; i++) {
        const reply = await client.call("no.such.method");
        assert.equal(reply.error.code, -32601);
      }
      assert.equal(await client.request("server.ping"), null, "still open after 9 errors");
      const tenth = await client.call("no.such.method");
      assert.equal(tenth.error.code, -32601, "the tenth error is answered");
      assert.ok(await client.waitClosed(), "then the session is closed");
      // Unparsable lines count too.
      const junk = await h.connect("tcp");
      for (let i = 0; i < 10; i++) await junk.sendRaw("not json");
      assert.ok(await junk.waitClosed());
      assert.equal(junk.inbox.filter((m) => m.error?.code === -32700).length, 10);
    });

    await t.step("answers that are not the client's fault are not counted", async () => {
      const client = await h.connect("tcp");
      for (let i = 0; i < 12; i++) {
        const reply = await client.call("blockchain.block.header", [1000]);
        assert.equal(reply.error.message, "height 1,000 out of range");
      }
      assert.equal(await client.request("server.ping"), null);
    });
  } finally {
    await h.close();
  }
});
