/**
 * Byte-level helpers: hex, byte order, a bounds-checked reader and a growable writer for
 * Bitcoin's little-endian serialisation with CompactSize integers.
 */

/** Raised when bytes cannot be decoded as the structure they claim to be. */
export class DecodeError extends Error {
  override name = "DecodeError";
}

const HEX_CHARS = "0123456789abcdef";
const BYTE_TO_HEX: string[] = Array.from(
  { length: 256 },
  (_, i) => HEX_CHARS[i >> 4] + HEX_CHARS[i & 15],
);
const HEX_TO_NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_TO_NIBBLE[HEX_CHARS.charCodeAt(i)] = i;
  HEX_TO_NIBBLE[HEX_CHARS.toUpperCase().charCodeAt(i)] = i;
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_HEX[bytes[i]];
  return out;
}

/** Decodes hex (either case); throws DecodeError on odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new DecodeError("hex string has an odd length");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = HEX_TO_NIBBLE[hex.charCodeAt(2 * i)] ?? -1;
    const lo = HEX_TO_NIBBLE[hex.charCodeAt(2 * i + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw new DecodeError(`invalid hex character near offset ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** True when `text` is even-length hex (the empty string included). */
export function isHex(text: string): boolean {
  return text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text);
}

/** A reversed copy: converts between internal and display byte order of hashes. */
export function reversed(bytes: Uint8Array): Uint8Array {
  return bytes.slice().reverse();
}

/** Display hex (byte-reversed) of an internal-order hash. */
export function hashToHex(hash: Uint8Array): string {
  let out = "";
  for (let i = hash.length - 1; i >= 0; i--) out += BYTE_TO_HEX[hash[i]];
  return out;
}

/** Internal-order bytes of a display-hex hash. */
export function hexToHash(hex: string): Uint8Array {
  return fromHex(hex).reverse();
}

/** Largest array smallBytes carves from a shared buffer, and that buffer's size. */
const SMALL_BYTES_MAX = 256;
const SLAB_SIZE = 4096;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * A zeroed byte array of `length`, carved from a shared 4 KB buffer when small. Every
 * ArrayBuffer Deno makes lives outside V8's heap and costs 0.4–1.2 µs to allocate whatever its
 * size (measured), while a view of an existing one costs about 15 ns; hashing makes millions
 * of 32-byte results per million transactions. The view keeps its whole 4 KB buffer alive,
 * and its `.buffer` is shared: never transfer or detach it.
 */
export function smallBytes(length: number): Uint8Array {
  if (length > SMALL_BYTES_MAX) return new Uint8Array(length);
  if (slabUsed + length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return view;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic comparison, for sorting keys the way SQLite sorts BLOBs. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Encoded size of a CompactSize integer. */
export function compactSizeLength(value: number): number {
  if (value < 0xfd) return 1;
  if (value <= 0xffff) return 3;
  if (value <= 0xffffffff) return 5;
  return 9;
}

/** Bitcoin Core's `MAX_SIZE`: the largest CompactSize a deserialiser accepts. */
const MAX_COMPACT_SIZE = 0x0200_0000;

/** Sequential reader over a byte array; every read is bounds-checked. */
export class ByteReader {
  offset: number;
  readonly #view: DataView;

  constructor(readonly bytes: Uint8Array, offset = 0) {
    this.offset = offset;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  #need(count: number): number {
    const start = this.offset;
    if (count < 0 || start + count > this.bytes.length) {
      throw new DecodeError(
        `unexpected end of data: need ${count} bytes at offset ${start}, have ${
          this.bytes.length - start
        }`,
      );
    }
    this.offset = start + count;
    return start;
  }

  u8(): number {
    return this.bytes[this.#need(1)];
  }

  u16(): number {
    return this.#view.getUint16(this.#need(2), true);
  }

  u32(): number {
    return this.#view.getUint32(this.#need(4), true);
  }

  i32(): number {
    return this.#view.getInt32(this.#need(4), true);
  }

  /** A little-endian 64-bit unsigned integer; exact up to 2^53 (all valid amounts). */
  u64(): number {
    const at = this.#need(8);
    return this.#view.getUint32(at, true) + this.#view.getUint32(at + 4, true) * 0x1_0000_0000;
  }

  /**
   * A CompactSize integer. Like Bitcoin Core, rejects a value not written in its shortest form
   * and one above 32 MiB (`MAX_SIZE`), which cannot be a count or length in valid data.
   */
  compactSize(): number {
    const at = this.offset;
    const first = this.u8();
    if (first < 0xfd) return first;
    let value: number;
    let shortest: number;
    if (first === 0xfd) [value, shortest] = [this.u16(), 0xfd];
    else if (first === 0xfe) [value, shortest] = [this.u32(), 0x1_0000];
    else [value, shortest] = [this.u64(), 0x1_0000_0000];
    if (value < shortest) {
      throw new DecodeError(`non-canonical CompactSize ${value} at offset ${at}`);
    }
    if (value > MAX_COMPACT_SIZE) {
      throw new DecodeError(`CompactSize ${value} at offset ${at} exceeds ${MAX_COMPACT_SIZE}`);
    }
    return value;
  }

  /** An unsigned LEB128 integer (the index's compact encoding), exact up to 2^53. */
  varUint(): number {
    let value = 0;
    let scale = 1;
    while (true) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 53) throw new DecodeError(`varint too long at offset ${this.offset}`);
    }
  }

  /** A view (no copy) of the next `count` bytes. */
  bytesView(count: number): Uint8Array {
    const start = this.#need(count);
    return this.bytes.subarray(start, start + count);
  }

  /** A CompactSize length followed by that many bytes, as a view. */
  varBytes(): Uint8Array {
    return this.bytesView(this.compactSize());
  }
}

/** Growable little-endian writer. */
export class ByteWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialCapacity = 256) {
    this.#buffer = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#buffer.buffer);
  }

  #reserve(count: number): number {
    const at = this.#length;
    const needed = at + count;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, at));
      this.#buffer = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = needed;
    return at;
  }

  // Each write reserves before touching #buffer or #view: `this.#view.set…(this.#reserve(n))`
  // would evaluate #view first and write into the array that #reserve just replaced.

  u8(value: number): this {
    const at = this.#reserve(1);
    this.#buffer[at] = value;
    return this;
  }

  u16(value: number): this {
    const at = this.#reserve(2);
    this.#view.setUint16(at, value, true);
    return this;
  }

  u32(value: number): this {
    const at = this.#reserve(4);
    this.#view.setUint32(at, value >>> 0, true);
    return this;
  }

  i32(value: number): this {
    const at = this.#reserve(4);
    this.#view.setInt32(at, value, true);
    return this;
  }

  u64(value: number): this {
    const at = this.#reserve(8);
    this.#view.setUint32(at, value % 0x1_0000_0000, true);
    this.#view.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true);
    return this;
  }

  compactSize(value: number): this {
    if (value < 0xfd) return this.u8(value);
    if (value <= 0xffff) return this.u8(0xfd).u16(value);
    if (value <= 0xffffffff) return this.u8(0xfe).u32(value);
    return this.u8(0xff).u64(value);
  }

  /** An unsigned LEB128 integer; `value` must be a whole number below 2^53. */
  varUint(value: number): this {
    while (value >= 0x80) {
      this.u8((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    return this.u8(value);
  }

  bytes(bytes: Uint8Array): this {
    const at = this.#reserve(bytes.length);
    this.#buffer.set(bytes, at);
    return this;
  }

  varBytes(bytes: Uint8Array): this {
    return this.compactSize(bytes.length).bytes(bytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }
}
