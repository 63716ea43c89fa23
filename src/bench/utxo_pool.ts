/**
 * The unspent outputs a chain generator may spend: each is taken at most once, so the chain
 * stays valid in the UTXO sense. Draws are among the most recent outputs 40% of the time and
 * uniform over the whole pool otherwise, so a chain spends both fresh change and long-held
 * coins, most inputs the latter (as in the outside measurement of 60% random old outputs we
 * compare with; drawing more recent outputs would flatter an indexer's caches). Coinbase
 * outputs join only once mature (100 blocks), as Bitcoin Core requires.
 */
import type { Prng } from "./random.ts";
import type { ScriptKind } from "./script_mix.ts";

/** Blocks before a coinbase output may be spent. */
export const COINBASE_MATURITY = 100;

/** An unspent output. */
export interface Coin {
  /** Txid, internal byte order. */
  txid: Uint8Array;
  vout: number;
  value: number;
  kind: ScriptKind;
  /**
   * Which script the output pays: a reuse-pool rank (≥ 0) or a negative serial for a script
   * paid once. Scripts are compared by this number, never by their bytes.
   */
  script: number;
}

/** Share of draws taken from the most recent outputs. */
const RECENT_SHARE = 0.4;
/** The recent part of the pool: this share of it, but at least RECENT_MIN outputs. */
const RECENT_FRACTION = 0.02;
const RECENT_MIN = 64;

/**
 * A coin record is 10 words: the txid (8), the script number, then the output index (low 24
 * bits) and the kind (high 8). Values are in an array of their own: drawing a coin compares
 * the values of a few random ones, and the smaller array stays in the CPU's caches longer.
 */
const RECORD_WORDS = 10;
const RECORD_BYTES = 4 * RECORD_WORDS;
const SCRIPT_WORD = 8;
const VOUT_KIND_WORD = 9;
const VOUT_MASK = 0xffffff;

/**
 * Coins as fixed-size records in growable typed arrays. As objects, each with a txid array of
 * its own (an ArrayBuffer costs 0.4–1.2 µs to allocate in Deno), they cost an allocation per
 * output and millions of objects for the garbage collector to trace; a record costs 48 bytes
 * and a copy of 11 words to move.
 */
export class CoinRecords {
  #words: Int32Array;
  #bytes: Uint8Array;
  #values: Float64Array;

  constructor(capacity: number) {
    this.#words = new Int32Array(capacity * RECORD_WORDS);
    this.#bytes = new Uint8Array(this.#words.buffer);
    this.#values = new Float64Array(capacity);
  }

  /** Records the arrays hold without growing. */
  get capacity(): number {
    return this.#values.length;
  }

