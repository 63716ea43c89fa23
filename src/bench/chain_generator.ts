/**
 * Mainnet-shaped regtest chains from a seed, for benchmarks: blocks of thousands of
 * transactions, most with one or two inputs and two outputs, some batch payouts with hundreds
 * of outputs and consolidations with hundreds of inputs, a mainnet-like script mix with
 * OP_RETURN outputs, Zipf-distributed address reuse (a few scripts collect a large share of all
 * payments) and spends of both recent and old outputs. Every input spends an existing unspent
 * output exactly once, and serialisation, txids, merkle roots, witness commitments and block
 * links are real; signatures and proof of work are not.
 *
 * Benchmarks want chains of tens of millions of transactions, so the generator makes almost
 * nothing per transaction: coins are records in typed arrays (utxo_pool.ts), transactions are
 * written straight into the block's buffer from pre-serialised spend material, and txids,
 * wtxids and merkle nodes are hashed where they lie (`sha256dInto`, OpenSSL's SHA-256 through
 * FFI when the process has --allow-ffi).
 */
import { compactSizeLength } from "../chain/bytes.ts";
import { parseBlock } from "../chain/block.ts";
import { sha256dInto } from "../chain/hash.ts";
import { packedMerkleRoot } from "../chain/merkle.ts";
import { parseTransaction, type TxOutput } from "../chain/transaction.ts";
import {
  blockSubsidy,
  buildCoinbase,
  mineHeader,
  type RawTx,
  REGTEST_BITS,
} from "../regtest/block_builder.ts";
import { REGTEST_GENESIS_TIME, regtestGenesisBlock } from "./genesis.ts";
import { Prng } from "./random.ts";
import {
  INPUT_VBYTES,
  outputScript,
  outputScriptLength,
  pickKind,
  ScriptKind,
  SpendMaterial,
  spendsWithWitness,
  VARIANTS,
  writeOutputScript,
} from "./script_mix.ts";
import type { TruthRecorder } from "./truth.ts";
import { CoinRecords, UtxoPool } from "./utxo_pool.ts";

/**
 * Changes whenever the same seed and shape would give another chain, so cached chains made by
 * an older generator are not mistaken for current ones. 2: transactions serialised in place,
 * random material drawn only as long as used, 40% of draws among recent outputs (was 50%).
 */
export const GENERATOR_VERSION = 2;

/** What the chain looks like; every field has a mainnet-like default. */
export interface ChainShape {
  /** Transactions per block besides the coinbase. */
  txsPerBlock: number;
  /** Distinct scripts that receive reused payments; reuse among them is Zipf-distributed. */
  reusePool: number;
  /** Share of payments to a reused script (the rest pay a script never seen before). */
  reuseShare: number;
  /** Share of transactions that are batch payouts (tens to hundreds of outputs). */
  batchShare: number;
  /** Share of transactions that are consolidations (tens to hundreds of inputs). */
  consolidationShare: number;
  /** Share of transactions with an OP_RETURN output. */
  opReturnShare: number;
}

/** About 3,000 transactions and 1.4 MB per block. */
export const DEFAULT_CHAIN_SHAPE: Readonly<ChainShape> = Object.freeze({
  txsPerBlock: 3000,
  reusePool: 100_000,
  reuseShare: 0.35,
  batchShare: 0.007,
  consolidationShare: 0.004,
  opReturnShare: 0.08,
});

/** A block's position, for a generator continuing an existing chain. */
export interface ChainTip {
  height: number;
  /** Block hash, internal byte order. */
  hash: Uint8Array;
  time: number;
}

/** A block made by the generator. */
export interface GeneratedBlock {
  height: number;
  /** Block hash, internal byte order. */
  hash: Uint8Array;
  raw: Uint8Array;
  /** Txids (internal order), 32 bytes each, in block order, coinbase first. */
  txids: Uint8Array;
  /** Offset of each transaction inside `raw`. */
  txOffsets: Uint32Array;
}

/** A generated transaction not yet in a block, with the fee it pays. */
export interface LooseTransaction {
  entry: RawTx;
  fee: number;
}

