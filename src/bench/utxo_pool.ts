/**
 * The unspent outputs a chain generator may spend: each is taken at most once, so the chain
 * stays valid in the UTXO sense. Draws favour recent outputs half of the time and are uniform
 * over the whole pool otherwise, so a chain spends both fresh change and long-held coins.
 * Coinbase outputs join only once mature (100 blocks), as Bitcoin Core requires.
 */
import type { Prng } from "./random.ts";
import type { ScriptKind } from "./script_mix.ts";

/** Blocks before a coinbase output may be spent. */
export const COINBASE_MATURITY = 100;

/** An unspent output. */
export interface Coin {
  /** Txid, internal byte order (shared by the outputs of one transaction). */
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
const RECENT_SHARE = 0.5;
/** The recent part of the pool: this share of it, but at least RECENT_MIN outputs. */
const RECENT_FRACTION = 0.02;
const RECENT_MIN = 64;

/** Spendable outputs, plus coinbase outputs waiting to mature. */
export class UtxoPool {
  /** Spendable coins, roughly in the order they were created (most recent last). */
  #coins: Coin[] = [];
  /** Coinbase coins with the height from which each may be spent, in height order. */
  #immature: { coin: Coin; from: number }[] = [];
  #immatureHead = 0;

  /** Spendable coins. */
  get size(): number {
    return this.#coins.length;
  }

  /** Adds a coin spendable now. */
  add(coin: Coin): void {
    this.#coins.push(coin);
  }

  /** Adds a coin created by the coinbase at `height`; it becomes spendable when mature. */
  addCoinbase(coin: Coin, height: number): void {
    this.#immature.push({ coin, from: height + COINBASE_MATURITY });
  }

  /** Makes coinbase coins spendable in a block at `height`. */
  mature(height: number): void {
    const queue = this.#immature;
    while (this.#immatureHead < queue.length && queue[this.#immatureHead].from <= height) {
      this.#coins.push(queue[this.#immatureHead++].coin);
    }
    if (this.#immatureHead > 1024 && this.#immatureHead * 2 > queue.length) {
      this.#immature = queue.slice(this.#immatureHead);
      this.#immatureHead = 0;
    }
  }

  /**
   * Removes and returns a coin, recent or old; undefined when the pool is empty. With several
   * `candidates`, the most valuable of that many draws is taken (as a wallet short of funds
   * picks larger coins).
   */
  take(prng: Prng, candidates = 1): Coin | undefined {
    const coins = this.#coins;
    const n = coins.length;
    if (n === 0) return undefined;
    let index = this.#draw(prng, n);
    for (let i = 1; i < candidates; i++) {
      const other = this.#draw(prng, n);
      if (coins[other].value > coins[index].value) index = other;
    }
    const coin = coins[index];
    // Swap-remove: O(1), and only one coin changes place.
    coins[index] = coins[n - 1];
    coins.pop();
    return coin;
  }

  /** A position among `n` coins: among the most recent ones half of the time. */
  #draw(prng: Prng, n: number): number {
    const recent = Math.max(RECENT_MIN, Math.floor(n * RECENT_FRACTION));
    return prng.chance(RECENT_SHARE) && n > recent ? n - 1 - prng.below(recent) : prng.below(n);
  }
}
