/** Base58 and Base58Check, the encoding of P2PKH and P2SH addresses. */
import { bytesEqual, DecodeError } from "./bytes.ts";
import { sha256d } from "./hash.ts";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const CHECKSUM_LENGTH = 4;

/** Digit value of each ASCII character; -1 for characters outside the alphabet. */
const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT_OF[ALPHABET.charCodeAt(i)] = i;

/**
 * Re-expresses big-endian `digits` in base `from` as big-endian digits in base `to`, dropping
 * leading zeros. Quadratic, which is fine for the 25 bytes of an address.
 */
function convertBase(digits: ArrayLike<number>, from: number, to: number): number[] {
  const out: number[] = []; // little-endian while building
  for (let i = 0; i < digits.length; i++) {
    let carry = digits[i];
    for (let j = 0; j < out.length; j++) {
      carry += out[j] * from;
      out[j] = carry % to;
      carry = Math.floor(carry / to);
    }
    while (carry > 0) {
      out.push(carry % to);
      carry = Math.floor(carry / to);
    }
  }
  return out.reverse();
}

/** Number of leading elements of `items` that satisfy `isZero`. */
function leadingZeros<T>(items: ArrayLike<T>, isZero: (item: T) => boolean): number {
  let count = 0;
  while (count < items.length && isZero(items[count])) count++;
  return count;
}

/** Base58 text of `bytes`; each leading zero byte becomes a leading `1`. */
export function base58Encode(bytes: Uint8Array): string {
  const zeros = leadingZeros(bytes, (byte) => byte === 0);
  let out = ALPHABET[0].repeat(zeros);
  for (const digit of convertBase(bytes.subarray(zeros), 256, 58)) out += ALPHABET[digit];
  return out;
}

/** Bytes of Base58 `text`; throws DecodeError naming the first character outside the alphabet. */
export function base58Decode(text: string): Uint8Array {
  const digits = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const digit = DIGIT_OF[text.charCodeAt(i)] ?? -1;
    if (digit < 0) {
      throw new DecodeError(
        `invalid base58 character ${JSON.stringify(text[i])} at position ${i} ` +
          `(base58 has no 0, O, I or l)`,
      );
    }
    digits[i] = digit;
  }
  const zeros = leadingZeros(digits, (digit) => digit === 0);
  const value = convertBase(digits.subarray(zeros), 58, 256);
  const out = new Uint8Array(zeros + value.length);
  out.set(value, zeros);
  return out;
}

/** Base58Check text of `payload`: the payload and the first 4 bytes of its SHA256d. */
export function base58CheckEncode(payload: Uint8Array): string {
  const withChecksum = new Uint8Array(payload.length + CHECKSUM_LENGTH);
  withChecksum.set(payload);
  withChecksum.set(sha256d(payload).subarray(0, CHECKSUM_LENGTH), payload.length);
  return base58Encode(withChecksum);
}

/** The payload of Base58Check `text`; throws DecodeError for bad characters or checksum. */
export function base58CheckDecode(text: string): Uint8Array {
  const bytes = base58Decode(text);
  if (bytes.length < CHECKSUM_LENGTH) {
    throw new DecodeError(
      `base58check text is too short to hold a checksum (${text.length} chars)`,
    );
  }
  const payload = bytes.subarray(0, bytes.length - CHECKSUM_LENGTH);
  const checksum = bytes.subarray(bytes.length - CHECKSUM_LENGTH);
  if (!bytesEqual(sha256d(payload).subarray(0, CHECKSUM_LENGTH), checksum)) {
    throw new DecodeError("bad base58check checksum: a character is mistyped or missing");
  }
  return payload;
}
