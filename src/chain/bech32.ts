/**
 * Bech32 (BIP 173) and bech32m (BIP 350) strings, and the segwit addresses built on them:
 * witness v0 uses bech32, v1 to v16 use bech32m.
 */
import { DecodeError } from "./bytes.ts";
import { type WitnessProgram, witnessProgramProblem } from "./script.ts";

/** The checksum variant: bech32 for witness v0, bech32m for v1 and later. */
export type Bech32Encoding = "bech32" | "bech32m";

/** A bech32 string taken apart: human-readable part, 5-bit data values, checksum variant. */
export interface Bech32String {
  /** Lower-case human-readable part. */
  hrp: string;
  /** The 5-bit values between the separator and the checksum. */
  data: Uint8Array;
  encoding: Bech32Encoding;
}

/** A segwit address taken apart: its network's hrp and the witness program it pays to. */
export interface SegwitAddress extends WitnessProgram {
  /** Lower-case human-readable part: `bc`, `tb`, `bcrt`. */
  hrp: string;
}

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const SEPARATOR = "1";
const CHECKSUM_LENGTH = 6;
const MAX_LENGTH = 90;
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const CHECKSUM_CONSTANT: Readonly<Record<Bech32Encoding, number>> = {
  bech32: 1,
  bech32m: 0x2bc830a3,
};

/** Value of each lower-case ASCII character of the charset; -1 for the others. */
const VALUE_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < CHARSET.length; i++) VALUE_OF[CHARSET.charCodeAt(i)] = i;

/** One step of the BCH checksum: feeds one 5-bit value into `checksum`. */
function polymodStep(checksum: number, value: number): number {
  const top = checksum >>> 25;
  let next = ((checksum & 0x1ffffff) << 5) ^ value;
  for (let i = 0; i < 5; i++) if ((top >>> i) & 1) next ^= GENERATORS[i];
  return next;
}

/** The BCH checksum state after feeding `hrp` (expanded as BIP 173 says) and `data`. */
function polymod(hrp: string, data: ArrayLike<number>): number {
  let checksum = 1;
  for (let i = 0; i < hrp.length; i++) checksum = polymodStep(checksum, hrp.charCodeAt(i) >> 5);
  checksum = polymodStep(checksum, 0);
  for (let i = 0; i < hrp.length; i++) checksum = polymodStep(checksum, hrp.charCodeAt(i) & 31);
  for (let i = 0; i < data.length; i++) checksum = polymodStep(checksum, data[i]);
  return checksum;
}

/** Is `code` a character allowed anywhere in a bech32 string (printable US-ASCII)? */
function isPrintableAscii(code: number): boolean {
  return code >= 33 && code <= 126;
}

/** Text of a bech32 or bech32m string, lower case as BIP 173 requires of encoders. */
export function bech32Encode(parts: Bech32String): string {
  const hrp = parts.hrp.toLowerCase();
  const length = hrp.length + 1 + parts.data.length + CHECKSUM_LENGTH;
  if (hrp.length === 0) throw new RangeError("bech32 hrp must not be empty");
  if (length > MAX_LENGTH) {
    throw new RangeError(`bech32 string would be ${length} characters, at most ${MAX_LENGTH}`);
  }
  for (let i = 0; i < hrp.length; i++) {
    if (!isPrintableAscii(hrp.charCodeAt(i))) {
      throw new RangeError(`bech32 hrp ${JSON.stringify(hrp)} has a non-printable character`);
    }
  }
  for (const value of parts.data) {
    if (value > 31) throw new RangeError(`bech32 data value ${value} is not a 5-bit value`);
  }
  const values = new Uint8Array(parts.data.length + CHECKSUM_LENGTH);
  values.set(parts.data);
  const checksum = polymod(hrp, values) ^ CHECKSUM_CONSTANT[parts.encoding];
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    values[parts.data.length + i] = (checksum >>> (5 * (CHECKSUM_LENGTH - 1 - i))) & 31;
  }
  let out = hrp + SEPARATOR;
  for (const value of values) out += CHARSET[value];
  return out;
}

/**
 * Takes a bech32 or bech32m string apart, checking every rule of BIP 173: printable ASCII,
 * at most 90 characters, one case, a non-empty hrp, a valid checksum of either variant.
 */
