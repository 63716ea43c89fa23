/**
 * The chain a replay daemon serves: a stored (generated) chain up to a chosen height, plus
 * blocks generated on demand, a mempool, and the controls benchmarks and tests drive — show
 * more or fewer stored blocks, extend the chain, replace its last blocks by a longer competing
 * branch, fill the mempool.
 *
 * New blocks and mempool transactions spend outputs found by scanning the last blocks (enough
 * of them for a few blocks' worth of coins): an output created and not spent in a window that
 * ends at the tip is unspent, so what is generated is valid in the UTXO sense without keeping
 * the whole chain's UTXO set.
 */
import { parseBlock } from "../chain/block.ts";
import { ByteReader, fromHex, hashToHex, hexToHash, isHex } from "../chain/bytes.ts";
import { isUnspendable } from "../chain/script.ts";
import {
  isCoinbaseInput,
  parseTransaction,
  readTransaction,
  type Transaction,
} from "../chain/transaction.ts";
import type { StoredChain } from "./chain_directory.ts";
import { ChainGenerator, type GeneratedBlock } from "./chain_generator.ts";
import {
  type LazyBytes,
  RPC_DESERIALIZATION_ERROR,
  RPC_INVALID_PARAMETER,
  RPC_VERIFY_ALREADY_IN_CHAIN,
  RPC_VERIFY_ERROR,
  RPC_VERIFY_REJECTED,
  RpcError,
} from "./json_reply.ts";
import { MempoolConflictError, ReplayMempool } from "./replay_mempool.ts";
import { kindOfScript } from "./script_mix.ts";
import { type Coin, UtxoPool } from "./utxo_pool.ts";

/** A block the daemon knows. */
export interface ChainBlock {
  height: number;
  /** Display hex. */
  hash: string;
  header: Uint8Array;
  size: number;
  txCount: number;
  /** Height in the stored chain, for a stored block. */
  stored?: number;
  /** The raw bytes of a generated block. */
  raw?: Uint8Array;
  /** Was on the served chain and left it in a reorg (getblock still finds it, as in Core). */
  stale: boolean;
}

/** Options of a replay chain. */
export interface ReplayChainOptions {
  /** Serve up to this height at first (default: the stored chain's tip). */
  height?: number;
  /** Transactions in each generated block (default: the stored chain's shape). */
  txsPerBlock?: number;
}

/** What a reorganisation did. */
export interface ReorgResult {
  /** Height of the last block both branches share. */
  fork: number;
  /** Hashes of the blocks that left the chain, lowest first. */
  orphaned: string[];
  /** Hashes of the new branch, lowest first. */
  hashes: string[];
}

/** A stored or generated transaction found by txid. */
export interface FoundTransaction {
  raw: Uint8Array;
  /** Undefined for a mempool transaction. */
  block?: ChainBlock;
}

const SEED_BLOCK = 1;

/** The served chain and its controls. */
export class ReplayChain {
  readonly mempool = new ReplayMempool();
  readonly txsPerBlock: number;
  readonly #active: ChainBlock[];
  #height: number;
  readonly #byHash = new Map<string, ChainBlock>();
  readonly #generatedTxs = new Map<string, { block: ChainBlock; offset: number; length: number }>();
  /** Counts generator runs, so each draws different transactions. */
  #runs = 0;