  /** Grows the arrays (by half at least, keeping their records) to hold `count` records. */
  reserve(count: number): void {
    if (count <= this.capacity) return;
    const capacity = Math.max(count, Math.ceil(this.capacity * 1.5));
    const words = new Int32Array(capacity * RECORD_WORDS);
    words.set(this.#words);
    const values = new Float64Array(capacity);
    values.set(this.#values);
    this.#words = words;
    this.#bytes = new Uint8Array(words.buffer);
    this.#values = values;
  }

  /** Writes record `slot`; the txid is `txids[txidAt, txidAt + 32)`. */
  set(
    slot: number,
    txids: Uint8Array,
    txidAt: number,
    vout: number,
    value: number,
    kind: ScriptKind,
    script: number,
  ): void {
    const bytes = this.#bytes;
    const at = slot * RECORD_BYTES;
    for (let i = 0; i < 32; i++) bytes[at + i] = txids[txidAt + i];
    const word = slot * RECORD_WORDS;
    this.#words[word + SCRIPT_WORD] = script;
    this.#words[word + VOUT_KIND_WORD] = vout | (kind << 24);
    this.#values[slot] = value;
  }

  /** Copies record `from` of `source` to this one's `to`. */
  copy(source: CoinRecords, from: number, to: number): void {
    const words = this.#words;
    const sourceWords = source.#words;
    const a = to * RECORD_WORDS;
    const b = from * RECORD_WORDS;
    for (let i = 0; i < RECORD_WORDS; i++) words[a + i] = sourceWords[b + i];
    this.#values[to] = source.#values[from];
  }

  /** Writes the txid of record `slot` to `out` at `at`. */
  writeTxid(slot: number, out: Uint8Array, at: number): void {
    const bytes = this.#bytes;
    const from = slot * RECORD_BYTES;
    for (let i = 0; i < 32; i++) out[at + i] = bytes[from + i];
  }

  value(slot: number): number {
    return this.#values[slot];
  }

  script(slot: number): number {
    return this.#words[slot * RECORD_WORDS + SCRIPT_WORD];
  }

  vout(slot: number): number {
    return this.#words[slot * RECORD_WORDS + VOUT_KIND_WORD] & VOUT_MASK;
  }

  kind(slot: number): ScriptKind {
    return (this.#words[slot * RECORD_WORDS + VOUT_KIND_WORD] >>> 24) as ScriptKind;
  }
}

/** Spendable outputs, plus coinbase outputs waiting to mature. */
export class UtxoPool {
  /** Spendable coins, roughly in the order they were created (most recent last). */
  readonly #coins = new CoinRecords(1024);
  #size = 0;
  /** Coinbase coins with the height from which each may be spent, in height order. */
  #immature: { coin: Coin; from: number }[] = [];
  #immatureHead = 0;

  /** Spendable coins. */
  get size(): number {
    return this.#size;
  }

  /** Adds a coin spendable now. */
  add(coin: Coin): void {
    this.addOutput(coin.txid, 0, coin.vout, coin.value, coin.kind, coin.script);
  }

  /** Adds a coin spendable now whose txid is `txids[txidAt, txidAt + 32)`. */
  addOutput(
    txids: Uint8Array,
    txidAt: number,
    vout: number,
    value: number,
    kind: ScriptKind,
    script: number,
  ): void {
    if (vout > VOUT_MASK) throw new RangeError(`output index ${vout} too large for the pool`);
    this.#coins.reserve(this.#size + 1);
    this.#coins.set(this.#size++, txids, txidAt, vout, value, kind, script);
  }

  /** Adds a coin created by the coinbase at `height`; it becomes spendable when mature. */
  addCoinbase(coin: Coin, height: number): void {
    this.#immature.push({ coin, from: height + COINBASE_MATURITY });
  }

  /** Makes coinbase coins spendable in a block at `height`. */
  mature(height: number): void {
    const queue = this.#immature;
    while (this.#immatureHead < queue.length && queue[this.#immatureHead].from <= height) {
      this.add(queue[this.#immatureHead++].coin);
    }
    if (this.#immatureHead > 1024 && this.#immatureHead * 2 > queue.length) {
      this.#immature = queue.slice(this.#immatureHead);
      this.#immatureHead = 0;
    }
  }

  /**
   * Removes a coin, recent or old, and copies it to record `slot` of `into`; false when the
   * pool is empty. With several `candidates`, the most valuable of that many draws is taken
   * (as a wallet short of funds picks larger coins).
   */
  take(prng: Prng, candidates: number, into: CoinRecords, slot: number): boolean {
    const coins = this.#coins;
    const n = this.#size;
    if (n === 0) return false;
    let index = this.#draw(prng, n);
    for (let i = 1; i < candidates; i++) {
      const other = this.#draw(prng, n);
      if (coins.value(other) > coins.value(index)) index = other;
    }
    into.copy(coins, index, slot);
    // Swap-remove: O(1), and only one coin changes place.
    coins.copy(coins, n - 1, index);
    this.#size = n - 1;
    return true;
  }

  /** A position among `n` coins: among the most recent ones RECENT_SHARE of the time. */
  #draw(prng: Prng, n: number): number {
    const recent = Math.max(RECENT_MIN, Math.floor(n * RECENT_FRACTION));
    return prng.chance(RECENT_SHARE) && n > recent ? n - 1 - prng.below(recent) : prng.below(n);
  }
}