export function bech32Decode(text: string): Bech32String {
  if (text.length > MAX_LENGTH) {
    throw new DecodeError(`bech32 string is ${text.length} characters long, at most ${MAX_LENGTH}`);
  }
  let hasLower = false;
  let hasUpper = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isPrintableAscii(code)) {
      throw new DecodeError(
        `invalid character U+${code.toString(16).padStart(4, "0")} at position ${i}`,
      );
    }
    hasLower ||= code >= 97 && code <= 122;
    hasUpper ||= code >= 65 && code <= 90;
  }
  if (hasLower && hasUpper) {
    throw new DecodeError("bech32 string mixes upper and lower case; use one case throughout");
  }
  const lower = text.toLowerCase();
  const separator = lower.lastIndexOf(SEPARATOR);
  if (separator < 0) throw new DecodeError(`bech32 string has no separator "${SEPARATOR}"`);
  if (separator === 0) throw new DecodeError("bech32 string has an empty human-readable part");
  if (lower.length - separator - 1 < CHECKSUM_LENGTH) {
    throw new DecodeError(
      `bech32 string is truncated: fewer than ${CHECKSUM_LENGTH} characters after the separator`,
    );
  }
  const hrp = lower.slice(0, separator);
  const values = new Uint8Array(lower.length - separator - 1);
  for (let i = 0; i < values.length; i++) {
    const at = separator + 1 + i;
    const value = VALUE_OF[lower.charCodeAt(at)];
    if (value < 0) {
      throw new DecodeError(
        `invalid bech32 character "${text[at]}" at position ${at} (bech32 has no 1, b, i or o)`,
      );
    }
    values[i] = value;
  }
  const checksum = polymod(hrp, values);
  const encoding: Bech32Encoding | undefined = checksum === CHECKSUM_CONSTANT.bech32
    ? "bech32"
    : checksum === CHECKSUM_CONSTANT.bech32m
    ? "bech32m"
    : undefined;
  if (encoding === undefined) {
    throw new DecodeError("bad bech32 checksum: a character is mistyped, missing or swapped");
  }
  return { hrp, data: values.subarray(0, values.length - CHECKSUM_LENGTH), encoding };
}

/** 8-bit bytes regrouped into 5-bit values, the last one zero-padded. */
function toFiveBit(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let accumulator = 0;
  let bits = 0;
  for (const byte of bytes) {
    accumulator = ((accumulator << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((accumulator >>> bits) & 31);
    }
  }
  if (bits > 0) out.push((accumulator << (5 - bits)) & 31);
  return out;
}

/** 5-bit values regrouped into bytes; the padding must be under 5 bits and all zero. */
function fromFiveBit(values: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.floor((values.length * 5) / 8));
  let accumulator = 0;
  let bits = 0;
  let length = 0;
  for (const value of values) {
    accumulator = ((accumulator << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[length++] = (accumulator >>> bits) & 0xff;
    }
  }
  if (bits >= 5) throw new DecodeError("segwit address has more than 4 bits of padding");
  if ((accumulator << (8 - bits)) & 0xff) {
    throw new DecodeError("segwit address has non-zero padding bits");
  }
  return out;
}

/** The segwit address of a witness program: bech32 for v0, bech32m for v1 and later. */
export function encodeSegwitAddress(address: SegwitAddress): string {
  const { hrp, version, program } = address;
  const problem = witnessProgramProblem(version, program.length);
  if (problem !== undefined) throw new RangeError(problem);
  return bech32Encode({
    hrp,
    data: Uint8Array.of(version, ...toFiveBit(program)),
    encoding: version === 0 ? "bech32" : "bech32m",
  });
}

/**
 * Takes a segwit address apart, enforcing BIP 173 and BIP 350: witness version 0 to 16,
 * program 2 to 40 bytes (20 or 32 for v0), bech32 for v0 and bech32m for later versions,
 * canonical padding. Whether the hrp belongs to the expected network is the caller's check.
 */
export function decodeSegwitAddress(text: string): SegwitAddress {
  const { hrp, data, encoding } = bech32Decode(text);
  if (data.length === 0) throw new DecodeError("segwit address has no witness version");
  const version = data[0];
  const program = fromFiveBit(data.subarray(1));
  const problem = witnessProgramProblem(version, program.length);
  if (problem !== undefined) throw new DecodeError(problem);
  const expected: Bech32Encoding = version === 0 ? "bech32" : "bech32m";
  if (encoding !== expected) {
    throw new DecodeError(
      `witness v${version} address has a ${encoding} checksum, but v${version} requires ` +
        `${expected} (${version === 0 ? "BIP 173" : "BIP 350"})`,
    );
  }
  return { hrp, version, program };
}
