/**
 * A generated chain on disk. The directory holds:
 * - `blocks.dat`: the raw blocks in height order, each framed as in Bitcoin Core's blk files
 *   (regtest magic fabfb5da, 4-byte little-endian size, block);
 * - `blocks.idx`: 96 bytes per block: the 80-byte header, the block's offset in blocks.dat
 *   (8 bytes), its size and its transaction count (4 bytes each), little-endian;
 * - `txids.bin`: 40 bytes per transaction in chain order: txid (internal order), offset of
 *   the transaction in its block and its length (4 bytes each);
 * - `manifest.json`: parameters, totals, tip and the truth sample. Written last, so a
 *   directory with a manifest holds a complete chain.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { hashToHex } from "../chain/bytes.ts";
import { sha256d } from "../chain/hash.ts";
import {
  ChainGenerator,
  type ChainShape,
  type GeneratedBlock,
  GENERATOR_VERSION,
} from "./chain_generator.ts";
import { TruthRecorder, type TruthSample } from "./truth.ts";

/** Bitcoin Core's regtest network magic, as at the start of each record of its blk files. */
const REGTEST_MAGIC = Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda);
const RECORD_HEADER = 8;
const INDEX_ENTRY = 96;
const TXID_ENTRY = 40;

export const MANIFEST_FILE = "manifest.json";
export const BLOCKS_FILE = "blocks.dat";
export const INDEX_FILE = "blocks.idx";
export const TXIDS_FILE = "txids.bin";

/** Raised for a directory that does not hold a complete generated chain. */
export class ChainDirectoryError extends Error {
  override name = "ChainDirectoryError";
}

/** The manifest of a generated chain. */
export interface ChainManifest {
  format: 1;
  network: "regtest";
  /** GENERATOR_VERSION of the generator that made the chain. */
  generatorVersion: number;
  seed: number;
  shape: ChainShape;
  /** Blocks, genesis included. */
  blocks: number;
  /** Transactions, coinbases included (the genesis coinbase too). */
  txCount: number;
  /** Bytes of raw blocks. */
  bytes: number;
  /** Display hex. */
  genesisHash: string;
  tipHash: string;
  generationSeconds: number;
  /** Expected index contents (the genesis block is not indexed). */
  truth: TruthSample;
}

/** Appends generated blocks to a chain directory. */
export class ChainWriter {
  readonly #blocks: Deno.FsFile;
  readonly #index: Deno.FsFile;
  readonly #txids: Deno.FsFile;
  #count = 0;
  #txCount = 0;
  #bytes = 0;
  #offset = 0;
  #tipHash = "";
  #genesisHash = "";

  private constructor(readonly directory: string) {
    Deno.mkdirSync(directory, { recursive: true });
    const options = { write: true, create: true, truncate: true };
    this.#blocks = Deno.openSync(`${directory}/${BLOCKS_FILE}`, options);
    this.#index = Deno.openSync(`${directory}/${INDEX_FILE}`, options);
    this.#txids = Deno.openSync(`${directory}/${TXIDS_FILE}`, options);
  }

