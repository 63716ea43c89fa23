/**
 * JSON-RPC framing and message handling without sockets: newline framing with MAX_RECV,
 * decoding, dialects, request validation with aiorpcX's exact error texts, serialisation,
 * and Python-style value printing.
 */
import assert from "node:assert/strict";
import { RpcError } from "../../src/electrum/errors.ts";
import {
  decodeMessage,
  detectDialect,
  errorText,
  LineFramer,
  notificationText,
  parseRequest,
  responseTooLarge,
  resultMessage,
} from "../../src/electrum/framing.ts";
import { pythonRepr, pythonStr, withCommas } from "../../src/electrum/python.ts";

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function messages(framer: LineFramer, chunk: string): (string | number)[] {
  return framer.push(enc(chunk)).map((e) => (e.type === "message" ? dec(e.data) : -e.size));
}

Deno.test("LineFramer splits lines across chunks and skips blank ones", () => {
  const framer = new LineFramer(100);
  assert.deepEqual(messages(framer, '{"a":1}\n{"b"'), ['{"a":1}']);
  assert.equal(framer.pending, 4);
  assert.deepEqual(messages(framer, ':2}\n\n  \r\n{"c":3}\n'), ['{"b":2}', '{"c":3}']);
  assert.deepEqual(messages(framer, "x"), []);
  assert.deepEqual(messages(framer, "y\n"), ["xy"]);
  assert.equal(framer.pending, 0);
});

Deno.test("LineFramer drops messages over the limit and resynchronises at the newline", () => {
  const framer = new LineFramer(10);
  // A complete long line in one chunk.
  assert.deepEqual(messages(framer, "0123456789ABC\nok\n"), [-13, "ok"]);
  // A long line arriving in pieces: reported once, the rest skipped to the newline.
  assert.deepEqual(messages(framer, "01234567"), []);
  assert.deepEqual(messages(framer, "89AB"), [-12]);
  assert.deepEqual(messages(framer, "CDEFGH"), []);
  assert.deepEqual(messages(framer, "IJ\nnext\n"), ["next"]);
  // Exactly at the limit is fine.
  assert.deepEqual(messages(framer, "0123456789\n"), ["0123456789"]);
});

Deno.test("LineFramer copies out of the caller's buffer", () => {
  const framer = new LineFramer(100);
  const buffer = enc("abc");
  framer.push(buffer);
  buffer.fill(0x7a);
  const [event] = framer.push(enc("\n"));
  assert.equal(event.type === "message" && dec(event.data), "abc");
});

Deno.test("decodeMessage: JSON, invalid JSON, invalid UTF-8", () => {
  assert.deepEqual(decodeMessage(enc('{"id":1}')), { id: 1 });
  assert.deepEqual(decodeMessage("[1,2]"), [1, 2]);
  for (
    const [input, message] of [
      [enc("{nope"), "invalid JSON"],
      [enc(""), "invalid JSON"],
      [new Uint8Array([0x22, 0xc3, 0x28, 0x22]), "messages must be encoded in UTF-8"],
    ] as const
  ) {
    assert.throws(() => decodeMessage(input), (error: unknown) => {
      assert.ok(error instanceof RpcError);
      assert.equal(error.code, -32700);
      assert.equal(error.message, message);
      assert.equal(error.extraCost, 1000);
      return true;
    });
  }
});

Deno.test("detectDialect", () => {
  assert.equal(detectDialect({ jsonrpc: "2.0", method: "x" }), "2.0");
  assert.equal(detectDialect({ jsonrpc: "1.0", method: "x" }), "1.0");
  assert.equal(detectDialect({ method: "x" }), "loose");
  assert.equal(detectDialect([5, { jsonrpc: "2.0" }]), "2.0");
  assert.equal(detectDialect(7), "loose");
});

