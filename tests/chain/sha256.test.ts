import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { toHex } from "../../src/chain/bytes.ts";
import { sha256 } from "../../src/chain/hash.ts";
import { sha256Small } from "../../src/chain/sha256.ts";

Deno.test("TypeScript SHA-256 matches the standard vectors", () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.equal(
    toHex(sha256Small([])),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    toHex(sha256Small([text("abc")])),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    toHex(sha256Small([text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")])),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("TypeScript SHA-256 equals node:crypto for every length and split up to 300 bytes", () => {
  const data = new Uint8Array(300).map((_, i) => (i * 31 + 7) & 0xff);
  for (let length = 0; length <= 300; length++) {
    const input = data.subarray(0, length);
    const expected = toHex(createHash("sha256").update(input).digest());
    assert.equal(toHex(sha256Small([input])), expected, `length ${length}`);
    const cut = Math.floor(length / 3);
    const parts = [input.subarray(0, cut), input.subarray(cut, 2 * cut), input.subarray(2 * cut)];
    assert.equal(toHex(sha256Small(parts)), expected, `length ${length} in three parts`);
    assert.equal(toHex(sha256(...parts)), expected);
  }
  const large = new Uint8Array(5000).map((_, i) => i & 0xff);
  assert.equal(toHex(sha256(large)), toHex(createHash("sha256").update(large).digest()));
});
