/**
 * The same protocol over every transport: tcp, ssl (a generated certificate), ws and wss.
 * Each answers the same requests identically, delivers notifications, reports malformed
 * input, drops oversized messages; and a WebSocket client that never reads is paused and cut
 * off while the others are served.
 */
import assert from "node:assert/strict";
import { toHex } from "../../src/chain/bytes.ts";
import type { ClientTransport, TestClient } from "./client.ts";
import { Harness } from "./harness.ts";
import { expectedStatus, scriptHashOf } from "./truth.ts";

const TRANSPORTS: ClientTransport[] = ["tcp", "ssl", "ws", "wss"];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One masked WebSocket text frame, as a client must send it. */
function maskedTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const header: number[] = [0x81];
  if (payload.length < 126) header.push(0x80 | payload.length);
  else if (payload.length < 65536) {
    header.push(0x80 | 126, payload.length >> 8, payload.length & 255);
  } else {
    header.push(0x80 | 127, 0, 0, 0, 0);
    for (let shift = 24; shift >= 0; shift -= 8) header.push((payload.length >>> shift) & 255);
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const frame = new Uint8Array(header.length + 4 + payload.length);
  frame.set(header, 0);
  frame.set(mask, header.length);
  for (let i = 0; i < payload.length; i++) {
    frame[header.length + 4 + i] = payload[i] ^ mask[i & 3];
  }
  return frame;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

Deno.test("tcp, ssl, ws and wss serve the same protocol", async (t) => {
  const h = await Harness.start({
    transports: TRANSPORTS,
    config: { maxRecv: 4000 },
    tuning: { writeTimeoutMs: 1500 },
    env: { COST_SOFT_LIMIT: "0", COST_HARD_LIMIT: "0" },
    prepare: async (wallet) => void await wallet.mine(120),
  });
  try {
    const alice = h.wallet.newScript("p2pkh").script;
    const tx = await h.wallet.send({ outputs: [{ script: alice, value: 250_000 }] });
    await h.wallet.mine(1);
    await h.update();
    const sh = scriptHashOf(alice);
    const clients = new Map<ClientTransport, TestClient>();
    const requests: [string, unknown[]][] = [
      ["server.features", []],
      ["blockchain.headers.subscribe", []],
      ["blockchain.block.header", [50, 100]],
      ["blockchain.block.headers", [10, 5, 100]],
      ["blockchain.scripthash.get_history", [sh]],
      ["blockchain.scripthash.listunspent", [sh]],
      ["blockchain.scripthash.get_balance", [sh]],
      ["blockchain.transaction.get", [tx.txid]],
      ["blockchain.transaction.get_merkle", [tx.txid, tx.height]],
      ["blockchain.transaction.id_from_pos", [tx.height, 1, true]],
      ["mempool.get_fee_histogram", []],
    ];
    let reference: unknown[] = [];

    await t.step("identical answers", async () => {
      for (const transport of TRANSPORTS) {
        const client = await h.connect(transport);
        clients.set(transport, client);
        const answers = [];
        for (const [method, params] of requests) answers.push(await client.request(method, params));
        if (transport === "tcp") reference = answers;
        else assert.deepEqual(answers, reference, transport);
      }
      assert.equal(reference[7], toHex(tx.raw));
      const kinds = h.server.manager.sessionRows().map((row) => row[1][0]);
      assert.deepEqual(kinds, ["T", "S", "W", "W"]);
    });

    await t.step("notifications reach every transport", async () => {
      for (const client of clients.values()) {
        assert.equal(
          await client.request("blockchain.scripthash.subscribe", [sh]),
          expectedStatus(h.wallet, alice),
        );
      }
      await h.wallet.send({ outputs: [{ script: alice, value: 10_000 }] });
      await h.wallet.mine(1);
      await h.update();
      const height = await h.node.getHeight();
      for (const [transport, client] of clients) {
        const header = await client.notification("blockchain.headers.subscribe");
        assert.equal(header.params[0].height, height, transport);
        const status = await client.notification("blockchain.scripthash.subscribe");
        assert.deepEqual(status.params, [sh, expectedStatus(h.wallet, alice)], transport);
      }
    });

    await t.step("malformed and oversized input", async () => {
      for (const [transport, client] of clients) {
        await client.sendRaw("{nope");
        assert.deepEqual(await client.next(), {
          jsonrpc: "2.0",
          error: { code: -32700, message: "invalid JSON" },
          id: null,
        }, transport);
        await client.send([{ jsonrpc: "2.0", id: "a", method: "server.ping" }, { id: "b" }]);
        const batch = await client.next();
        assert.equal(batch.length, 2, transport);
        await client.sendRaw(JSON.stringify({
          jsonrpc: "2.0",
          id: "big",
          method: "server.ping",
          params: ["z".repeat(6000)],
        }));
        assert.equal(await client.request("server.ping"), null, transport);
        assert.equal(client.inbox.length, 0, `${transport}: the oversized message was dropped`);
      }
    });

    await t.step("a WebSocket client that never reads is paused and cut off", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.port("ws") });
      try {
        const handshake = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
          "Sec-WebSocket-Version: 13\r\n\r\n";
        await writeAll(conn, new TextEncoder().encode(handshake));
        await writeAll(
          conn,
          maskedTextFrame(JSON.stringify({
            jsonrpc: "2.0",
            id: 0,
            method: "server.version",
            params: ["never reads", "1.6"],
          })),
        );
        for (let id = 1; id <= 300; id++) {
          await writeAll(
            conn,
            maskedTextFrame(JSON.stringify({
              jsonrpc: "2.0",
              id,
              method: "blockchain.block.headers",
              params: [0, 120],
            })),
          );
        }
        const manager = h.server.manager;
        const stuck = () => manager.sessions().find((s) => s.transport === "ws" && s.id > 3);
        for (let i = 0; i < 200 && !stuck(); i++) await sleep(10);
        assert.ok(stuck(), "the WebSocket session exists");
        let paused = false;
        const deadline = Date.now() + 15_000;
        const tcp = clients.get("tcp")!;
        let answered = 0;
        while (stuck() && Date.now() < deadline) {
          paused ||= stuck()?.paused === true;
          assert.equal(await tcp.request("server.ping"), null);
          answered++;
          await sleep(30);
        }
        assert.ok(paused, "the session was paused");
        assert.ok(answered >= 2, `others were served meanwhile (${answered} pings)`);
        assert.equal(stuck(), undefined, "the non-reading WebSocket session was closed");
      } finally {
        conn.close();
      }
      for (const client of clients.values()) {
        assert.equal(await client.request("server.ping"), null);
      }
    });
  } finally {
    await h.close();
  }
});
