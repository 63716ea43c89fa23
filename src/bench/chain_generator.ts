/**
 * Mainnet-shaped regtest chains from a seed, for benchmarks: blocks of thousands of
 * transactions, most with one or two inputs and two outputs, some batch payouts with hundreds
 * of outputs and consolidations with hundreds of inputs, a mainnet-like script mix with
 * OP_RETURN outputs, Zipf-distributed address reuse (a few scripts collect a large share of all
 * payments) and spends of both recent and old outputs. Every input spends an existing unspent
 * output exactly once, and serialisation, txids, merkle roots, witness commitments and block
 * links are real; signatures and proof of work are not.
 */
import { compactSizeLength } from "../chain/bytes.ts";
import { opReturnScript } from "../chain/script.ts";
import { serializeTransaction, type TxInput, type TxOutput } from "../chain/transaction.ts";
import {
  assembleBlock,
  blockSubsidy,
  buildCoinbase,
  type RawTx,
  rawTx,
  REGTEST_BITS,
} from "../regtest/block_builder.ts";
import { parseBlock } from "../chain/block.ts";
import { REGTEST_GENESIS_TIME, regtestGenesisBlock } from "./genesis.ts";
import { Prng } from "./random.ts";
import {
  inputVbytes,
  outputScript,
  pickKind,
  type ScriptKind,
  SpendMaterial,
} from "./script_mix.ts";
import type { ScriptAmount, TruthRecorder } from "./truth.ts";
import { type Coin, UtxoPool } from "./utxo_pool.ts";

/**
 * Changes whenever the same seed and shape would give another chain, so cached chains made by
 * an older generator are not mistaken for current ones.
 */
export const GENERATOR_VERSION = 1;

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
  /** Txids (internal order) in block order, coinbase first. */
  txids: Uint8Array[];
  /** Offset of each transaction inside `raw`. */
  txOffsets: number[];
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
const SEQUENCE = 0xfffffffd;
/** Stream labels of the PRNG, so each use draws independently of the others. */
const STREAM_MAIN = 1;
const STREAM_REUSE = 2;
const STREAM_MATERIAL = 3;
/** Reuse ranks followed by the truth sample: the busiest scripts, then ever quieter ones. */
const SAMPLED_RANKS = [0, 1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 200, 500, 1000, 5000, 20000, 50000];
/** One script paid once in this many is followed too. */
const FRESH_SAMPLE_EVERY = 100_003;

/** An output being planned: its script, which script number it is, and its kind. */
interface PlannedOutput {
  bytes: Uint8Array;
  script: number;
  kind: ScriptKind;
}

/** Generates blocks one after another; see the module comment for their shape. */
export class ChainGenerator {
  readonly shape: Readonly<ChainShape>;
  readonly #seed: number;
  readonly #prng: Prng;
  readonly #material: SpendMaterial;
  readonly #pool: UtxoPool;
  readonly #truth?: TruthRecorder;
  readonly #reused: (PlannedOutput | undefined)[] = [];
  #nextFresh = 0;
  #height: number;
  #tipHash: Uint8Array;
  #time: number;

  constructor(options: GeneratorOptions) {
    this.shape = { ...DEFAULT_CHAIN_SHAPE, ...options.shape };
    this.#seed = options.seed;
    const start = options.start;
    this.#prng = new Prng(options.seed, STREAM_MAIN, start?.tip.height ?? -1);
    this.#material = new SpendMaterial(new Prng(options.seed, STREAM_MATERIAL));
    this.#pool = start?.pool ?? new UtxoPool();
    this.#height = start?.tip.height ?? -1;
    this.#tipHash = start?.tip.hash ?? new Uint8Array(32);
    this.#time = start?.tip.time ?? REGTEST_GENESIS_TIME;
    if (options.truth && start) {
      throw new RangeError("truth can only be recorded for a chain generated from genesis");
    }
    this.#truth = options.truth;
    if (this.#truth) {
      for (const rank of SAMPLED_RANKS) {
        if (rank < this.shape.reusePool) this.#truth.follow(rank, this.#reusedScript(rank).bytes);
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
    const entries: RawTx[] = [];
    const records: [Uint8Array, ScriptAmount[], ScriptAmount[]][] = [];
    let fees = 0;
    for (const loose of options.include ?? []) {
      entries.push(loose.entry);
      fees += loose.fee;
    }
    let coinbaseOutputs: { output: TxOutput; planned: PlannedOutput }[];
    if (height === 1) {
      coinbaseOutputs = this.#seedOutputs();
    } else {
      const count = options.txCount ?? this.shape.txsPerBlock;
      for (let i = 0; i < count; i++) {
        const made = this.#makeTransaction(height);
        if (made === undefined) break;
        entries.push(made.loose.entry);
        fees += made.loose.fee;
        records.push(made.record);
      }
      const miner = this.#payee(true);
      coinbaseOutputs = [{
        output: { value: blockSubsidy(height) + fees, script: miner.bytes },
        planned: miner,
      }];
    }
    const coinbase = buildCoinbase({
      height,
      outputs: coinbaseOutputs.map((o) => o.output),
      witness: true,
      transactions: entries.map((entry) => entry.tx),
      tag: this.#prng.fill(new Uint8Array(8)),
    });
    const coinbaseTxid = coinbase.tx.txid;
    coinbaseOutputs.forEach(({ output, planned }, vout) => {
      const coin = {
        txid: coinbaseTxid,
        vout,
        value: output.value,
        kind: planned.kind,
        script: planned.script,
      };
      // The seed block stands for coins that exist already: spendable at once.
      if (height === 1) this.#pool.add(coin);
      else this.#pool.addCoinbase(coin, height);
    });
    if (this.#truth) {
      this.#truth.record(
        coinbaseTxid,
        [],
        coinbaseOutputs.map(({ output, planned }) => ({
          script: planned.script,
          value: output.value,
        })),
      );
      for (const [txid, spent, outputs] of records) this.#truth.record(txid, spent, outputs);
    }
    const time = this.#time + BLOCK_INTERVAL;
    const built = assembleBlock(
      { version: BLOCK_VERSION, prevHash: this.#tipHash, time, bits: REGTEST_BITS },
      coinbase,
      entries,
    );
    const all = [coinbase, ...entries];
    const txOffsets: number[] = new Array(all.length);
    let offset = 80 + compactSizeLength(all.length);
    for (let i = 0; i < all.length; i++) {
      txOffsets[i] = offset;
      offset += all[i].raw.length;
    }
    return this.#accept({
      height,
      hash: built.hash,
      raw: built.raw,
      txids: all.map((entry) => entry.tx.txid),
      txOffsets,
    }, time);
  }

