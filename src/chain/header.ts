/** The 80-byte block header. */
import { ByteReader, DecodeError } from "./bytes.ts";
import { sha256d } from "./hash.ts";

/** Size of a Bitcoin block header (no AuxPoW). */
export const HEADER_SIZE = 80;

/** A parsed block header; hashes in internal byte order. */
export interface BlockHeader {
  version: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
  /** SHA256d of the 80 header bytes, internal byte order. */
  hash: Uint8Array;
  /** The 80 raw bytes. */
  raw: Uint8Array;
}

/** Reads an 80-byte header at the reader's offset. */
export function readHeader(reader: ByteReader): BlockHeader {
  if (reader.remaining < HEADER_SIZE) {
    throw new DecodeError(`block header needs ${HEADER_SIZE} bytes, have ${reader.remaining}`);
  }
  const raw = reader.bytes.subarray(reader.offset, reader.offset + HEADER_SIZE);
  return {
    version: reader.i32(),
    prevHash: reader.bytesView(32),
    merkleRoot: reader.bytesView(32),
    time: reader.u32(),
    bits: reader.u32(),
    nonce: reader.u32(),
    hash: sha256d(raw),
    raw,
  };
}

/** Parses exactly 80 bytes as a header. */
export function parseHeader(raw: Uint8Array): BlockHeader {
  if (raw.length !== HEADER_SIZE) {
    throw new DecodeError(`block header must be ${HEADER_SIZE} bytes, got ${raw.length}`);
  }
  return readHeader(new ByteReader(raw));
}