/** Options of a generator. */
export interface GeneratorOptions {
  seed: number;
  shape?: Partial<ChainShape>;
  /**
   * Continue an existing chain from this tip, spending `pool`. Without it the generator starts
   * with regtest's genesis block, then a block whose coinbase seeds the pool (standing in for
   * mainnet's existing UTXO set), then regular blocks.
   */
  start?: { tip: ChainTip; pool: UtxoPool };
  /** Record what an index must contain (only for chains generated from genesis). */
  truth?: TruthRecorder;
}

const BLOCK_VERSION = 0x20000000;
const BLOCK_INTERVAL = 600;
const DUST = 546;
/** Version, counts and locktime; each output adds its script and 9 bytes. */
const TX_OVERHEAD_VBYTES = 11;
const OUTPUT_OVERHEAD_VBYTES = 9;
/** Payments range from 1,000 sat to 0.5 BTC (batch payouts to 0.05 BTC each). */
const MIN_PAYMENT = 1_000;
const MAX_PAYMENT = 50_000_000;
const MAX_BATCH_PAYMENT = 5_000_000;
/**
 * A transaction's first coin is the largest of a few draws, so value keeps moving instead of
 * resting in a few huge coins while payments split the rest into dust.
 */
const PAYER_CANDIDATES = 4;
const BATCH_PAYER_CANDIDATES = 16;
/** Inputs a wallet short of funds adds at most, each the largest of this many draws. */
const MAX_TOP_UPS = 2;
const TOP_UP_CANDIDATES = 16;
/** Transactions with more outputs than this are batch payouts. */
const BATCH_OUTPUTS = 20;
/** Most inputs and outputs a transaction gets: consolidations and batches reach 500 (+ 2). */
const MAX_INPUTS = 512;
const MAX_OUTPUTS = 512;
/** Bytes an input (P2WSH's 261 the most), an output and the rest of a transaction take. */
const MAX_INPUT_BYTES = 300;
const MAX_OUTPUT_BYTES = 50;
const MAX_OTHER_BYTES = 128;
const SEQUENCE = 0xfffffffd;
const OP_RETURN = 0x6a;
const OP_PUSHDATA1 = 0x4c;
/** Stream labels of the PRNG, so each use draws independently of the others. */
const STREAM_MAIN = 1;
const STREAM_REUSE = 2;
const STREAM_MATERIAL = 3;
/** Reuse ranks followed by the truth sample: the busiest scripts, then ever quieter ones. */
const SAMPLED_RANKS = [0, 1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 200, 500, 1000, 5000, 20000, 50000];
/** One script paid once in this many is followed too. */
const FRESH_SAMPLE_EVERY = 100_003;

/** Generates blocks one after another; see the module comment for their shape. */
export class ChainGenerator {
  readonly shape: Readonly<ChainShape>;
  readonly #seed: number;
  readonly #prng: Prng;
  readonly #material: SpendMaterial;
  readonly #pool: UtxoPool;
  readonly #truth?: TruthRecorder;
  /** Kind (-1 until first used) and 32 bytes of random material of each reuse rank. */
  readonly #reusedKinds: Int8Array;
  readonly #reusedPrograms: Uint8Array;
  #nextFresh = 0;
  #height: number;
  #tipHash: Uint8Array;
  #time: number;
  /** Transactions so far, genesis coinbase included: the chain-order number of the next one. */
  #txNumber = 0;

  // The block being made: its transactions after the coinbase, serialised one after another
  // in #area, and each one's offset there, txid and wtxid (slot 0 is the coinbase's).
  #area = new Uint8Array(1 << 22);
  #areaUsed = 0;
  #slots = 1;
  #offsets = new Uint32Array(4096);
  #txids = new Uint8Array(32 * 4096);
  #wtxids = new Uint8Array(32 * 4096);
  #merkle = new Uint8Array(32 * 4096);

  // The transaction being made: coins taken, their spend variants, payees and payments.
  readonly #taken = new CoinRecords(MAX_INPUTS);
  readonly #variants = new Int32Array(MAX_INPUTS);
  readonly #payeeKinds = new Uint8Array(MAX_OUTPUTS);
  readonly #payeeScripts = new Int32Array(MAX_OUTPUTS);
  /** Random material of payees paid a new script, 32 bytes a payee. */
  readonly #payeePrograms = new Uint8Array(32 * MAX_OUTPUTS);
  readonly #payments = new Float64Array(MAX_OUTPUTS);
  readonly #opReturn = new Uint8Array(80);

