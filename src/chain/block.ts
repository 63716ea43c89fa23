/** Whole blocks: header, transaction count and transactions. */
import { ByteReader, bytesEqual, DecodeError, hashToHex } from "./bytes.ts";
import { type BlockHeader, readHeader } from "./header.ts";
import { merkleRoot } from "./merkle.ts";
import { readTransaction, type Transaction } from "./transaction.ts";

/** A parsed block. */
export interface Block {
  header: BlockHeader;
  transactions: Transaction[];
  /** Bytes of the serialised block. */
  size: number;
}

/** Smallest possible serialised transaction: a bound for a plausible tx count. */
const MIN_TX_SIZE = 60;

/**
 * Parses a serialised block. With `checkMerkle` (the default) the transactions must hash to the
 * header's merkle root, which catches truncated, corrupted or mismatched data from a daemon.
 */
export function parseBlock(raw: Uint8Array, options: { checkMerkle?: boolean } = {}): Block {
  const reader = new ByteReader(raw);
  const header = readHeader(reader);
  const count = reader.compactSize();
  if (count === 0 || count > reader.remaining / MIN_TX_SIZE + 1) {
    throw new DecodeError(`block ${hashToHex(header.hash)}: implausible tx count ${count}`);
  }
  const transactions: Transaction[] = new Array(count);
  for (let i = 0; i < count; i++) transactions[i] = readTransaction(reader);
  if (reader.remaining !== 0) {
    throw new DecodeError(
      `block ${hashToHex(header.hash)} has ${reader.remaining} trailing bytes`,
    );
  }
  if (options.checkMerkle ?? true) {
    const root = merkleRoot(transactions.map((tx) => tx.txid));
    if (!bytesEqual(root, header.merkleRoot)) {
      throw new DecodeError(
        `block ${hashToHex(header.hash)}: transactions hash to merkle root ${
          hashToHex(root)
        }, header says ${hashToHex(header.merkleRoot)}`,
      );
    }
  }
  return { header, transactions, size: raw.length };
}