  constructor(readonly stored: StoredChain, options: ReplayChainOptions = {}) {
    this.txsPerBlock = options.txsPerBlock ?? stored.manifest.shape.txsPerBlock;
    this.#active = stored.blocks.map((block) => ({
      height: block.height,
      hash: block.hash,
      header: block.header,
      size: block.size,
      txCount: block.txCount,
      stored: block.height,
      stale: false,
    }));
    for (const block of this.#active) this.#byHash.set(block.hash, block);
    const tip = this.#active.length - 1;
    this.#height = options.height ?? tip;
    if (!Number.isInteger(this.#height) || this.#height < 0 || this.#height > tip) {
      throw new RangeError(`start height ${options.height} outside 0..${tip}`);
    }
  }

  /** Height of the served tip. */
  get height(): number {
    return this.#height;
  }

  /** The served tip. */
  get tip(): ChainBlock {
    return this.#active[this.#height];
  }

  /** Height of the last block the chain holds, served or not. */
  get availableHeight(): number {
    return this.#active.length - 1;
  }

  /** The served block at `height`. */
  blockAt(height: number): ChainBlock | undefined {
    return height >= 0 && height <= this.#height ? this.#active[height] : undefined;
  }

  /** A served or stale block by display-hex hash; blocks not yet served are unknown. */
  findBlock(hash: string): ChainBlock | undefined {
    const block = this.#byHash.get(hash);
    return block && (block.stale || this.isServed(block)) ? block : undefined;
  }

  /** Whether `block` is on the served chain. */
  isServed(block: ChainBlock): boolean {
    return block.height <= this.#height && this.#active[block.height] === block;
  }

  /** Core's `confirmations`: depth below the tip, -1 off the chain. */
  confirmations(block: ChainBlock): number {
    return this.isServed(block) ? this.#height - block.height + 1 : -1;
  }

  /** Hash of the served block after `block`. */
  nextHash(block: ChainBlock): string | undefined {
    return this.isServed(block) ? this.#active[block.height + 1]?.hash : undefined;
  }

  /** Median time of `block` and the 10 served blocks before it. */
  medianTime(block: ChainBlock): number {
    const times: number[] = [];
    const first = this.isServed(block) ? Math.max(0, block.height - 10) : block.height;
    for (let h = first; h <= block.height; h++) {
      const header = h === block.height ? block.header : this.#active[h].header;
      times.push(new DataView(header.buffer, header.byteOffset, 80).getUint32(68, true));
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  }

  /** The raw bytes of a block. */
  rawBlock(block: ChainBlock): Uint8Array {
    return block.raw ?? this.stored.readBlock(block.stored!);
  }

  /** The raw bytes of a block, read from disk only when a reply is written. */
  lazyRawBlock(block: ChainBlock): Uint8Array | LazyBytes {
    const height = block.stored;
    if (block.raw || height === undefined) return this.rawBlock(block);
    return { length: block.size, read: (into) => this.stored.readInto(height, 0, into) };
  }

  /** The parsed transactions of a block (merkle not re-checked: the block is ours). */
  transactions(block: ChainBlock): Transaction[] {
    return parseBlock(this.rawBlock(block), { checkMerkle: false }).transactions;
  }

  /** The raw transaction `txid` (display hex) of `block`, if the block has it. */
  transactionInBlock(block: ChainBlock, txid: string): Uint8Array | undefined {
    const raw = this.rawBlock(block);
    const reader = new ByteReader(raw, 80);
    const count = reader.compactSize();
    for (let i = 0; i < count; i++) {
      const start = reader.offset;
      const tx = readTransaction(reader);
      if (hashToHex(tx.txid) === txid) return raw.subarray(start, reader.offset);
    }
    return undefined;
  }

  /** A mempool or served transaction by display-hex txid. */
  findTransaction(txid: string): FoundTransaction | undefined {
    const pending = this.mempool.get(txid);
    if (pending) return { raw: pending.entry.raw };
    const generated = this.#generatedTxs.get(txid);
    if (generated) {
      if (!this.isServed(generated.block)) return undefined;
      const { block, offset, length } = generated;
      return { raw: block.raw!.subarray(offset, offset + length), block };
    }
    if (txid.length !== 64 || !isHex(txid)) return undefined;
    const location = this.stored.findTransaction(hexToHash(txid));
    if (location === undefined) return undefined;
    const block = this.#active[location.height];
    if (block?.stored !== location.height || !this.isServed(block)) return undefined;
    return {
      raw: this.stored.readRange(location.height, location.offset, location.length),
      block,
    };
  }

  /** Serves the chain up to `height` (lower or higher, within what the chain holds). */
  setHeight(height: number): void {
    if (!Number.isInteger(height) || height < 0 || height > this.availableHeight) {
      throw new RpcError(
        RPC_INVALID_PARAMETER,
        `height ${height} outside 0..${this.availableHeight}`,
      );
    }
    if (this.mempool.size > 0) {
      if (height > this.#height) {
        for (let h = this.#height + 1; h <= height; h++) {
          this.mempool.confirmBlock(this.transactions(this.#active[h]));
        }
      } else {
        this.mempool.evictSpendersOf(
          this.#txidsOf(this.#active.slice(height + 1, this.#height + 1)),
        );
      }
    }
    this.#height = height;
  }

  /**
   * Adds `count` blocks: the next stored ones while there are any, then generated ones (the
   * first of which mines the mempool). Returns their hashes.
   */
  extend(count: number, txsPerBlock = this.txsPerBlock): string[] {
    const hashes: string[] = [];
    let generator: ChainGenerator | undefined;
    for (let i = 0; i < count; i++) {
      if (this.#height < this.availableHeight) {
        this.setHeight(this.#height + 1);
      } else {
        generator ??= this.#generator();
        this.#mine(generator, txsPerBlock);
      }
      hashes.push(this.tip.hash);
    }
    return hashes;
  }

  /**
   * Replaces the last `depth` served blocks by a generated branch of `depth + 1` blocks, as
   * when a competing chain with more work appears. Mempool transactions depending on the
   * orphaned blocks are evicted; the others are mined in the branch's first block.
   */
  reorg(depth: number, txsPerBlock = this.txsPerBlock): ReorgResult {
    if (!Number.isInteger(depth) || depth < 1 || depth > this.#height) {
      throw new RpcError(
        RPC_INVALID_PARAMETER,
        `reorg depth ${depth} outside 1..${this.#height}`,
      );
    }
    const fork = this.#height - depth;
    const orphaned = this.#active.slice(fork + 1, this.#height + 1);
    for (const block of orphaned) block.stale = true;
    if (this.mempool.size > 0) this.mempool.evictSpendersOf(this.#txidsOf(orphaned));
    this.#active.length = fork + 1;
    this.#height = fork;
    const generator = this.#generator();
    const hashes: string[] = [];
    for (let i = 0; i <= depth; i++) {
      this.#mine(generator, txsPerBlock);
      hashes.push(this.tip.hash);
    }
    return { fork, orphaned: orphaned.map((block) => block.hash), hashes };
  }

  /** Puts `count` generated transactions spending the tip's outputs into the mempool. */
  addToMempool(count: number): string[] {
    const generator = this.#generator();
    const txids: string[] = [];
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < count; i++) {
      const loose = generator.nextTransaction();
      if (loose === undefined) break;
      const txid = hashToHex(loose.entry.tx.txid);
      this.mempool.add({
        txid,
        entry: loose.entry,
        fee: loose.fee,
        time: now,
        height: this.#height,
      });
      txids.push(txid);
    }
    return txids;
  }

  /**
   * Accepts a transaction into the mempool (sendrawtransaction). Its inputs must be outputs of
   * served or mempool transactions not spent in the mempool; whether a confirmed output was
   * spent by a later block is not checked (that would need the whole UTXO set).
   */
  submit(hex: string): { txid: string; fee: number; vsize: number; wtxid: string } {
    let tx: Transaction;
    let raw: Uint8Array;
    try {
      raw = fromHex(hex);
      tx = parseTransaction(raw);
    } catch {
      throw new RpcError(
        RPC_DESERIALIZATION_ERROR,
        "TX decode failed. Make sure the tx has at least one input.",
      );
    }
    const txid = hashToHex(tx.txid);
    const summary = (fee: number) => ({
      txid,
      fee,
      vsize: Math.ceil((3 * tx.strippedSize + tx.size) / 4),
      wtxid: hashToHex(tx.wtxid),
    });
    const pending = this.mempool.get(txid);
    if (pending) return summary(pending.fee);
    if (this.findTransaction(txid)) {
      throw new RpcError(RPC_VERIFY_ALREADY_IN_CHAIN, "Transaction outputs already in utxo set");
    }
    let inValue = 0;
    for (const input of tx.inputs) {
      if (isCoinbaseInput(input)) throw new RpcError(RPC_VERIFY_REJECTED, "coinbase");
      const prevTxid = hashToHex(input.prevHash);
      const prev = this.findTransaction(prevTxid);
      const output = prev && parseTransaction(prev.raw).outputs[input.prevIndex];
      if (output === undefined) {
        throw new RpcError(RPC_VERIFY_ERROR, "bad-txns-inputs-missingorspent");
      }
      inValue += output.value;
    }
    let outValue = 0;
    for (const output of tx.outputs) outValue += output.value;
    if (inValue < outValue) throw new RpcError(RPC_VERIFY_ERROR, "bad-txns-in-belowout");
    const fee = inValue - outValue;
    try {
      this.mempool.add({
        txid,
        entry: { raw, tx },
        fee,
        time: Math.floor(Date.now() / 1000),
        height: this.#height,
      });
    } catch (error) {
      if (error instanceof MempoolConflictError) {
        throw new RpcError(RPC_VERIFY_REJECTED, "txn-mempool-conflict");
      }
      throw error;
    }
    return summary(fee);
  }

  /** Generates one block on the tip, mining the mempool, and serves it. */
  #mine(generator: ChainGenerator, txsPerBlock: number): void {
    const include = this.mempool.all().map((tx) => ({ entry: tx.entry, fee: tx.fee }));
    this.mempool.clear();
    this.#append(generator.nextBlock({ txCount: txsPerBlock, include }));
  }

  #append(generated: GeneratedBlock): void {
    const raw = generated.raw;
    const block: ChainBlock = {
      height: generated.height,
      hash: hashToHex(generated.hash),
      header: raw.subarray(0, 80),
      size: raw.length,
      txCount: generated.txOffsets.length,
      raw,
      stale: false,
    };
    if (block.height !== this.#height + 1 || this.#active.length !== block.height) {
      throw new Error(`generated block at height ${block.height} does not extend ${this.#height}`);
    }
    this.#active.push(block);
    this.#byHash.set(block.hash, block);
    this.#height = block.height;
    generated.txOffsets.forEach((offset, i) => {
      const end = generated.txOffsets[i + 1] ?? raw.length;
      const txid = hashToHex(generated.txids.subarray(32 * i, 32 * i + 32));
      this.#generatedTxs.set(txid, { block, offset, length: end - offset });
    });
  }

  #txidsOf(blocks: ChainBlock[]): Set<string> {
    const txids = new Set<string>();
    for (const block of blocks) {
      for (const tx of this.transactions(block)) txids.add(hashToHex(tx.txid));
    }
    return txids;
  }

  /** A generator on the served tip, spending what a scan of the last blocks finds unspent. */
  #generator(): ChainGenerator {
    const tip = this.tip;
    const header = new DataView(tip.header.buffer, tip.header.byteOffset, 80);
    this.#runs++;
    return new ChainGenerator({
      seed: this.stored.manifest.seed * 1000 + this.#runs,
      shape: { ...this.stored.manifest.shape, txsPerBlock: this.txsPerBlock },
      start: {
        tip: { height: tip.height, hash: hexToHash(tip.hash), time: header.getUint32(68, true) },
        pool: this.#recentCoins(),
      },
    });
  }

  /**
   * Outputs unspent at the tip, from enough recent blocks for a few blocks' worth of
   * transactions, minus those the mempool spends, plus the mempool's own outputs.
   */
  #recentCoins(): UtxoPool {
    const wanted = 2 * this.txsPerBlock + 50;
    let from = this.#height;
    for (let txs = 0; from > SEED_BLOCK && txs < wanted; from--) txs += this.#active[from].txCount;
    const coins = new Map<string, { coin: Coin; coinbaseAt?: number }>();
    const scan = (transactions: Transaction[], height?: number) => {
      transactions.forEach((tx, i) => {
        for (const input of tx.inputs) {
          coins.delete(`${hashToHex(input.prevHash)}:${input.prevIndex}`);
        }
        const txid = tx.txid;
        const txidHex = hashToHex(txid);
        tx.outputs.forEach((output, vout) => {
          if (isUnspendable(output.script)) return;
          const coin = {
            txid,
            vout,
            value: output.value,
            kind: kindOfScript(output.script),
            script: -1,
          };
          // The seed block stands for old coins: spendable at once, as when it was generated.
          const coinbaseAt = i === 0 && height !== undefined && height !== SEED_BLOCK
            ? height
            : undefined;
          coins.set(`${txidHex}:${vout}`, { coin, coinbaseAt });
        });
      });
    };
    for (let h = Math.max(from, SEED_BLOCK); h <= this.#height; h++) {
      scan(this.transactions(this.#active[h]), h);
    }
    scan(this.mempool.all().map((tx) => tx.entry.tx));
    const pool = new UtxoPool();
    for (const { coin, coinbaseAt } of coins.values()) {
      if (coinbaseAt === undefined) pool.add(coin);
      else pool.addCoinbase(coin, coinbaseAt);
    }
    return pool;
  }
}