Deno.test("parseRequest: requests, notifications and each validation error", () => {
  assert.deepEqual(parseRequest({ jsonrpc: "2.0", id: 1, method: "m", params: [1] }, "2.0"), {
    method: "m",
    params: [1],
    id: 1,
  });
  assert.deepEqual(parseRequest({ jsonrpc: "2.0", id: "x", method: "m" }, "2.0"), {
    method: "m",
    params: [],
    id: "x",
  });
  assert.deepEqual(parseRequest({ jsonrpc: "2.0", method: "m", params: { a: 1 } }, "2.0"), {
    method: "m",
    params: { a: 1 },
  });
  // id null: a request in 2.0, a notification in 1.0 and loose.
  assert.deepEqual(parseRequest({ jsonrpc: "2.0", id: null, method: "m" }, "2.0"), {
    method: "m",
    params: [],
    id: null,
  });
  assert.deepEqual(parseRequest({ id: null, method: "m" }, "loose"), { method: "m", params: [] });
  assert.deepEqual(parseRequest({ id: 3, method: "m" }, "loose"), {
    method: "m",
    params: [],
    id: 3,
  });
  assert.deepEqual(parseRequest({ jsonrpc: "2.0", id: 1, result: 5 }, "2.0"), { stray: true });

  const bad = (item: unknown, dialect: "2.0" | "loose" = "2.0") => {
    const parsed = parseRequest(item, dialect);
    assert.ok("error" in parsed, JSON.stringify(item));
    return [parsed.error.code, parsed.error.message, parsed.id];
  };
  assert.deepEqual(bad(5), [-32600, "request object must be a dictionary", null]);
  assert.deepEqual(bad([1]), [-32600, "request object must be a dictionary", null]);
  assert.deepEqual(bad({ id: 4, method: "m" }), [-32600, '"jsonrpc" is not "2.0"', 4]);
  assert.deepEqual(bad({ jsonrpc: "2.0", id: 1.5, method: "m" }), [
    -32600,
    'invalid "id": 1.5',
    null,
  ]);
  assert.deepEqual(bad({ jsonrpc: "2.0", id: { a: "b" }, method: "m" }), [
    -32600,
    `invalid "id": {'a': 'b'}`,
    null,
  ]);
  assert.deepEqual(bad({ jsonrpc: "2.0", id: 2, method: null }), [
    -32601,
    "method must be a string",
    2,
  ]);
  assert.deepEqual(bad({ jsonrpc: "2.0", id: 2 }), [-32601, "method must be a string", 2]);
  assert.deepEqual(bad({ jsonrpc: "2.0", id: 3, method: "m", params: "p" }), [
    -32602,
    "invalid request arguments: p",
    3,
  ]);
  assert.deepEqual(bad({ jsonrpc: "2.0", id: 3, method: "m", params: null }), [
    -32602,
    "invalid request arguments: None",
    3,
  ]);
  // Errors in notifications carry no id: they are not answered.
  assert.deepEqual(bad({ jsonrpc: "2.0", method: 5 }), [
    -32601,
    "method must be a string",
    undefined,
  ]);
});

Deno.test("serialisation is compact and in ElectrumX's key order", () => {
  assert.equal(resultMessage(1, [1, "a"]), '{"jsonrpc":"2.0","result":[1,"a"],"id":1}');
  assert.equal(resultMessage("x", undefined), '{"jsonrpc":"2.0","result":null,"id":"x"}');
  assert.equal(
    errorText(null, new RpcError(1, "bad")),
    '{"jsonrpc":"2.0","error":{"code":1,"message":"bad"},"id":null}',
  );
  assert.equal(
    notificationText("blockchain.headers.subscribe", [{ hex: "00", height: 5 }]),
    '{"jsonrpc":"2.0","method":"blockchain.headers.subscribe","params":[{"hex":"00","height":5}]}',
  );
  assert.equal(responseTooLarge(8_100_000).message, "response too large (over 8,100,000 bytes)");
  assert.equal(responseTooLarge(8_100_000).code, -32600);
});

Deno.test("Python-style printing of client values", () => {
  assert.equal(pythonStr(null), "None");
  assert.equal(pythonStr(true), "True");
  assert.equal(pythonStr("abc"), "abc");
  assert.equal(pythonStr(["a", 1, null, false]), "['a', 1, None, False]");
  assert.equal(pythonStr({ k: ["v"] }), "{'k': ['v']}");
  assert.equal(pythonStr(1.5), "1.5");
  assert.equal(pythonStr(1e-5), "1e-05");
  assert.equal(pythonRepr("it's"), `"it's"`);
  assert.equal(pythonRepr(`'"`), `'\\'"'`);
  assert.equal(pythonRepr("a\nb\\"), "'a\\nb\\\\'");
  assert.equal(withCommas(1234567), "1,234,567");
  assert.equal(withCommas(0), "0");
});