  /**
   * A transaction spending the pool, for a mempool; its outputs join the pool, so later ones
   * may spend them (unconfirmed chains). Undefined when the pool is empty.
   */
  nextTransaction(): LooseTransaction | undefined {
    this.#pool.mature(this.#height + 1);
    return this.#makeTransaction(this.#height + 1)?.loose;
  }

  #accept(block: GeneratedBlock, time = REGTEST_GENESIS_TIME): GeneratedBlock {
    this.#height = block.height;
    this.#tipHash = block.hash;
    this.#time = time;
    return block;
  }

  /** The seed block's coinbase: enough coins for the first regular blocks, most to new scripts. */
  #seedOutputs(): { output: TxOutput; planned: PlannedOutput }[] {
    const count = Math.max(100, 2 * this.shape.txsPerBlock);
    const outputs = [];
    for (let i = 0; i < count; i++) {
      const planned = this.#payee(false);
      outputs.push({
        output: { value: this.#prng.logUniform(1_000_000, 100_000_000_000), script: planned.bytes },
        planned,
      });
    }
    return outputs;
  }

  /** A payee: a reused script with the shape's probability (always for `reused`), else a new one. */
  #payee(reused: boolean): PlannedOutput {
    const prng = this.#prng;
    if (reused || prng.chance(this.shape.reuseShare)) {
      return this.#reusedScript(prng.zipf(this.shape.reusePool));
    }
    return this.#freshScript(pickKind(prng));
  }

  /** The script of reuse rank `rank`: the same for a seed whatever the generation order. */
  #reusedScript(rank: number): PlannedOutput {
    let planned = this.#reused[rank];
    if (planned === undefined) {
      const prng = new Prng(this.#seed, STREAM_REUSE, rank);
      const kind = pickKind(prng);
      planned = { bytes: outputScript(kind, prng.fill(new Uint8Array(32))), script: rank, kind };
      this.#reused[rank] = planned;
    }
    return planned;
  }

  #freshScript(kind: ScriptKind): PlannedOutput {
    const serial = this.#nextFresh++;
    const bytes = outputScript(kind, this.#prng.fill(new Uint8Array(32)));
    const script = -1 - serial;
    if (this.#truth && serial % FRESH_SAMPLE_EVERY === 0) this.#truth.follow(script, bytes);
    return { bytes, script, kind };
  }

  /** Input and output counts of the next transaction. */
  #txShape(): { inputs: number; outputs: number } {
    const prng = this.#prng;
    const x = prng.float();
    const { batchShare, consolidationShare } = this.shape;
    if (x < consolidationShare) return { inputs: prng.logUniform(20, 500), outputs: 1 };
    if (x < consolidationShare + batchShare) {
      return { inputs: prng.between(1, 3), outputs: prng.logUniform(BATCH_OUTPUTS + 1, 500) };
    }
    // Payments: 80 % one input, 15 % two; 75 % payee and change, 15 % one output (a sweep).
    const y = prng.float();
    const inputs = y < 0.8 ? 1 : y < 0.95 ? 2 : prng.between(3, 6);
    const z = prng.float();
    const outputs = z < 0.75 ? 2 : z < 0.9 ? 1 : prng.between(3, 5);
    return { inputs, outputs };
  }

  /**
   * One transaction spending pool coins; its outputs join the pool. Payments are amounts of
   * their own (not shares of the inputs), and a wallet short of funds adds inputs, preferring
   * larger coins, so coin values keep a stable spread instead of being split down to dust.
   */
  #makeTransaction(height: number):
    | { loose: LooseTransaction; record: [Uint8Array, ScriptAmount[], ScriptAmount[]] }
    | undefined {
    const prng = this.#prng;
    const shape = this.#txShape();
    const coins: Coin[] = [];
    let total = 0;
    let vbytes = TX_OVERHEAD_VBYTES;
    const addInput = (candidates: number): boolean => {
      const coin = this.#pool.take(prng, candidates);
      if (coin === undefined) return false;
      coins.push(coin);
      total += coin.value;
      vbytes += inputVbytes(coin.kind);
      return true;
    };
    // The first coin is drawn by value: big holders pay more often, batch payers most.
    const batch = shape.outputs > BATCH_OUTPUTS;
    const payer = batch ? BATCH_PAYER_CANDIDATES : PAYER_CANDIDATES;
    for (let i = 0; i < shape.inputs && addInput(i === 0 ? payer : 1); i++);
    if (coins.length === 0) return undefined;
    const sweep = shape.outputs === 1;
    const payees: PlannedOutput[] = [];
    const payments: number[] = [];
    const maxPayment = batch ? MAX_BATCH_PAYMENT : MAX_PAYMENT;
    let paid = 0;
    for (let i = 0; i < (sweep ? 1 : shape.outputs - 1); i++) {
      const payee = this.#payee(false);
      payees.push(payee);
      vbytes += OUTPUT_OVERHEAD_VBYTES + payee.bytes.length;
      if (sweep) continue;
      const amount = prng.logUniform(MIN_PAYMENT, maxPayment);
      payments.push(amount);
      paid += amount;
    }
    // Change goes to a new script of the wallet's own kind.
    const own = coins[0].kind === "other" ? "p2wpkh" : coins[0].kind;
    const change = sweep ? undefined : this.#freshScript(own);
    if (change) vbytes += OUTPUT_OVERHEAD_VBYTES + change.bytes.length;
    const opReturn = prng.chance(this.shape.opReturnShare)
      ? opReturnScript(prng.fill(new Uint8Array(prng.between(8, 80))))
      : undefined;
    if (opReturn) vbytes += OUTPUT_OVERHEAD_VBYTES + opReturn.length;
    const feeRate = prng.logUniform(1, 60);
    // Short of funds, the wallet adds a large coin or two.
    for (
      let extra = 0;
      !sweep && extra < MAX_TOP_UPS && total < paid + vbytes * feeRate + DUST &&
      addInput(TOP_UP_CANDIDATES);
      extra++
    );
    const fee = Math.max(0, Math.min(vbytes * feeRate, total - DUST));
    const available = total - fee;
    if (!sweep && paid + DUST > available) {
      const scale = (prng.float() * 0.6 + 0.3) * (available - DUST) / paid;
      paid = 0;
      for (let i = 0; i < payments.length; i++) {
        paid += payments[i] = Math.floor(payments[i] * scale);
      }
    }
    // Payments below the dust limit are dropped; with none left, all goes to the first payee.
    for (let i = payments.length - 1; i >= 0; i--) {
      if (payments[i] >= DUST) continue;
      paid -= payments[i];
      payments.splice(i, 1);
      if (payees.length > 1) payees.splice(i, 1);
    }
    const planned = change && payments.length > 0 ? [...payees, change] : [payees[0]];
    const values = change && payments.length > 0 ? [...payments, available - paid] : [available];
    const outputs: TxOutput[] = planned.map((p, i) => ({ value: values[i], script: p.bytes }));
    if (opReturn) outputs.push({ value: 0, script: opReturn });
    const inputs: TxInput[] = coins.map((coin) => {
      const spend = this.#material.spend(coin.kind, prng);
      return {
        prevHash: coin.txid,
        prevIndex: coin.vout,
        script: spend.script,
        sequence: SEQUENCE,
        witness: spend.witness,
      };
    });
    const entry = rawTx(
      serializeTransaction({ version: 2, inputs, outputs, locktime: height - 1 }),
    );
    const txid = entry.tx.txid;
    const created: ScriptAmount[] = new Array(planned.length);
    for (let vout = 0; vout < planned.length; vout++) {
      const p = planned[vout];
      this.#pool.add({ txid, vout, value: values[vout], kind: p.kind, script: p.script });
      created[vout] = { script: p.script, value: values[vout] };
    }
    return { loose: { entry, fee }, record: [txid, coins, created] };
  }
}

/** Regtest's genesis block as a generated block. */
function genesisBlock(): GeneratedBlock {
  const raw = regtestGenesisBlock();
  const block = parseBlock(raw);
  return {
    height: 0,
    hash: block.header.hash,
    raw,
    txids: [block.transactions[0].txid],
    txOffsets: [81],
  };
}
