import assert from "node:assert/strict";
import { toHex } from "../../src/chain/bytes.ts";
import { parseJsonWithHexBlobs, readBody } from "../../src/daemon/hex_json.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const blob = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed) & 255);

Deno.test("long hex strings become bytes, everything else parses as JSON.parse would", () => {
  const a = blob(500, 7);
  const b = blob(80, 13);
  const text = ` [ {"result" : "${toHex(a)}", "error":null,"id":1},
    {"id":2,"error":null,"result":"${toHex(b).toUpperCase()}"},
    {"result":"abcd","error":{"code":-5,"message":"Block \\"x\\" not found: é"},"id":3},
    {"result":"${"0".repeat(161)}","id":4}, {"result":"${"g".repeat(200)}","id":5},
    {"result":"${"ab".repeat(32)}","id":6} ]`;
  const parsed = parseJsonWithHexBlobs(encode(text)) as Record<string, unknown>[];
  assert.deepEqual(parsed[0].result, a);
  assert.deepEqual(parsed[1].result, b);
  assert.equal(parsed[2].result, "abcd");
  assert.deepEqual(parsed[2].error, { code: -5, message: 'Block "x" not found: é' });
  assert.equal(parsed[3].result, "0".repeat(161), "odd-length hex stays a string");
  assert.equal(parsed[4].result, "g".repeat(200), "non-hex stays a string");
  assert.equal(parsed[5].result, "ab".repeat(32), "a 32-byte hash stays a string");
});

Deno.test("a hex-looking run inside a string with escapes is not mistaken for a blob", () => {
  const hex = "ab".repeat(100);
  const text = `{"message":"x\\"${hex}\\"y","result":null}`;
  assert.deepEqual(parseJsonWithHexBlobs(encode(text)), JSON.parse(text));
});

Deno.test("a document containing the blob tag character is parsed the plain way", () => {
  const text = `{"result":"@blob:0","other":"${"ab".repeat(100)}"}`;
  assert.deepEqual(parseJsonWithHexBlobs(encode(text)), JSON.parse(text));
});

Deno.test("malformed JSON is refused", () => {
  assert.throws(() => parseJsonWithHexBlobs(encode(`[{"result":"${"ab".repeat(100)}"`)));
  assert.throws(() => parseJsonWithHexBlobs(encode(`{"result":"abc`)));
});

Deno.test("a reply body is read whole, with or without a Content-Length to size it", async () => {
  const chunks = [encode('[{"id":0,'), encode('"result":"' + "ab".repeat(70_000)), encode('"}]')];
  const expected = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
  chunks.reduce((at, chunk) => (expected.set(chunk, at), at + chunk.length), 0);
  const stream = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
  // No length: the 64 KB first guess grows. A declared length too small grows the same way.
  const lengths: Record<string, string>[] = [
    {},
    { "content-length": String(expected.length) },
    { "content-length": "10" },
  ];
  for (const headers of lengths) {
    assert.deepEqual(await readBody(new Response(stream(), { headers })), expected);
  }
  assert.deepEqual(await readBody(new Response(null)), new Uint8Array(0));
});
