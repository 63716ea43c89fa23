/** Hex, byte order, and the little-endian reader and writer with CompactSize integers. */
import assert from "node:assert/strict";
import {
  ByteReader,
  bytesEqual,
  ByteWriter,
  compactSizeLength,
  compareBytes,
  concatBytes,
  DecodeError,
  fromHex,
  hashToHex,
  hexToHash,
  isHex,
  reversed,
  toHex,
} from "../../src/chain/bytes.ts";

const GENESIS = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

/** Asserts that `fn` throws a DecodeError whose message matches `message`. */
function assertDecodeError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: Error) => error instanceof DecodeError && message.test(error.message));
}

Deno.test("hex round-trips in either case", () => {
  assert.equal(toHex(Uint8Array.of(0, 1, 0x7f, 0x80, 0xab, 0xff)), "00017f80abff");
  assert.deepEqual(fromHex("00017F80abFF"), Uint8Array.of(0, 1, 0x7f, 0x80, 0xab, 0xff));
  assert.deepEqual(fromHex(""), new Uint8Array());
  assert.equal(toHex(new Uint8Array()), "");
});

Deno.test("bad hex is a DecodeError saying where", () => {
  assertDecodeError(() => fromHex("abc"), /odd length/);
  assertDecodeError(() => fromHex("zz"), /invalid hex character near offset 0/);
  assertDecodeError(() => fromHex("00g0"), /near offset 2/);
  assertDecodeError(() => fromHex("00é0"), /near offset 2/);
  assert.equal(isHex("00aBcd"), true);
  assert.equal(isHex("0"), false);
  assert.equal(isHex("0x00"), false);
});

Deno.test("display and internal byte order of hashes", () => {
  const internal = hexToHash(GENESIS);
  assert.equal(toHex(internal), "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000");
  assert.equal(hashToHex(internal), GENESIS);
  const copy = reversed(internal);
  assert.equal(toHex(copy), GENESIS);
  assert.equal(hashToHex(internal), GENESIS, "reversed() leaves its input alone");
});

Deno.test("concatenation, equality and BLOB ordering", () => {
  assert.deepEqual(
    concatBytes(Uint8Array.of(1), new Uint8Array(), Uint8Array.of(2, 3)),
    Uint8Array.of(1, 2, 3),
  );
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
  assert.equal(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 0)), false);
  assert.ok(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)) < 0);
  assert.ok(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 0xff)) > 0);
  assert.ok(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0)) < 0);
  assert.equal(compareBytes(Uint8Array.of(5, 6), Uint8Array.of(5, 6)), 0);
});

Deno.test("CompactSize: lengths, encodings and round trips at every boundary", () => {
  const cases: [number, string][] = [
    [0, "00"],
    [0xfc, "fc"],
    [0xfd, "fdfd00"],
    [0xffff, "fdffff"],
    [0x1_0000, "fe00000100"],
    [0x0200_0000, "fe00000002"],
  ];
  for (const [value, hex] of cases) {
    assert.equal(toHex(new ByteWriter(1).compactSize(value).finish()), hex, `${value}`);
    assert.equal(compactSizeLength(value), hex.length / 2, `${value}`);
    const reader = new ByteReader(fromHex(hex));
    assert.equal(reader.compactSize(), value);
    assert.equal(reader.remaining, 0);
  }
  assert.equal(toHex(new ByteWriter().compactSize(0x1_0000_0000).finish()), "ff0000000001000000");
  assert.equal(compactSizeLength(0x1_0000_0000), 9);
});

Deno.test("CompactSize: non-canonical and oversized values are refused, as by Core", () => {
  assertDecodeError(
    () => new ByteReader(fromHex("fdfc00")).compactSize(),
    /non-canonical CompactSize 252 at offset 0/,
  );
  assertDecodeError(() => new ByteReader(fromHex("feffff0000")).compactSize(), /non-canonical/);
  assertDecodeError(
    () => new ByteReader(fromHex("ffffffffff00000000")).compactSize(),
    /non-canonical/,
  );
  const afterTwoBytes = new ByteReader(fromHex("0001fe01000002"), 2);
  assertDecodeError(
    () => afterTwoBytes.compactSize(),
    /CompactSize 33554433 at offset 2 exceeds 33554432/,
  );
  assertDecodeError(() => new ByteReader(fromHex("ff0000000001000000")).compactSize(), /exceeds/);
  assertDecodeError(() => new ByteReader(fromHex("fd01")).compactSize(), /unexpected end of data/);
});

Deno.test("fixed-width little-endian integers, read and written", () => {
  const raw = new ByteWriter(4)
    .u8(0xab)
    .u16(0x1234)
    .u32(0xdeadbeef)
    .i32(-2)
    .u64(Number.MAX_SAFE_INTEGER)
    .finish();
  assert.equal(toHex(raw), "ab3412efbeaddefeffffffffffffffffff1f00");
  const reader = new ByteReader(raw);
  assert.equal(reader.u8(), 0xab);
  assert.equal(reader.u16(), 0x1234);
  assert.equal(reader.u32(), 0xdeadbeef);
  assert.equal(reader.i32(), -2);
  assert.equal(reader.u64(), Number.MAX_SAFE_INTEGER);
  assert.equal(reader.remaining, 0);
  assertDecodeError(
    () => reader.u8(),
    /unexpected end of data: need 1 bytes at offset 19, have 0/,
  );
});

Deno.test("the reader hands out views, honours offsets and sub-arrays", () => {
  const backing = fromHex("ff0203aabbccff");
  const slice = backing.subarray(1, 6); // 02 03 aa bb cc
  const reader = new ByteReader(slice);
  assert.equal(reader.u8(), 2);
  const view = reader.varBytes();
  assert.equal(toHex(view), "aabbcc");
  assert.equal(view.buffer, backing.buffer, "no copy");
  assert.equal(reader.remaining, 0);
  const fromOffset = new ByteReader(slice, 2);
  assert.equal(fromOffset.u16(), 0xbbaa);
  assertDecodeError(
    () => new ByteReader(fromHex("05aabb")).varBytes(),
    /need 5 bytes at offset 1, have 2/,
  );
});

Deno.test("the writer grows past its initial capacity and returns a copy", () => {
  const writer = new ByteWriter(2);
  const data = new Uint8Array(1000).map((_, i) => i & 0xff);
  writer.varBytes(data).u32(7);
  const out = writer.finish();
  assert.equal(out.length, 3 + 1000 + 4);
  assert.equal(toHex(out.subarray(0, 3)), "fde803");
  assert.deepEqual(out.subarray(3, 1003), data);
  out[0] = 0;
  assert.equal(writer.finish()[0], 0xfd);
  // Growth on a single-byte write keeps the byte (it used to land in the discarded buffer).
  assert.deepEqual(new ByteWriter(1).u8(1).u8(2).u8(3).finish(), Uint8Array.of(1, 2, 3));
  assert.equal(toHex(new ByteWriter(0).u16(0x0102).u32(3).finish()), "020103000000");
});
