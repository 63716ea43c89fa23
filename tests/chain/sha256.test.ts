import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { toHex } from "../../src/chain/bytes.ts";
import {
  portableSha256,
  sha256,
  sha256d,
  sha256dInto,
  sha256Engine,
  Sha256Text,
} from "../../src/chain/hash.ts";
import { loadNativeSha256, type Sha256, type Sha256Blocks } from "../../src/chain/native_sha256.ts";
import {
  compressInto,
  digestOf,
  INITIAL_STATE,
  sha256Small,
  typeScriptBlocks,
  writeBitLength,
} from "../../src/chain/sha256.ts";

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

/** Checks `hash` against node:crypto on a prefix of `data` of each length, whole and in thirds. */
function assertMatchesNodeCrypto(hash: Sha256, data: Uint8Array, lengths: number[]): void {
  for (const length of lengths) {
    const input = data.subarray(0, length);
    const expected = toHex(createHash("sha256").update(input).digest());
    assert.equal(toHex(hash([input])), expected, `length ${length}`);
    const cut = Math.floor(length / 3);
    const parts = [input.subarray(0, cut), input.subarray(cut, 2 * cut), input.subarray(2 * cut)];
    assert.equal(toHex(hash(parts)), expected, `length ${length} in three parts`);
  }
}

const upTo = (last: number, step = 1) =>
  Array.from({ length: Math.floor(last / step) + 1 }, (_, i) => i * step);

Deno.test("TypeScript SHA-256 equals node:crypto for every length and split up to 300 bytes", () => {
  const data = new Uint8Array(300).map((_, i) => (i * 31 + 7) & 0xff);
  assertMatchesNodeCrypto(sha256Small, data, upTo(300));
  assertMatchesNodeCrypto(portableSha256, new Uint8Array(5000).map((_, i) => i & 0xff), [5000]);
});

const native = loadNativeSha256();

Deno.test({
  name: "OpenSSL's SHA-256 through FFI equals node:crypto for every length and split",
  ignore: native === undefined,
  fn: () => {
    const data = new Uint8Array(5000).map((_, i) => (i * 13 + 5) & 0xff);
    assertMatchesNodeCrypto(native!.hash, data, [...upTo(300), ...upTo(5000, 331)]);
    assertMatchesNodeCrypto((parts) => sha256(...parts), data, [0, 55, 56, 64, 5000]);
  },
});

Deno.test("the engine in use is the native one when it loads", () => {
  assert.equal(sha256Engine.hash === portableSha256, native === undefined);
});

Deno.test("hashes carved from shared buffers stay intact as more are made", () => {
  const inputs = Array.from({ length: 1000 }, (_, i) => new Uint8Array([i & 0xff, i >> 8]));
  const hashes = inputs.map((input) => sha256(input));
  for (let i = 0; i < inputs.length; i++) {
    assert.equal(toHex(hashes[i]), toHex(createHash("sha256").update(inputs[i]).digest()));
  }
});

for (
  const [name, compress] of [["engine's", sha256Engine.compress], [
    "TypeScript",
    compressInto,
  ]] as const
) {
  Deno.test(`incremental SHA-256 of text (${name} block function) equals node:crypto, across copies and block edges`, () => {
    const pieces = Array.from({ length: 40 }, (_, i) => "ab:12:".repeat(i) + "x".repeat(i % 7));
    const whole = createHash("sha256");
    const hasher = new Sha256Text(compress);
    for (const [i, piece] of pieces.entries()) {
      whole.update(piece);
      hasher.update(piece);
      assert.equal(hasher.hex(), whole.copy().digest("hex"), `after ${i + 1} pieces`);
      // A copy goes on independently of the original.
      const fork = hasher.copy().update("fork");
      assert.equal(fork.hex(), whole.copy().update("fork").digest("hex"));
    }
    assert.equal(new Sha256Text(compress).hex(), createHash("sha256").digest("hex"));
  });
}

Deno.test("SHA256d into a buffer equals sha256d at any offset and length, and may overwrite its input", () => {
  const data = new Uint8Array(400).map((_, i) => (i * 29 + 3) & 0xff);
  const out = new Uint8Array(40);
  for (const start of [0, 1, 63]) {
    for (let length = 0; start + length <= 400; length += start === 0 ? 1 : 7) {
      sha256dInto(data, start, start + length, out, 5);
      const expected = toHex(sha256d(data.subarray(start, start + length)));
      assert.equal(toHex(out.subarray(5, 37)), expected, `${length} bytes at ${start}`);
    }
  }
  const node = data.slice(0, 64);
  sha256dInto(node, 0, 64, node, 0);
  assert.equal(toHex(node.subarray(0, 32)), toHex(sha256d(data.subarray(0, 64))));
});

const blockFunctions: [string, Sha256Blocks][] = [
  ["TypeScript", typeScriptBlocks],
  ...(native ? [["OpenSSL", native.blocks] as [string, Sha256Blocks]] : []),
];
for (const [name, blocks] of blockFunctions) {
  Deno.test(`the ${name} block function updates its own state: SHA-256 of a two-block message`, () => {
    const message = new Uint8Array(70).map((_, i) => i);
    const padded = new Uint8Array(128);
    padded.set(message);
    padded[70] = 0x80;
    writeBitLength(padded, 128, 70);
    blocks.state.set(INITIAL_STATE);
    blocks.compress(padded, 0);
    blocks.compress(padded, 64);
    assert.equal(
      toHex(digestOf(blocks.state)),
      toHex(createHash("sha256").update(message).digest()),
    );
  });
}
