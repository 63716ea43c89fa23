/**
 * Generating a realistic regtest chain with the test wallet: coinbases and payments to every
 * script type, address reuse, OP_RETURN outputs, multi-input/multi-output transactions,
 * chains of unconfirmed transactions confirmed in one block, and P2TR spends (mined directly:
 * bcoin's mempool refuses them). Deterministic for a given seed and starting chain.
 */
import { COINBASE_MATURITY, SEGWIT_ACTIVATION_HEIGHT } from "./node.ts";
import {
  type Coin,
  type Payment,
  Wallet,
  WALLET_SCRIPT_TYPES,
  WalletError,
  type WalletScript,
  type WalletScriptType,
  type WalletTx,
} from "./wallet.ts";

/** What to generate. */
export interface ActivityOptions {
  /** Blocks of activity to mine (after funding and segwit activation). */
  blocks: number;
  /** Transactions per block (about; fewer when the wallet runs short of coins). */
  txsPerBlock: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Chance that an output pays a script already used (address reuse). Default 0.3. */
  reuse?: number;
  /** Called after each block, e.g. for progress output. */
  onBlock?: (height: number, txs: number) => void;
}

/** What was generated. */
export interface ActivitySummary {
  /** Blocks mined, funding and segwit activation included. */
  blocks: number;
  /** Non-coinbase transactions created. */
  transactions: number;
  /** Transactions that went through the mempool (the rest were mined directly). */
  viaMempool: number;
  height: number;
}

/** A small deterministic PRNG (mulberry32). */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/**
 * Makes sure the wallet has mature coins and segwit is active: mines coinbases to wallet
 * scripts of every type, then to the activation height, then 100 more blocks. Returns the
 * number of blocks mined.
 */
export async function fundWallet(wallet: Wallet): Promise<number> {
  const node = wallet.node;
  await wallet.sync();
  let mined = 0;
  let height = wallet.height;
  if (height < SEGWIT_ACTIVATION_HEIGHT) {
    // Coinbases to every type, then plain P2PKH up to the activation height.
    for (const type of WALLET_SCRIPT_TYPES) {
      if (height >= SEGWIT_ACTIVATION_HEIGHT) break;
      await node.mine(1, wallet.newScript(type).script);
      height++;
      mined++;
    }
    const script = wallet.newScript("p2pkh").script;
    const rest = SEGWIT_ACTIVATION_HEIGHT - height;
    if (rest > 0) await node.mine(rest, { script, mempool: false });
    mined += Math.max(0, rest);
  }
  await wallet.sync();
  if (wallet.spendableCoins().length < 20) {
    await node.mine(COINBASE_MATURITY, { script: wallet.newScript("p2wpkh").script });
    mined += COINBASE_MATURITY;
  }
  await wallet.sync();
  return mined;
}

/**
 * Generates `blocks` blocks of activity with about `txsPerBlock` transactions each, funding
 * the wallet first when needed.
 */
export async function generateActivity(
  wallet: Wallet,
  options: ActivityOptions,
): Promise<ActivitySummary> {
  const random = new Random(options.seed ?? 1);
  const reuse = options.reuse ?? 0.3;
  const node = wallet.node;
  let blocks = await fundWallet(wallet);
  let transactions = 0;
  let viaMempool = 0;
  const used: WalletScript[] = [];

  const target = (): WalletScript => {
    if (used.length > 0 && random.chance(reuse)) return random.pick(used);
    const entry = wallet.newScript(random.pick(WALLET_SCRIPT_TYPES));
    used.push(entry);
    return entry;
  };
  const payments = (available: number): Payment[] => {
    const count = random.int(1, 4);
    const out: Payment[] = [];
    for (let i = 0; i < count; i++) {
      const value = random.int(10_000, Math.max(10_000, Math.floor(available / (count + 2))));
      out.push({ script: target().script, value });
    }
    if (random.chance(0.1)) {
      out.push({ script: Wallet.opReturn(`block ${wallet.height + 1}`), value: 0 });
    }
    return out;
  };
  const isTaproot = (coin: Coin): boolean => wallet.lookup(coin.script)?.type === "p2tr";

  for (let b = 0; b < options.blocks; b++) {
    let made = 0;
    const created: WalletTx[] = [];
    // Mempool transactions first: they may spend each other (chains of unconfirmed ones).
    const mempoolCount = Math.max(0, options.txsPerBlock - (random.chance(0.5) ? 1 : 0));
    for (let i = 0; i < mempoolCount; i++) {
      const coins = wallet.spendableCoins().filter((coin) => !isTaproot(coin));
      if (coins.length === 0) break;
      const unconfirmed = coins.filter((coin) => coin.height === 0 && coin.value > 100_000);
      const inputs: Coin[] = [];
      if (unconfirmed.length > 0 && random.chance(0.3)) inputs.push(random.pick(unconfirmed));
      const extra = random.int(0, 2);
      for (let j = 0; j < extra; j++) {
        const coin = random.pick(coins);
        if (!inputs.includes(coin) && coin.value > 50_000) inputs.push(coin);
      }
      const available = inputs.reduce((sum, coin) => sum + coin.value, 0) || 1e8;
      try {
        const wtx = await wallet.send({
          inputs: inputs.length > 0 ? inputs : undefined,
          outputs: payments(available),
          feeRate: random.int(1, 5),
          change: random.pick(WALLET_SCRIPT_TYPES.filter((type) => type !== "p2tr")),
        });
        created.push(wtx);
        made++;
        viaMempool++;
      } catch (error) {
        // Too little in the chosen coins for the chosen payments: skip this one.
        if (!(error instanceof WalletError)) throw error;
      }
    }
    // Then, now and then, a P2TR spend that only a block can carry.
    const direct: WalletTx[] = [];
    const taproot = wallet.spendableCoins({ allowUnconfirmed: false }).filter(isTaproot);
    if (taproot.length > 0 && made < options.txsPerBlock) {
      const coin = random.pick(taproot);
      try {
        const wtx = wallet.build({
          inputs: [coin],
          outputs: [{ script: target().script, value: Math.floor(coin.value / 2) }],
          change: random.pick<WalletScriptType>(["p2tr", "p2wpkh", "p2pkh"]),
        });
        wallet.commit(wtx);
        direct.push(wtx);
        made++;
      } catch (error) {
        if (!(error instanceof WalletError)) throw error;
      }
    }
    await node.mine(1, {
      script: target().script,
      transactions: direct.map((wtx) => ({ raw: wtx.raw, fee: wtx.fee })),
    });
    await wallet.sync();
    blocks++;
    transactions += made;
    options.onBlock?.(wallet.height, made);
  }
  return { blocks, transactions, viaMempool, height: wallet.height };
}