  /** Creates (or empties) the chain files in `directory`. */
  static create(directory: string): ChainWriter {
    // A half-written chain must not pass for a complete one.
    try {
      Deno.removeSync(`${directory}/${MANIFEST_FILE}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return new ChainWriter(directory);
  }

  get blocks(): number {
    return this.#count;
  }

  get txCount(): number {
    return this.#txCount;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends the next block (heights must follow on from 0). */
  append(block: GeneratedBlock): void {
    if (block.height !== this.#count) {
      throw new RangeError(`block at height ${block.height} appended as block ${this.#count}`);
    }
    const raw = block.raw;
    const record = new Uint8Array(RECORD_HEADER);
    record.set(REGTEST_MAGIC);
    new DataView(record.buffer).setUint32(4, raw.length, true);
    writeAll(this.#blocks, record);
    writeAll(this.#blocks, raw);
    const entry = new Uint8Array(INDEX_ENTRY);
    const view = new DataView(entry.buffer);
    entry.set(raw.subarray(0, 80));
    const dataOffset = this.#offset + RECORD_HEADER;
    view.setUint32(80, dataOffset % 0x1_0000_0000, true);
    view.setUint32(84, Math.floor(dataOffset / 0x1_0000_0000), true);
    view.setUint32(88, raw.length, true);
    view.setUint32(92, block.txOffsets.length, true);
    writeAll(this.#index, entry);
    const count = block.txOffsets.length;
    const txids = new Uint8Array(TXID_ENTRY * count);
    const txView = new DataView(txids.buffer);
    for (let i = 0; i < count; i++) {
      const at = i * TXID_ENTRY;
      const end = i + 1 < count ? block.txOffsets[i + 1] : raw.length;
      for (let j = 0; j < 32; j++) txids[at + j] = block.txids[32 * i + j];
      txView.setUint32(at + 32, block.txOffsets[i], true);
      txView.setUint32(at + 36, end - block.txOffsets[i], true);
    }
    writeAll(this.#txids, txids);
    this.#offset = dataOffset + raw.length;
    this.#bytes += raw.length;
    this.#txCount += count;
    this.#count++;
    this.#tipHash = hashToHex(block.hash);
    if (block.height === 0) this.#genesisHash = this.#tipHash;
  }

  /** Closes the files and writes the manifest, which marks the chain complete. */
  finish(
    details: Pick<ChainManifest, "seed" | "shape" | "generationSeconds" | "truth">,
  ): ChainManifest {
    for (const file of [this.#blocks, this.#index, this.#txids]) file.close();
    const manifest: ChainManifest = {
      format: 1,
      network: "regtest",
      generatorVersion: GENERATOR_VERSION,
      seed: details.seed,
      shape: details.shape,
      blocks: this.#count,
      txCount: this.#txCount,
      bytes: this.#bytes,
      genesisHash: this.#genesisHash,
      tipHash: this.#tipHash,
      generationSeconds: details.generationSeconds,
      truth: details.truth,
    };
    Deno.writeTextFileSync(
      `${this.directory}/${MANIFEST_FILE}`,
      JSON.stringify(manifest, null, 2) + "\n",
    );
    return manifest;
  }
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}

/** A block of a stored chain. */
export interface StoredBlock {
  height: number;
  /** Display hex. */
  hash: string;
  header: Uint8Array;
  /** Offset of the raw block in blocks.dat. */
  offset: number;
  size: number;
  txCount: number;
  /** Chain-wide number of the block's first transaction. */
  firstTx: number;
}

/** Where a transaction of a stored chain is. */
export interface StoredTxLocation {
  height: number;
  /** Offset inside the block. */
  offset: number;
  length: number;
}

/** A chain directory opened for reading. */
export class StoredChain {
  readonly blocks: StoredBlock[];
  readonly #fd: number;
  #txids?: TxidTable;

  private constructor(readonly directory: string, readonly manifest: ChainManifest) {
    const index = Deno.readFileSync(`${directory}/${INDEX_FILE}`);
    if (index.length !== manifest.blocks * INDEX_ENTRY) {
      throw new ChainDirectoryError(
        `${directory}/${INDEX_FILE} has ${index.length} bytes, the manifest's ` +
          `${manifest.blocks} blocks need ${manifest.blocks * INDEX_ENTRY}`,
      );
    }
    const view = new DataView(index.buffer, index.byteOffset, index.byteLength);
    this.blocks = new Array(manifest.blocks);
    let firstTx = 0;
    for (let height = 0; height < manifest.blocks; height++) {
      const at = height * INDEX_ENTRY;
      const header = index.slice(at, at + 80);
      const txCount = view.getUint32(at + 92, true);
      this.blocks[height] = {
        height,
        hash: hashToHex(sha256d(header)),
        header,
        offset: view.getUint32(at + 80, true) + view.getUint32(at + 84, true) * 0x1_0000_0000,
        size: view.getUint32(at + 88, true),
        txCount,
        firstTx,
      };
      firstTx += txCount;
    }
    const tip = this.blocks[manifest.blocks - 1];
    if (tip?.hash !== manifest.tipHash) {
      throw new ChainDirectoryError(
        `${directory}: the index's tip ${tip?.hash} is not the manifest's ${manifest.tipHash}`,
      );
    }
    this.#fd = openSync(`${directory}/${BLOCKS_FILE}`, "r");
  }

  /** Opens the chain in `directory`; throws ChainDirectoryError if it is not complete. */
  static open(directory: string): StoredChain {
    return new StoredChain(directory, readManifest(directory));
  }

  close(): void {
    closeSync(this.#fd);
    this.#txids?.close();
  }

  /** The raw block at `height`. */
  readBlock(height: number): Uint8Array {
    const block = this.blocks[height];
    if (block === undefined) throw new RangeError(`no block at height ${height}`);
    return this.readRange(height, 0, block.size);
  }

  /** `length` bytes at `offset` inside the block at `height` (e.g. one transaction). */
  readRange(height: number, offset: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    this.readInto(height, offset, bytes);
    return bytes;
  }

  /** Fills `into` with the bytes at `offset` inside the block at `height`. */
  readInto(height: number, offset: number, into: Uint8Array): void {
    const block = this.blocks[height];
    const length = into.length;
    if (block === undefined || offset + length > block.size) {
      throw new RangeError(`bytes ${offset}..${offset + length} are not in block ${height}`);
    }
    let done = 0;
    while (done < length) {
      const read = readSync(this.#fd, into, done, length - done, block.offset + offset + done);
      if (read === 0) {
        throw new ChainDirectoryError(
          `${this.directory}/${BLOCKS_FILE} ends inside block ${height}`,
        );
      }
      done += read;
    }
  }

  /**
   * Where the transaction `txid` (internal order) is, or undefined. The first call reads
   * txids.bin and builds a lookup table (10 bytes a transaction, 200 MB for 20 million).
   */
  findTransaction(txid: Uint8Array): StoredTxLocation | undefined {
    const table = this.#txids ??= new TxidTable(
      `${this.directory}/${TXIDS_FILE}`,
      this.manifest.txCount,
    );
    const found = table.find(txid);
    if (found === undefined) return undefined;
    return { height: this.#heightOfTx(found.txNum), offset: found.offset, length: found.length };
  }

  #heightOfTx(txNum: number): number {
    let low = 0;
    let high = this.blocks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.blocks[mid].firstTx <= txNum) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** Reads and checks the manifest of `directory`. */
export function readManifest(directory: string): ChainManifest {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${directory}/${MANIFEST_FILE}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ChainDirectoryError(
        `${directory} holds no complete generated chain (no ${MANIFEST_FILE}); ` +
          "generate one with scripts/generate_chain.ts",
      );
    }
    throw error;
  }
  const manifest = JSON.parse(text) as ChainManifest;
  if (manifest.format !== 1) {
    throw new ChainDirectoryError(
      `${directory}/${MANIFEST_FILE} has format ${manifest.format}, this program reads format 1`,
    );
  }
  return manifest;
}

/** The first 4 bytes of the txid at `at` as a number: the lookup table's key. */
function txidKey(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/**
 * Transactions of txids.bin by txid, without holding the file (40 bytes a transaction) in
 * memory: an open-addressing table of transaction numbers placed by the first 4 bytes of their
 * txid, which are kept for each transaction too, so that only a probe whose 4 bytes match reads
 * the whole entry from the file. Maps and object keys are no use here: a Map holds at most 2^24
 * entries.
 */
class TxidTable {
  readonly #fd: number;
  /** Transaction number + 1 in each slot; 0 for an empty one. */
  readonly #slots: Int32Array;
  readonly #keys: Uint32Array;
  readonly #entry = new Uint8Array(TXID_ENTRY);

  constructor(path: string, count: number) {
    const size = Deno.statSync(path).size;
    if (size !== TXID_ENTRY * count) {
      throw new ChainDirectoryError(
        `${path} holds ${size / TXID_ENTRY} txids, the manifest says ${count}`,
      );
    }
    this.#fd = openSync(path, "r");
    this.#slots = new Int32Array(Math.ceil(count * 1.5));
    this.#keys = new Uint32Array(count);
    const chunk = new Uint8Array(TXID_ENTRY * 32768);
    let txNum = 0;
    while (txNum < count) {
      const wanted = Math.min(chunk.length, TXID_ENTRY * (count - txNum));
      this.#read(chunk.subarray(0, wanted), txNum);
      for (let at = 0; at < wanted; at += TXID_ENTRY) {
        const key = txidKey(chunk, at);
        this.#keys[txNum] = key;
        let slot = this.#home(key);
        while (this.#slots[slot] !== 0) slot = slot + 1 === this.#slots.length ? 0 : slot + 1;
        this.#slots[slot] = ++txNum;
      }
    }
  }

  close(): void {
    closeSync(this.#fd);
  }

  /** The number, offset and length of transaction `txid`, or undefined. */
  find(txid: Uint8Array): { txNum: number; offset: number; length: number } | undefined {
    const key = txidKey(txid, 0);
    const entry = this.#entry;
    for (let slot = this.#home(key); this.#slots[slot] !== 0;) {
      const txNum = this.#slots[slot] - 1;
      if (this.#keys[txNum] === key) {
        this.#read(entry, txNum);
        if (entry.subarray(0, 32).every((byte, i) => byte === txid[i])) {
          const view = new DataView(entry.buffer);
          return { txNum, offset: view.getUint32(32, true), length: view.getUint32(36, true) };
        }
      }
      slot = slot + 1 === this.#slots.length ? 0 : slot + 1;
    }
    return undefined;
  }

  /** The slot where a probe for `key` starts (keys are uniform: txids are hashes). */
  #home(key: number): number {
    return Math.floor((key / 0x1_0000_0000) * this.#slots.length);
  }

  /** Fills `into` with the entries from transaction `txNum` on. */
  #read(into: Uint8Array, txNum: number): void {
    let done = 0;
    while (done < into.length) {
      const read = readSync(this.#fd, into, done, into.length - done, TXID_ENTRY * txNum + done);
      if (read === 0) throw new ChainDirectoryError(`${TXIDS_FILE} ends before entry ${txNum}`);
      done += read;
    }
  }
}

/** What to generate. */
export interface GenerateOptions {
  seed: number;
  /** Blocks after genesis (the first of them seeds the UTXO pool). */
  blocks: number;
  shape?: Partial<ChainShape>;
  /** Called after each block, e.g. for progress output. */
  onBlock?: (height: number, txCount: number, bytes: number) => void;
}

/** Generates a chain from genesis into `directory` and returns its manifest. */
export function writeGeneratedChain(directory: string, options: GenerateOptions): ChainManifest {
  const started = performance.now();
  const truth = new TruthRecorder();
  const generator = new ChainGenerator({ seed: options.seed, shape: options.shape, truth });
  const writer = ChainWriter.create(directory);
  for (let height = 0; height <= options.blocks; height++) {
    writer.append(generator.nextBlock());
    options.onBlock?.(height, writer.txCount, writer.bytes);
  }
  return writer.finish({
    seed: options.seed,
    shape: generator.shape,
    generationSeconds: (performance.now() - started) / 1000,
    truth: truth.result(),
  });
}