  constructor(options: GeneratorOptions) {
    this.shape = { ...DEFAULT_CHAIN_SHAPE, ...options.shape };
    this.#seed = options.seed;
    const start = options.start;
    this.#prng = new Prng(options.seed, STREAM_MAIN, start?.tip.height ?? -1);
    this.#material = new SpendMaterial(new Prng(options.seed, STREAM_MATERIAL));
    this.#pool = start?.pool ?? new UtxoPool();
    this.#reusedKinds = new Int8Array(this.shape.reusePool).fill(-1);
    this.#reusedPrograms = new Uint8Array(32 * this.shape.reusePool);
    this.#height = start?.tip.height ?? -1;
    this.#tipHash = start?.tip.hash ?? new Uint8Array(32);
    this.#time = start?.tip.time ?? REGTEST_GENESIS_TIME;
    if (options.truth && start) {
      throw new RangeError("truth can only be recorded for a chain generated from genesis");
    }
    this.#truth = options.truth;
    if (this.#truth) {
      for (const rank of SAMPLED_RANKS) {
        if (rank < this.shape.reusePool) this.#truth.follow(rank, this.#reusedScript(rank));
      }
    }
  }

  /**
   * The next block. `include` transactions (e.g. a mempool's, already spending this
   * generator's pool) come first; then up to `txCount` new ones (default: the shape's), fewer
   * if the pool runs dry.
   */
  nextBlock(
    options: { txCount?: number; include?: readonly LooseTransaction[] } = {},
  ): GeneratedBlock {
    const height = this.#height + 1;
    if (height === 0) return this.#accept(genesisBlock());
    this.#pool.mature(height);
    const include = options.include ?? [];
    const count = options.txCount ?? this.shape.txsPerBlock;
    this.#startBlock(include.length + (height === 1 ? 0 : count));
    const firstTx = this.#txNumber;
    let fees = 0;
    for (const loose of include) {
      this.#appendRaw(loose.entry);
      fees += loose.fee;
    }
    let coinbaseOutputs: { output: TxOutput; kind: ScriptKind; script: number }[];
    if (height === 1) {
      coinbaseOutputs = this.#seedOutputs();
    } else {
      for (let i = 0; i < count; i++) {
        const fee = this.#makeTransaction(height, firstTx + this.#slots);
        if (fee < 0) break;
        fees += fee;
      }
      const script = this.#payee(true, 0);
      coinbaseOutputs = [{
        output: { value: blockSubsidy(height) + fees, script: this.#payeeScript(0) },
        kind: this.#payeeKinds[0] as ScriptKind,
        script,
      }];
    }
    const coinbase = buildCoinbase({
      height,
      outputs: coinbaseOutputs.map((o) => o.output),
      witness: true,
      witnessRoot: this.#root(this.#wtxids),
      tag: this.#prng.fill(new Uint8Array(8)),
    });
    const coinbaseTxid = coinbase.tx.txid;
    this.#txids.set(coinbaseTxid, 0);
    this.#truth?.begin(firstTx);
    coinbaseOutputs.forEach(({ output, kind, script }, vout) => {
      const coin = { txid: coinbaseTxid, vout, value: output.value, kind, script };
      // The seed block stands for coins that exist already: spendable at once.
      if (height === 1) this.#pool.add(coin);
      else this.#pool.addCoinbase(coin, height);
      this.#truth?.pay(script, output.value);
    });
    const time = this.#time + BLOCK_INTERVAL;
    const { header, hash } = mineHeader(
      { version: BLOCK_VERSION, prevHash: this.#tipHash, time, bits: REGTEST_BITS },
      this.#root(this.#txids),
    );
    const slots = this.#slots;
    const countLength = compactSizeLength(slots);
    const areaStart = 80 + countLength + coinbase.raw.length;
    const raw = new Uint8Array(areaStart + this.#areaUsed);
    raw.set(header);
    writeCompactSize(raw, 80, slots);
    raw.set(coinbase.raw, 80 + countLength);
    raw.set(this.#area.subarray(0, this.#areaUsed), areaStart);
    const txOffsets = new Uint32Array(slots);
    txOffsets[0] = 80 + countLength;
    for (let slot = 1; slot < slots; slot++) txOffsets[slot] = areaStart + this.#offsets[slot];
    const txids = this.#txids.slice(0, 32 * slots);
    this.#truth?.endBlock(firstTx, txids);
    return this.#accept({ height, hash, raw, txids, txOffsets }, time);
  }

  /**
   * A transaction spending the pool, for a mempool; its outputs join the pool, so later ones
   * may spend them (unconfirmed chains). Undefined when the pool is empty.
   */
  nextTransaction(): LooseTransaction | undefined {
    this.#pool.mature(this.#height + 1);
    this.#startBlock(1);
    const fee = this.#makeTransaction(this.#height + 1, -1);
    if (fee < 0) return undefined;
    const raw = this.#area.slice(0, this.#areaUsed);
    return { entry: { raw, tx: parseTransaction(raw) }, fee };
  }

  #accept(block: GeneratedBlock, time = REGTEST_GENESIS_TIME): GeneratedBlock {
    this.#height = block.height;
    this.#tipHash = block.hash;
    this.#time = time;
    this.#txNumber += block.txOffsets.length;
    return block;
  }

  /** Empties the block buffers, with room for `transactions` after the coinbase. */
  #startBlock(transactions: number): void {
    this.#areaUsed = 0;
    this.#slots = 1;
    const slots = transactions + 2; // the coinbase, and room to duplicate a merkle node
    if (slots > this.#offsets.length) {
      this.#offsets = new Uint32Array(slots);
      this.#txids = new Uint8Array(32 * slots);
      this.#wtxids = new Uint8Array(32 * slots);
      this.#merkle = new Uint8Array(32 * slots);
    }
    // The coinbase's wtxid counts as zero in the witness commitment.
    this.#wtxids.fill(0, 0, 32);
  }

  /** Makes room in the block buffer for `bytes` more. */
  #reserve(bytes: number): void {
    if (this.#areaUsed + bytes <= this.#area.length) return;
    const grown = new Uint8Array(Math.max(this.#areaUsed + bytes, 2 * this.#area.length));
    grown.set(this.#area.subarray(0, this.#areaUsed));
    this.#area = grown;
  }

  /** Adds an already made transaction to the block. */
  #appendRaw(entry: RawTx): void {
    this.#reserve(entry.raw.length);
    const slot = this.#slots++;
    this.#offsets[slot] = this.#areaUsed;
    this.#area.set(entry.raw, this.#areaUsed);
    this.#areaUsed += entry.raw.length;
    this.#txids.set(entry.tx.txid, 32 * slot);
    this.#wtxids.set(entry.tx.wtxid, 32 * slot);
  }

  /** The merkle root of the block's txids or wtxids so far (`hashes`, packed). */
  #root(hashes: Uint8Array): Uint8Array {
    const nodes = this.#merkle;
    nodes.set(hashes.subarray(0, 32 * this.#slots));
    packedMerkleRoot(nodes, this.#slots);
    return nodes.slice(0, 32);
  }

  /** The seed block's coinbase: enough coins for the first regular blocks, most to new scripts. */
  #seedOutputs(): { output: TxOutput; kind: ScriptKind; script: number }[] {
    const count = Math.max(100, 2 * this.shape.txsPerBlock);
    const outputs = [];
    for (let i = 0; i < count; i++) {
      const script = this.#payee(false, 0);
      outputs.push({
        output: {
          value: this.#prng.logUniform(1_000_000, 100_000_000_000),
          script: this.#payeeScript(0),
        },
        kind: this.#payeeKinds[0] as ScriptKind,
        script,
      });
    }
    return outputs;
  }

  /**
   * Draws payee `slot`: a reused script with the shape's probability (always for `reused`),
   * else a new one. Returns its script number.
   */
  #payee(reused: boolean, slot: number): number {
    const prng = this.#prng;
    if (reused || prng.chance(this.shape.reuseShare)) {
      const rank = prng.zipf(this.shape.reusePool);
      this.#payeeKinds[slot] = this.#reusedKind(rank);
      return this.#payeeScripts[slot] = rank;
    }
    return this.#freshPayee(pickKind(prng), slot);
  }

  /** Makes payee `slot` a new script of `kind`; returns its script number. */
  #freshPayee(kind: ScriptKind, slot: number): number {
    const serial = this.#nextFresh++;
    const length = kind === ScriptKind.p2tr || kind === ScriptKind.p2wsh ? 32 : 20;
    this.#prng.fill(this.#payeePrograms, 32 * slot, 32 * slot + length);
    const script = -1 - serial;
    this.#payeeKinds[slot] = kind;
    this.#payeeScripts[slot] = script;
    if (this.#truth && serial % FRESH_SAMPLE_EVERY === 0) {
      this.#truth.follow(script, this.#payeeScript(slot));
    }
    return script;
  }

  /** The output script of payee `slot`, as a new array. */
  #payeeScript(slot: number): Uint8Array {
    const rank = this.#payeeScripts[slot];
    return rank >= 0
      ? this.#reusedScript(rank)
      : outputScript(this.#payeeKinds[slot] as ScriptKind, this.#payeePrograms.subarray(32 * slot));
  }

  /** Writes the output script of payee `slot`, with its length, at `at`; returns its end. */
  #writePayeeScript(slot: number, at: number): number {
    const kind = this.#payeeKinds[slot] as ScriptKind;
    const rank = this.#payeeScripts[slot];
    return rank >= 0
      ? writeOutputScript(kind, this.#reusedPrograms, 32 * rank, this.#area, at)
      : writeOutputScript(kind, this.#payeePrograms, 32 * slot, this.#area, at);
  }

  /**
   * The kind of reuse rank `rank`, its script drawn the first time: the same for a seed
   * whatever the generation order.
   */
  #reusedKind(rank: number): ScriptKind {
    let kind = this.#reusedKinds[rank];
    if (kind < 0) {
      const prng = new Prng(this.#seed, STREAM_REUSE, rank);
      kind = this.#reusedKinds[rank] = pickKind(prng);
      prng.fill(this.#reusedPrograms, 32 * rank, 32 * rank + 32);
    }
    return kind as ScriptKind;
  }

  /** The output script of reuse rank `rank`, as a new array. */
  #reusedScript(rank: number): Uint8Array {
    const kind = this.#reusedKind(rank);
    return outputScript(kind, this.#reusedPrograms.subarray(32 * rank));
  }

  /**
   * One transaction spending pool coins, written to the block buffer; its outputs join the
   * pool, and with a chain-order number `tx` (not -1) it is recorded in the truth. Returns
   * its fee, or -1 when the pool is empty. Payments are amounts of their own (not shares of
   * the inputs), and a wallet short of funds adds inputs, preferring larger coins, so coin
   * values keep a stable spread instead of being split down to dust.
   */
  #makeTransaction(height: number, tx: number): number {
    const prng = this.#prng;
    const pool = this.#pool;
    const taken = this.#taken;
    const payments = this.#payments;
    // Input and output counts.
    let wantedInputs: number;
    let outputs: number;
    const x = prng.float();
    const { batchShare, consolidationShare } = this.shape;
    if (x < consolidationShare) {
      wantedInputs = prng.logUniform(20, 500);
      outputs = 1;
    } else if (x < consolidationShare + batchShare) {
      wantedInputs = prng.between(1, 3);
      outputs = prng.logUniform(BATCH_OUTPUTS + 1, 500);
    } else {
      // Payments: 80 % one input, 15 % two; 75 % payee and change, 15 % one output (a sweep).
      const y = prng.float();
      wantedInputs = y < 0.8 ? 1 : y < 0.95 ? 2 : prng.between(3, 6);
      const z = prng.float();
      outputs = z < 0.75 ? 2 : z < 0.9 ? 1 : prng.between(3, 5);
    }
    // The first coin is drawn by value: big holders pay more often, batch payers most.
    const batch = outputs > BATCH_OUTPUTS;
    const payer = batch ? BATCH_PAYER_CANDIDATES : PAYER_CANDIDATES;
    let inputs = 0;
    let total = 0;
    let vbytes = TX_OVERHEAD_VBYTES;
    while (inputs < wantedInputs && pool.take(prng, inputs === 0 ? payer : 1, taken, inputs)) {
      total += taken.value(inputs);
      vbytes += INPUT_VBYTES[taken.kind(inputs)];
      inputs++;
    }
    if (inputs === 0) return -1;
    const sweep = outputs === 1;
    const payees = sweep ? 1 : outputs - 1;
    const maxPayment = batch ? MAX_BATCH_PAYMENT : MAX_PAYMENT;
    let paid = 0;
    for (let i = 0; i < payees; i++) {
      this.#payee(false, i);
      vbytes += OUTPUT_OVERHEAD_VBYTES + outputScriptLength(this.#payeeKinds[i] as ScriptKind);
      if (sweep) continue;
      paid += payments[i] = prng.logUniform(MIN_PAYMENT, maxPayment);
    }
    // Change goes to a new script of the wallet's own kind, in the slot after the payees.
    if (!sweep) {
      const own = taken.kind(0) === ScriptKind.other ? ScriptKind.p2wpkh : taken.kind(0);
      this.#freshPayee(own, payees);
      vbytes += OUTPUT_OVERHEAD_VBYTES + outputScriptLength(own);
    }
    let opReturn = -1;
    if (prng.chance(this.shape.opReturnShare)) {
      opReturn = prng.between(8, 80);
      prng.fill(this.#opReturn, 0, opReturn);
      vbytes += OUTPUT_OVERHEAD_VBYTES + opReturnScriptLength(opReturn);
    }
    const feeRate = prng.logUniform(1, 60);
    // Short of funds, the wallet adds a large coin or two.
    for (
      let extra = 0;
      !sweep && extra < MAX_TOP_UPS && total < paid + vbytes * feeRate + DUST &&
      pool.take(prng, TOP_UP_CANDIDATES, taken, inputs);
      extra++
    ) {
      total += taken.value(inputs);
      vbytes += INPUT_VBYTES[taken.kind(inputs)];
      inputs++;
    }
    const fee = Math.max(0, Math.min(vbytes * feeRate, total - DUST));
    const available = total - fee;
    if (!sweep && paid + DUST > available) {
      const scale = (prng.float() * 0.6 + 0.3) * (available - DUST) / paid;
      paid = 0;
      for (let i = 0; i < payees; i++) paid += payments[i] = Math.floor(payments[i] * scale);
    }
    // Payments below the dust limit are dropped (marked -1); with none left, all goes to the
    // first payee, and there is no change.
    let kept = 0;
    for (let i = 0; !sweep && i < payees; i++) {
      if (payments[i] >= DUST) {
        kept++;
      } else {
        paid -= payments[i];
        payments[i] = -1;
      }
    }
    if (kept === 0) {
      payments[0] = available;
    } else {
      payments[payees] = available - paid;
    }
    const last = kept === 0 ? 0 : payees;
    return this.#writeTransaction(height, tx, inputs, last, opReturn, fee);
  }

  /**
   * Serialises the transaction made of the `inputs` coins taken, the payees up to `last` whose
   * payment is not -1, and an OP_RETURN output of `opReturn` bytes (none if -1); adds its
   * outputs to the pool and records it. Returns `fee`.
   *
   * The non-witness serialisation is written first and hashed for the txid, then the witness
   * form made from it in place: the body moves two bytes for the marker and flag, and the
   * witnesses and locktime follow it.
   */
  #writeTransaction(
    height: number,
    tx: number,
    inputs: number,
    last: number,
    opReturn: number,
    fee: number,
  ): number {
    const taken = this.#taken;
    const payments = this.#payments;
    const material = this.#material;
    const prng = this.#prng;
    let outputs = opReturn < 0 ? 0 : 1;
    for (let i = 0; i <= last; i++) if (payments[i] >= 0) outputs++;
    this.#reserve(MAX_INPUT_BYTES * inputs + MAX_OUTPUT_BYTES * outputs + MAX_OTHER_BYTES);
    const area = this.#area;
    const slot = this.#slots++;
    const start = this.#areaUsed;
    this.#offsets[slot] = start;
    writeU32(area, start, 2);
    let at = writeCompactSize(area, start + 4, inputs);
    let witness = false;
    for (let i = 0; i < inputs; i++) {
      const kind = taken.kind(i);
      const variant = this.#variants[i] = prng.below(VARIANTS);
      witness ||= spendsWithWitness(kind);
      taken.writeTxid(i, area, at);
      writeU32(area, at + 32, taken.vout(i));
      const scriptSig = material.scriptSig(kind, variant);
      area.set(scriptSig, at + 36);
      at += 36 + scriptSig.length;
      writeU32(area, at, SEQUENCE);
      at += 4;
    }
    at = writeCompactSize(area, at, outputs);
    for (let i = 0; i <= last; i++) {
      if (payments[i] < 0) continue;
      writeU64(area, at, payments[i]);
      at = this.#writePayeeScript(i, at + 8);
    }
    if (opReturn >= 0) {
      writeU64(area, at, 0);
      at += 8;
      area[at++] = opReturnScriptLength(opReturn);
      area[at++] = OP_RETURN;
      if (opReturn >= OP_PUSHDATA1) area[at++] = OP_PUSHDATA1;
      area[at++] = opReturn;
      area.set(this.#opReturn.subarray(0, opReturn), at);
      at += opReturn;
    }
    writeU32(area, at, height - 1);
    const txidAt = 32 * slot;
    sha256dInto(area, start, at + 4, this.#txids, txidAt);
    if (witness) {
      area.copyWithin(start + 6, start + 4, at);
      area[start + 4] = 0;
      area[start + 5] = 1;
      at += 2;
      for (let i = 0; i < inputs; i++) {
        const stack = material.witness(taken.kind(i), this.#variants[i]);
        area.set(stack, at);
        at += stack.length;
      }
      writeU32(area, at, height - 1);
      sha256dInto(area, start, at + 4, this.#wtxids, txidAt);
    } else {
      for (let i = txidAt; i < txidAt + 32; i++) this.#wtxids[i] = this.#txids[i];
    }
    this.#areaUsed = at + 4;
    const truth = tx < 0 ? undefined : this.#truth;
    truth?.begin(tx);
    for (let i = 0; i < inputs; i++) truth?.spend(taken.script(i), taken.value(i));
    let vout = 0;
    for (let i = 0; i <= last; i++) {
      const value = payments[i];
      if (value < 0) continue;
      const script = this.#payeeScripts[i];
      const kind = this.#payeeKinds[i] as ScriptKind;
      this.#pool.addOutput(this.#txids, txidAt, vout++, value, kind, script);
      truth?.pay(script, value);
    }
    return fee;
  }
}

/** Bytes of an OP_RETURN script carrying `data` bytes (8 to 80). */
function opReturnScriptLength(data: number): number {
  return data < OP_PUSHDATA1 ? 2 + data : 3 + data;
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value;
  out[at + 1] = value >>> 8;
  out[at + 2] = value >>> 16;
  out[at + 3] = value >>> 24;
}

/** A whole number of satoshis below 2^53, little-endian in 8 bytes. */
function writeU64(out: Uint8Array, at: number, value: number): void {
  writeU32(out, at, value % 0x1_0000_0000);
  writeU32(out, at + 4, Math.floor(value / 0x1_0000_0000));
}

/** Writes a compact size (below 2^32) at `at`; returns where it ends. */
function writeCompactSize(out: Uint8Array, at: number, value: number): number {
  if (value < 0xfd) {
    out[at] = value;
    return at + 1;
  }
  if (value <= 0xffff) {
    out[at] = 0xfd;
    out[at + 1] = value;
    out[at + 2] = value >>> 8;
    return at + 3;
  }
  out[at] = 0xfe;
  writeU32(out, at + 1, value);
  return at + 5;
}

/** Regtest's genesis block as a generated block. */
function genesisBlock(): GeneratedBlock {
  const raw = regtestGenesisBlock();
  const block = parseBlock(raw);
  return {
    height: 0,
    hash: block.header.hash,
    raw,
    txids: block.transactions[0].txid.slice(),
    txOffsets: Uint32Array.of(81),
  };
}
