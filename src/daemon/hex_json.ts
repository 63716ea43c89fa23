/**
 * Parses a JSON reply whose long hex strings (raw blocks, raw transactions) are decoded straight
 * from the response bytes into Uint8Arrays. Going through a JS string and a hex decoder costs
 * several times more than the HTTP transfer for block batches; here each hex digit pair is
 * read once, and only the small remainder of the document goes through JSON.parse.
 */
import { DecodeError } from "../chain/bytes.ts";

/**
 * Strings at least this long that are all hex become bytes; shorter ones, such as 64-digit
 * hashes, stay strings. 160 digits is an 80-byte header, less than any block.
 */
const MIN_BLOB_HEX = 160;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Marks a decoded blob in the skeleton; '@' cannot occur in a hex string. */
const BLOB_TAG = "@blob:";

/** Two ASCII hex digits read as a little-endian u16 → the byte they spell, or -1. */
const HEX_PAIRS = (() => {
  const table = new Int16Array(65536).fill(-1);
  const digits = "0123456789abcdef";
  for (let hi = 0; hi < 16; hi++) {
    for (let lo = 0; lo < 16; lo++) {
      for (const a of [digits[hi], digits[hi].toUpperCase()]) {
        for (const b of [digits[lo], digits[lo].toUpperCase()]) {
          table[a.charCodeAt(0) | (b.charCodeAt(0) << 8)] = (hi << 4) | lo;
        }
      }
    }
  }
  return table;
})();

/**
 * Decodes the hex string whose first digit is at `start`, up to the closing quote. Returns
 * undefined when the string holds anything but hex digit pairs.
 */
function decodeHexRun(
  bytes: Uint8Array,
  start: number,
): { blob: Uint8Array; end: number } | undefined {
  const close = bytes.indexOf(QUOTE, start);
  if (close < 0) throw new DecodeError("unterminated string in JSON reply");
  const length = close - start;
  if (length < MIN_BLOB_HEX || length % 2 !== 0) return undefined;
  const blob = new Uint8Array(length / 2);
  let bad = 0;
  for (let i = 0, j = start; i < blob.length; i++, j += 2) {
    const value = HEX_PAIRS[bytes[j] | (bytes[j + 1] << 8)];
    bad |= value;
    blob[i] = value;
  }
  return bad < 0 ? undefined : { blob, end: close };
}

/** Replaces blob tags in the parsed skeleton by their bytes. */
function restoreBlobs(value: unknown, blobs: Uint8Array[]): unknown {
  if (typeof value === "string") {
    return value.startsWith(BLOB_TAG) ? blobs[Number(value.slice(BLOB_TAG.length))] : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreBlobs(value[i], blobs);
    return value;
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = restoreBlobs(record[key], blobs);
  }
  return value;
}

/**
 * Parses JSON text given as UTF-8 bytes. String values of at least 160 hex digits come back as
 * Uint8Array; everything else exactly as JSON.parse gives it. Throws SyntaxError or DecodeError
 * on malformed input.
 */
export function parseJsonWithHexBlobs(bytes: Uint8Array): unknown {
  const decoder = new TextDecoder();
  // A document that could contain the tag itself is parsed the plain way.
  if (bytes.includes(BLOB_TAG.charCodeAt(0))) return JSON.parse(decoder.decode(bytes));
  const blobs: Uint8Array[] = [];
  const skeleton: string[] = [];
  let copiedTo = 0;
  let i = 0;
  while (i < bytes.length) {
    const quote = bytes.indexOf(QUOTE, i);
    if (quote < 0) break;
    const run = decodeHexRun(bytes, quote + 1);
    if (run) {
      skeleton.push(decoder.decode(bytes.subarray(copiedTo, quote + 1)));
      skeleton.push(BLOB_TAG + blobs.length);
      blobs.push(run.blob);
      copiedTo = run.end;
      i = run.end + 1;
      continue;
    }
    // An ordinary string: skip to its closing quote, past escaped characters.
    let j = quote + 1;
    while (j < bytes.length && bytes[j] !== QUOTE) j += bytes[j] === BACKSLASH ? 2 : 1;
    i = j + 1;
  }
  skeleton.push(decoder.decode(bytes.subarray(copiedTo)));
  const parsed = JSON.parse(skeleton.join(""));
  return blobs.length === 0 ? parsed : restoreBlobs(parsed, blobs);
}

/**
 * The whole body of `response`, read chunk by chunk into one buffer sized by Content-Length
 * when the reply gives it. `response.arrayBuffer()` costs several times more in Deno (13.9 MB
 * of blocks: 95 ms against 24–60 ms, measured), and block batches are most of what a sync
 * reads.
 */
export async function readBody(response: Response): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const declared = Number(response.headers.get("content-length"));
  let buffer = new Uint8Array(Number.isSafeInteger(declared) && declared > 0 ? declared : 65536);
  let length = 0;
  for await (const chunk of response.body) {
    if (length + chunk.length > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, length + chunk.length));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    buffer.set(chunk, length);
    length += chunk.length;
  }
  return buffer.subarray(0, length);
}
