/**
 * A deterministic test wallet for the regtest node: keys derived from a seed, output scripts of
 * every standard type, its own coin tracking (coinbase maturity, unconfirmed chains, reorgs),
 * correctly signed transactions, and a ledger of every transaction that touched its scripts,
 * from which tests compute the history, balance and UTXOs the server should report.
 */
import { concatBytes, hashToHex, hexToHash, toHex } from "../chain/bytes.ts";
import { parseBlock } from "../chain/block.ts";
import { hash160, sha256 } from "../chain/hash.ts";
import {
  classifyScript,
  multisigScript,
  opReturnScript,
  p2pkhScript,
  p2pkScript,
  p2shScript,
  witnessProgramOf,
  witnessScript,
} from "../chain/script.ts";
import {
  isCoinbaseInput,
  parseTransaction,
  serializeTransaction,
  type Transaction,
  type TxFields,
  type TxOutput,
  txWeight,
} from "../chain/transaction.ts";
import { PrivateKey } from "./keys.ts";
import { COINBASE_MATURITY, type MineOptions, type RegtestNode } from "./node.ts";
import {
  legacySighash,
  SIGHASH_ALL,
  SIGHASH_DEFAULT,
  taprootSighash,
  witnessV0Sighash,
} from "./sighash.ts";

/** The output script types the wallet can create and spend. */
export type WalletScriptType =
  | "p2pk"
  | "p2pkh"
  | "p2sh-p2wpkh"
  | "p2sh-multisig"
  | "p2wpkh"
  | "p2wsh"
  | "p2sh-p2wsh"
  | "p2tr"
  | "bare-multisig";

/** Every {@link WalletScriptType}, in a fixed order. */
export const WALLET_SCRIPT_TYPES: readonly WalletScriptType[] = [
  "p2pk",
  "p2pkh",
  "p2sh-p2wpkh",
  "p2sh-multisig",
  "p2wpkh",
  "p2wsh",
  "p2sh-p2wsh",
  "p2tr",
  "bare-multisig",
];

/** Types whose spending needs segwit (witness data). */
const WITNESS_TYPES = new Set<WalletScriptType>([
  "p2sh-p2wpkh",
  "p2wpkh",
  "p2wsh",
  "p2sh-p2wsh",
  "p2tr",
]);

/** True when spending outputs of `type` needs segwit to be active. */
export function needsSegwit(type: WalletScriptType): boolean {
  return WITNESS_TYPES.has(type);
}

/** Virtual bytes a signature operation counts as in fee policy (bcoin's and Core's). */
const BYTES_PER_SIGOP = 20;

/** Outputs below this are not worth a change output; their value goes to the fee. */
const DUST_LIMIT = 546;

/** Raised when the wallet cannot build what was asked (funds, unknown coin, bad output). */
export class WalletError extends Error {
  override name = "WalletError";
}

/** One of the wallet's output scripts with what spending it needs. */
export interface WalletScript {
  type: WalletScriptType;
  /** The output script (scriptPubKey). */
  script: Uint8Array;
  /** Derivation index of its key. */
  index: number;
  /** The signing key; multisig scripts also contain {@link cosigner} (1-of-2). */
  key: PrivateKey;
  cosigner?: PrivateKey;
  /** P2SH redeem script. */
  redeemScript?: Uint8Array;
  /** P2WSH (or P2SH-P2WSH) witness script. */
  witnessScript?: Uint8Array;
}

/** An output the wallet can spend. */
export interface Coin {
  /** Txid, display hex. */
  txid: string;
  vout: number;
  value: number;
  script: Uint8Array;
  /** Confirmation height; 0 while in the mempool. */
  height: number;
  coinbase: boolean;
}

/** A transaction that touched the wallet's scripts. */
export interface WalletTx {
  /** Display hex. */
  txid: string;
  raw: Uint8Array;
  tx: Transaction;
  /** Confirmation height; 0 while unconfirmed. */
  height: number;
  /** Position in its block (0 = coinbase); -1 while unconfirmed. */
  position: number;
  /** Fee in satoshis; undefined for a transaction the wallet did not build. */
  fee?: number;
  coinbase: boolean;
  /** The wallet coins its inputs spent (inputs of others' coins are not listed). */
  spent: Coin[];
  /** Every output, in order. */
  outputs: TxOutput[];
  /** True when the wallet built it (rather than finding it in a block). */
  own: boolean;
}

/** An output to pay. */
export interface Payment {
  script: Uint8Array;
  value: number;
}

/** What {@link Wallet.build} and {@link Wallet.send} make. */
export interface SendOptions {
  /** Outputs to pay, in this order (change, if any, is appended). */
  outputs: Payment[];
  /** Coins to spend, all of them; coins are chosen automatically otherwise. */
  inputs?: Coin[];
  /** Absolute fee in satoshis; otherwise from `feeRate`. */
  fee?: number;
  /**
   * Fee rate in sat/vB when `fee` is not given, of the size bcoin's policy charges for (the
   * virtual size, or more for many sigops) of the bytes sent. Default 2; at 1 or more the
   * fee meets bcoin's relay minimum.
   */
  feeRate?: number;
  /** Change script, or the type of a new wallet script. Default a new P2WPKH (P2PKH before segwit). */
  change?: Uint8Array | WalletScriptType;
  /** Transaction version (default 2) and locktime (default 0). */
  version?: number;
  locktime?: number;
  /** Sequence of every input (default 0xfffffffd, RBF-signalling). */
  sequence?: number;
  /** Let automatic selection use unconfirmed coins. Default true. */
  allowUnconfirmed?: boolean;
  /**
   * How {@link Wallet.send} delivers the transaction:
   * - `"mempool"` (default): {@link RegtestNode.broadcast}, which waits for the mempool's
   *   verdict and throws the rejection reason;
   * - `"sendrawtransaction"`: bcoin's own call (which answers before deciding), then waits
   *   until the transaction is in the mempool;
   * - `"block"`: mines a block containing it (after the mempool's transactions). The only way
   *   to spend P2TR outputs: bcoin's mempool refuses every witness v1 spend
   *   (DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM), while its consensus rules accept them.
   * Automatic coin selection leaves P2TR coins out unless `via` is `"block"`.
   */
  via?: "mempool" | "sendrawtransaction" | "block";
}

/** Electrum's view of a script's balance (ElectrumX `blockchain.scripthash.get_balance`). */
export interface ScriptBalance {
  /** Value of the script's unspent outputs in the chain (mempool spends ignored). */
  confirmed: number;
  /** Mempool outputs to the script minus mempool inputs spending from it. */
  unconfirmed: number;
}

/** A history entry as Electrum reports it: mempool heights are 0, or -1 with unconfirmed parents. */
export interface HistoryEntry {
  txid: string;
  height: number;
  fee?: number;
}

/** Wallet options. */
export interface WalletOptions {
  /** Seed of the key derivation; a fixed default makes runs reproducible. */
  seed?: Uint8Array | string;
}

/** Per-block changes, to undo on a reorg. */
interface BlockUndo {
  hash: string;
  height: number;
  /** Coins created by transactions the wallet did not build (removed on undo). */
  created: string[];
  /** Coins spent by them (restored on undo). */
  spent: Coin[];
  /** Wallet transactions confirmed by this block (back to the mempool on undo). */
  confirmed: string[];
  /** Ledger entries first seen in this block (forgotten on undo). */
  found: string[];
}

function coinKey(txid: string, vout: number): string {
  return `${txid}:${vout}`;
}

/** A script push of `data` (direct, PUSHDATA1 or PUSHDATA2). */
export function pushData(data: Uint8Array): Uint8Array {
  if (data.length < 0x4c) return concatBytes(new Uint8Array([data.length]), data);
  if (data.length <= 0xff) return concatBytes(new Uint8Array([0x4c, data.length]), data);
  if (data.length <= 0xffff) {
    return concatBytes(new Uint8Array([0x4d, data.length & 0xff, data.length >> 8]), data);
  }
  throw new RangeError("push larger than 65535 bytes");
}

/** The data of a push opcode at `at` and where the next opcode starts; undefined if cut off. */
function readPush(script: Uint8Array, at: number): { data: Uint8Array; end: number } | undefined {
  const opcode = script[at];
  let start = at + 1;
  let length = opcode;
  if (opcode >= 0x4c) {
    const width = opcode === 0x4c ? 1 : opcode === 0x4d ? 2 : 4;
    if (start + width > script.length) return undefined;
    length = 0;
    for (let i = width - 1; i >= 0; i--) length = length * 256 + script[start + i];
    start += width;
  }
  const end = start + length;
  return end > script.length ? undefined : { data: script.subarray(start, end), end };
}

/**
 * Signature operations in a script as bcoin's `Script#getSigops` (Core's `GetSigOpCount`)
 * counts them: CHECKSIG(VERIFY) 1, CHECKMULTISIG(VERIFY) 20, or, when `accurate` (redeem and
 * witness scripts), the key count of a preceding OP_1…OP_16; counting stops at a cut-off push.
 */
function countSigops(script: Uint8Array, accurate: boolean): number {
  let total = 0;
  let last = -1;
  for (let at = 0; at < script.length;) {
    const opcode = script[at];
    if (opcode <= 0x4e) {
      const push = readPush(script, at);
      if (!push) break;
      at = push.end;
    } else {
      at++;
    }
    if (opcode === 0xac || opcode === 0xad) total += 1;
    else if (opcode === 0xae || opcode === 0xaf) {
      total += accurate && last >= 0x51 && last <= 0x60 ? last - 0x50 : 20;
    }
    last = opcode;
  }
  return total;
}

/**
 * The P2SH redeem script of a scriptSig as bcoin's `Script#getRedeem` finds it: the last
 * push of a push-only script (OP_1…OP_16 push no data); undefined otherwise.
 */
function lastPush(scriptSig: Uint8Array): Uint8Array | undefined {
  let data: Uint8Array | undefined;
  for (let at = 0; at < scriptSig.length;) {
    const opcode = scriptSig[at];
    if (opcode > 0x60) return undefined;
    if (opcode <= 0x4e) {
      const push = readPush(scriptSig, at);
      if (!push) return undefined;
      data = push.data;
      at = push.end;
    } else {
      data = undefined;
      at++;
    }
  }
  return data;
}

const OP_0 = new Uint8Array([0x00]);
const EMPTY = new Uint8Array(0);

/** A deterministic regtest wallet bound to one node. */
export class Wallet {
  readonly seed: Uint8Array;
  readonly #scripts = new Map<string, WalletScript>();
  readonly #coins = new Map<string, Coin>();
  readonly #ledger = new Map<string, WalletTx>();
  #nextIndex = 0;
  /** Built transactions (by raw bytes) whose change script claims the next index on commit. */
  #pendingChange = new WeakMap<Uint8Array, WalletScriptType>();
  #undo: BlockUndo[] = [];
  /** Height the wallet has processed blocks up to. */
  #height = -1;
  #segwit = false;

  constructor(readonly node: RegtestNode, options: WalletOptions = {}) {
    const seed = options.seed ?? "electrumx-ts regtest wallet";
    this.seed = typeof seed === "string" ? new TextEncoder().encode(seed) : seed.slice();
  }

  /** Height of the last block processed by {@link sync}. */
  get height(): number {
    return this.#height;
  }

  /** Whether segwit was active at the last {@link sync}. */
  get segwitActive(): boolean {
    return this.#segwit;
  }

  // ---- scripts ---------------------------------------------------------------------------

  /** A new script of `type` with the next unused key index. */
  newScript(type: WalletScriptType): WalletScript {
    return this.scriptAt(type, this.#nextIndex++);
  }

  /** The script of `type` for key `index` (deterministic; registered with the wallet). */
  scriptAt(type: WalletScriptType, index: number): WalletScript {
    const key = PrivateKey.derive(this.seed, index);
    const entry: WalletScript = { type, script: EMPTY, index, key };
    switch (type) {
      case "p2pk":
        entry.script = p2pkScript(key.publicKey);
        break;
      case "p2pkh":
        entry.script = p2pkhScript(key.publicKeyHash);
        break;
      case "p2wpkh":
        entry.script = witnessScript(0, key.publicKeyHash);
        break;
      case "p2sh-p2wpkh":
        entry.redeemScript = witnessScript(0, key.publicKeyHash);
        entry.script = p2shScript(hash160(entry.redeemScript));
        break;
      case "p2tr":
        entry.script = witnessScript(1, key.taprootOutputKey());
        break;
      case "bare-multisig":
      case "p2sh-multisig":
      case "p2wsh":
      case "p2sh-p2wsh": {
        entry.cosigner = PrivateKey.derive(
          sha256(this.seed, new TextEncoder().encode("/cosigner")),
          index,
        );
        const multisig = multisigScript(1, [key.publicKey, entry.cosigner.publicKey]);
        if (type === "bare-multisig") {
          entry.script = multisig;
        } else if (type === "p2sh-multisig") {
          entry.redeemScript = multisig;
          entry.script = p2shScript(hash160(multisig));
        } else {
          entry.witnessScript = multisig;
          const program = witnessScript(0, sha256(multisig));
          if (type === "p2wsh") {
            entry.script = program;
          } else {
            entry.redeemScript = program;
            entry.script = p2shScript(hash160(program));
          }
        }
        break;
      }
      default:
        throw new WalletError(`unknown script type ${type as string}`);
    }
    const known = this.#scripts.get(toHex(entry.script));
    if (known) return known;
    this.#scripts.set(toHex(entry.script), entry);
    return entry;
  }

  /** The wallet's script entry for an output script, if it is one of ours. */
  lookup(script: Uint8Array): WalletScript | undefined {
    return this.#scripts.get(toHex(script));
  }

  /** Every script the wallet has handed out. */
  scripts(): WalletScript[] {
    return [...this.#scripts.values()];
  }

  /** An OP_RETURN output script carrying `data`. */
  static opReturn(data: Uint8Array | string): Uint8Array {
    return opReturnScript(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  // ---- coins -----------------------------------------------------------------------------

  /** Every unspent coin the wallet knows, including immature and unconfirmed ones. */
  coins(): Coin[] {
    return [...this.#coins.values()];
  }

  /** True when a coinbase coin can be spent in the next block. */
  isMature(coin: Coin): boolean {
    return !coin.coinbase ||
      (coin.height > 0 && this.#height + 1 - coin.height >= COINBASE_MATURITY);
  }

  /**
   * Coins that can be spent in the next block: mature, and (unless `allowUnconfirmed` is
   * false) possibly unconfirmed; witness-type coins only once segwit is active.
   */
  spendableCoins(options: { allowUnconfirmed?: boolean; script?: Uint8Array } = {}): Coin[] {
    const scriptHex = options.script ? toHex(options.script) : undefined;
    return this.coins().filter((coin) => {
      if (scriptHex !== undefined && toHex(coin.script) !== scriptHex) return false;
      if (!this.isMature(coin)) return false;
      if (coin.height === 0 && options.allowUnconfirmed === false) return false;
      const type = this.lookup(coin.script)?.type;
      return type !== undefined && (this.#segwit || !needsSegwit(type));
    });
  }

  /** Total value of {@link spendableCoins}. */
  balance(): number {
    return this.spendableCoins().reduce((sum, coin) => sum + coin.value, 0);
  }

  /** The coin at an outpoint, if unspent and ours. */
  coin(txid: string, vout: number): Coin | undefined {
    return this.#coins.get(coinKey(txid, vout));
  }

  /** The wallet's coins created by a transaction, e.g. to spend them in a chain. */
  coinsOf(wtx: WalletTx | string): Coin[] {
    const txid = typeof wtx === "string" ? wtx : wtx.txid;
    return this.coins().filter((coin) => coin.txid === txid);
  }

  // ---- ledger: what the server should report ---------------------------------------------

  /** Every transaction that touched the wallet, confirmed first (chain order), then mempool. */
  ledger(): WalletTx[] {
    return [...this.#ledger.values()].sort(compareLedger);
  }

  /** A ledger entry by txid. */
  transaction(txid: string): WalletTx | undefined {
    return this.#ledger.get(txid);
  }

  /**
   * The Electrum history of `script` from the wallet's ledger: confirmed transactions in
   * chain order, then mempool ones (height 0, or -1 when spending an unconfirmed output).
   */
  history(script: Uint8Array): HistoryEntry[] {
    const hex = toHex(script);
    const touches = (wtx: WalletTx): boolean =>
      wtx.outputs.some((output) => toHex(output.script) === hex) ||
      wtx.spent.some((coin) => toHex(coin.script) === hex);
    return this.ledger().filter(touches).map((wtx) => {
      if (wtx.height > 0) return { txid: wtx.txid, height: wtx.height };
      const parentUnconfirmed = wtx.tx.inputs.some((input) =>
        (this.#ledger.get(hashToHex(input.prevHash))?.height ?? 1) === 0
      );
      return { txid: wtx.txid, height: parentUnconfirmed ? -1 : 0, fee: wtx.fee };
    });
  }

  /**
   * Unspent outputs of `script` as Electrum lists them: confirmed ones not spent in the chain
   * and mempool ones, minus those spent in the mempool. Sorted by (height, txid, vout), with
   * mempool (height 0) last.
   */
  utxos(script: Uint8Array): Coin[] {
    const hex = toHex(script);
    const ledger = this.ledger();
    const spent = new Set<string>();
    for (const wtx of ledger) {
      for (const coin of wtx.spent) spent.add(coinKey(coin.txid, coin.vout));
    }
    const out: Coin[] = [];
    for (const wtx of ledger) {
      wtx.outputs.forEach((output, vout) => {
        if (toHex(output.script) !== hex || spent.has(coinKey(wtx.txid, vout))) return;
        out.push({
          txid: wtx.txid,
          vout,
          value: output.value,
          script: output.script,
          height: wtx.height,
          coinbase: wtx.coinbase,
        });
      });
    }
    return out.sort((a, b) =>
      (a.height || Infinity) - (b.height || Infinity) || a.txid.localeCompare(b.txid) ||
      a.vout - b.vout
    );
  }

  /** Electrum's balance of `script` from the ledger. */
  scriptBalance(script: Uint8Array): ScriptBalance {
    const hex = toHex(script);
    const ledger = this.ledger();
    const spentInChain = new Set<string>();
    for (const wtx of ledger) {
      if (wtx.height > 0) {
        for (const coin of wtx.spent) spentInChain.add(coinKey(coin.txid, coin.vout));
      }
    }
    let confirmed = 0;
    let unconfirmed = 0;
    for (const wtx of ledger) {
      wtx.outputs.forEach((output, vout) => {
        if (toHex(output.script) !== hex) return;
        if (wtx.height === 0) unconfirmed += output.value;
        else if (!spentInChain.has(coinKey(wtx.txid, vout))) confirmed += output.value;
      });
      if (wtx.height === 0) {
        for (const coin of wtx.spent) if (toHex(coin.script) === hex) unconfirmed -= coin.value;
      }
    }
    return { confirmed, unconfirmed };
  }

  // ---- building and sending --------------------------------------------------------------

  /**
   * Builds and signs a transaction without broadcasting it or changing the wallet's coins
   * (see {@link commit}). Automatic coin selection takes confirmed coins first, oldest first.
   */
  build(options: SendOptions): WalletTx {
    if (options.outputs.length === 0) throw new WalletError("a transaction needs outputs");
    for (const output of options.outputs) {
      if (!Number.isSafeInteger(output.value) || output.value < 0) {
        throw new WalletError(`bad output value ${output.value}`);
      }
    }
    const paid = options.outputs.reduce((sum, output) => sum + output.value, 0);
    const feeRate = options.feeRate ?? 2;
    const candidates = options.inputs ??
      this.#selectionOrder(options.allowUnconfirmed ?? true, options.via === "block");
    for (const coin of options.inputs ?? []) {
      if (!this.lookup(coin.script)) {
        throw new WalletError(`coin ${coin.txid}:${coin.vout} is not the wallet's`);
      }
    }
    const changeScript = options.change instanceof Uint8Array ? options.change : undefined;
    const changeType: WalletScriptType = typeof options.change === "string"
      ? options.change
      : this.#segwit
      ? "p2wpkh"
      : "p2pkh";
    let lastShortfall = 0;
    for (let count = options.inputs ? candidates.length : 1; count <= candidates.length; count++) {
      const inputs = candidates.slice(0, count);
      const available = inputs.reduce((sum, coin) => sum + coin.value, 0);
      // Skip signing while even the smallest possible fee cannot be covered.
      const leastFee = options.fee ??
        Math.ceil((10 + 57 * count + 9 * options.outputs.length) * feeRate);
      if (!options.inputs && available < paid + leastFee) {
        lastShortfall = paid + leastFee - available;
        continue;
      }
      // First with change, then (if change would be dust) without it.
      const change = changeScript ?? this.#peekScript(changeType);
      for (const withChange of [true, false]) {
        const outputs: TxOutput[] = options.outputs.map((o) => ({
          script: o.script,
          value: o.value,
        }));
        if (withChange) outputs.push({ script: change, value: 0 });
        let signed = this.#sign(inputs, outputs, options);
        let fee = options.fee ?? this.#feeFor(signed.tx, inputs, feeRate);
        let rest = available - paid - fee;
        // Signatures commit to the change value, so the final signing differs from the one
        // the fee was measured on, and an ECDSA signature may come out up to two bytes longer
        // (with its hash-type byte 71 or 72 bytes, 70 or less now and then). Measure the
        // bytes actually sent and pay for any growth: bcoin refuses a fee below its minimum
        // unless the inputs are old and large enough to relay free. The fee only grows and
        // sizes are bounded, so this ends.
        while (withChange && rest >= DUST_LIMIT) {
          outputs[outputs.length - 1].value = rest;
          signed = this.#sign(inputs, outputs, options);
          if (options.fee !== undefined) break;
          const needed = this.#feeFor(signed.tx, inputs, feeRate);
          if (needed <= fee) break;
          fee = needed;
          rest = available - paid - fee;
        }
        if (rest < 0 || (withChange && rest < DUST_LIMIT)) {
          lastShortfall = -rest;
          continue;
        }
        if (withChange) {
          if (!changeScript) this.#pendingChange.set(signed.raw, changeType);
        } else if (rest > 0 && options.fee !== undefined) {
          // An absolute fee without change must be exact.
          continue;
        } else {
          fee += rest;
        }
        return {
          txid: hashToHex(signed.tx.txid),
          raw: signed.raw,
          tx: signed.tx,
          height: 0,
          position: -1,
          fee,
          coinbase: false,
          spent: inputs.map((coin) => ({ ...coin })),
          outputs,
          own: true,
        };
      }
      if (options.inputs) break;
    }
    throw new WalletError(
      `insufficient funds: need ${paid} sat plus fee, short by about ${lastShortfall} sat ` +
        `(${candidates.length} usable coins)`,
    );
  }

  /** Records a built transaction as sent: its inputs are spent, its outputs are coins. */
  commit(wtx: WalletTx): void {
    if (this.#ledger.has(wtx.txid)) return;
    const changeType = this.#pendingChange.get(wtx.raw);
    if (changeType) {
      const next = this.scriptAt(changeType, this.#nextIndex).script;
      if (wtx.outputs.some((output) => toHex(output.script) === toHex(next))) this.#nextIndex++;
    }
    for (const coin of wtx.spent) this.#coins.delete(coinKey(coin.txid, coin.vout));
    this.#ledger.set(wtx.txid, wtx);
    this.#addOutputs(wtx, wtx.height);
  }

  /**
   * Builds, delivers (see {@link SendOptions.via}) and commits a transaction. A transaction
   * spending a P2TR output needs `via: "block"`.
   */
  async send(options: SendOptions): Promise<WalletTx> {
    const wtx = this.build(options);
    const via = options.via ?? "mempool";
    if (via === "block") {
      this.commit(wtx);
      try {
        await this.node.mine(1, { transactions: [{ raw: wtx.raw, fee: wtx.fee }] });
      } catch (error) {
        this.#forget(wtx);
        throw error;
      }
      await this.sync();
      return wtx;
    }
    const taproot = wtx.spent.filter((coin) => this.lookup(coin.script)?.type === "p2tr");
    if (taproot.length > 0) {
      throw new WalletError(
        `bcoin's mempool refuses witness v1 (P2TR) spends; send ${wtx.txid} with via: "block"`,
      );
    }
    const txid = via === "sendrawtransaction"
      ? await this.node.sendRawTransaction(wtx.raw)
      : await this.node.broadcast(wtx.raw);
    if (txid !== wtx.txid) {
      throw new WalletError(`node returned txid ${txid} for transaction ${wtx.txid}`);
    }
    if (via === "sendrawtransaction") await this.node.waitForMempool([txid]);
    this.commit(wtx);
    return wtx;
  }

  /** Pays `value` to each of `scripts` in one transaction. */
  pay(scripts: Uint8Array[], value: number, options: Partial<SendOptions> = {}): Promise<WalletTx> {
    return this.send({ ...options, outputs: scripts.map((script) => ({ script, value })) });
  }

  // ---- mining and syncing ----------------------------------------------------------------

  /**
   * Mines `count` blocks whose coinbases pay a wallet script (a new one of `type`, default
   * P2PKH, or a given script) and syncs. Mempool transactions go into the first block.
   */
  async mine(
    count: number,
    target: WalletScriptType | Uint8Array = "p2pkh",
    options: Omit<MineOptions, "script"> = {},
  ): Promise<string[]> {
    const script = target instanceof Uint8Array ? target : this.newScript(target).script;
    const hashes = await this.node.mine(count, { ...options, script });
    await this.sync();
    return hashes;
  }

  /**
   * Reads blocks from the node up to its tip, learning confirmations, coinbases to the
   * wallet, spends of its coins, and reorgs (blocks that left the chain are undone).
   */
  async sync(): Promise<void> {
    const daemon = this.node.daemon;
    const tip = await daemon.getBlockCount();
    // Undo blocks that are no longer in the chain.
    const unconfirmed: string[] = [];
    while (this.#undo.length > 0) {
      const last = this.#undo[this.#undo.length - 1];
      const [hash] = last.height <= tip ? await daemon.getBlockHashes(last.height, 1) : [""];
      if (hash === last.hash) break;
      unconfirmed.push(...this.#undoBlock(last));
      this.#undo.pop();
      this.#height = last.height - 1;
    }
    const BATCH = 50;
    for (let first = this.#height + 1; first <= tip; first += BATCH) {
      const count = Math.min(BATCH, tip - first + 1);
      const hashes = await daemon.getBlockHashes(first, count);
      const raws = await daemon.getRawBlocks(hashes);
      raws.forEach((raw, i) => this.#connectBlock(raw, first + i, hashes[i]));
    }
    this.#segwit = (await this.node.segwitStatus()) === "active";
    if (unconfirmed.length > 0) await this.#readd(unconfirmed);
  }

  /**
   * Own transactions of disconnected blocks that the new chain does not contain go back to
   * the mempool. bcoin does that itself only when its mempool is not empty at the time, so
   * the wallet re-adds what is missing (as Bitcoin Core would have kept it); what the node
   * refuses now (a conflict, a P2TR spend) is forgotten, with its descendants.
   */
  async #readd(txids: string[]): Promise<void> {
    const mempool = new Set(await this.node.getMempool());
    for (const wtx of this.ledger()) {
      if (wtx.height !== 0 || !txids.includes(wtx.txid) || mempool.has(wtx.txid)) continue;
      const parentsKnown = wtx.spent.every((coin) =>
        this.#ledger.has(coin.txid) || this.#coins.has(coinKey(coin.txid, coin.vout))
      );
      let accepted = false;
      if (parentsKnown) {
        try {
          await this.node.broadcast(wtx.raw);
          accepted = true;
        } catch {
          // refused: forget it below
        }
      }
      if (!accepted) this.#forget(wtx);
    }
  }

  /** Drops a transaction the chain and mempool no longer have: its coins go back. */
  #forget(wtx: WalletTx): void {
    this.#ledger.delete(wtx.txid);
    wtx.outputs.forEach((_, vout) => this.#coins.delete(coinKey(wtx.txid, vout)));
    for (const coin of wtx.spent) {
      if (this.#ledger.has(coin.txid)) this.#coins.set(coinKey(coin.txid, coin.vout), coin);
    }
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * The size bcoin's fee policy charges for (`MempoolEntry.fromTX`: `tx.getSigopsSize(
   * tx.getSigopsCost(view, STANDARD_VERIFY_FLAGS))`): `ceil(max(weight, sigop cost × 20) / 4)`.
   * Counted from the signed transaction and its prevouts as bcoin counts it, so that any
   * script (including a caller's) is charged as the node charges it. Bare multisig outputs
   * count 20 legacy sigops each, which makes them expensive.
   */
  #policySize(tx: Transaction, coins: Coin[]): number {
    let cost = 0;
    for (const input of tx.inputs) cost += 4 * countSigops(input.script, false);
    for (const output of tx.outputs) cost += 4 * countSigops(output.script, false);
    tx.inputs.forEach((input, i) => {
      const prevout = coins[i].script;
      let program = witnessProgramOf(prevout);
      if (classifyScript(prevout) === "p2sh") {
        const redeem = lastPush(input.script);
        if (redeem === undefined) return;
        cost += 4 * countSigops(redeem, true);
        program = witnessProgramOf(redeem);
      }
      if (program?.version !== 0) return;
      if (program.program.length === 20) cost += 1;
      else if (program.program.length === 32 && input.witness.length > 0) {
        cost += countSigops(input.witness[input.witness.length - 1], true);
      }
    });
    return Math.ceil(Math.max(txWeight(tx), cost * BYTES_PER_SIGOP) / 4);
  }

  /**
   * The fee of `tx` at `feeRate` sat/vB for its policy size. At 1 sat/vB or more it meets
   * bcoin's relay minimum, `policy.getMinFee(size, 1000)` = `floor(1000 × size / 1000)`.
   */
  #feeFor(tx: Transaction, coins: Coin[], feeRate: number): number {
    return Math.ceil(this.#policySize(tx, coins) * feeRate);
  }

  #selectionOrder(allowUnconfirmed: boolean, taproot: boolean): Coin[] {
    const coins = this.spendableCoins({ allowUnconfirmed }).filter((coin) =>
      taproot || this.lookup(coin.script)?.type !== "p2tr"
    );
    return coins.sort((a, b) =>
      (a.height || Infinity) - (b.height || Infinity) || a.txid.localeCompare(b.txid) ||
      a.vout - b.vout
    );
  }

  /** The script a new script of `type` would get, without using up the index. */
  #peekScript(type: WalletScriptType): Uint8Array {
    const entry = this.scriptAt(type, this.#nextIndex);
    return entry.script;
  }

  #addOutputs(wtx: WalletTx, height: number): string[] {
    const added: string[] = [];
    wtx.outputs.forEach((output, vout) => {
      if (!this.lookup(output.script)) return;
      const key = coinKey(wtx.txid, vout);
      this.#coins.set(key, {
        txid: wtx.txid,
        vout,
        value: output.value,
        script: output.script,
        height,
        coinbase: wtx.coinbase,
      });
      added.push(key);
    });
    return added;
  }

  #connectBlock(raw: Uint8Array, height: number, hash: string): void {
    const block = parseBlock(raw);
    const undo: BlockUndo = { hash, height, created: [], spent: [], confirmed: [], found: [] };
    block.transactions.forEach((tx, position) => {
      const txid = hashToHex(tx.txid);
      const known = this.#ledger.get(txid);
      if (known) {
        // One of ours (or seen before a reorg): now confirmed here.
        known.height = height;
        known.position = position;
        this.#setCoinHeights(known, height);
        undo.confirmed.push(txid);
        return;
      }
      const spent: Coin[] = [];
      if (!tx.inputs.every(isCoinbaseInput)) {
        for (const input of tx.inputs) {
          const key = coinKey(hashToHex(input.prevHash), input.prevIndex);
          const coin = this.#coins.get(key);
          if (coin) {
            spent.push(coin);
            this.#coins.delete(key);
          }
        }
      }
      const touches = spent.length > 0 || tx.outputs.some((output) => this.lookup(output.script));
      if (!touches) return;
      const coinbase = position === 0;
      const wtx: WalletTx = {
        txid,
        raw: serializeTransaction(tx),
        tx,
        height,
        position,
        coinbase,
        spent,
        outputs: tx.outputs.map((output) => ({
          value: output.value,
          script: output.script.slice(),
        })),
        own: false,
      };
      this.#ledger.set(txid, wtx);
      undo.found.push(txid);
      undo.spent.push(...spent);
      undo.created.push(...this.#addOutputs(wtx, height));
    });
    this.#undo.push(undo);
    if (this.#undo.length > 1000) this.#undo.shift();
    this.#height = height;
  }

  /** Sets the height of a wallet transaction's unspent coins. */
  #setCoinHeights(wtx: WalletTx, height: number): void {
    wtx.outputs.forEach((_, vout) => {
      const coin = this.#coins.get(coinKey(wtx.txid, vout));
      if (coin) coin.height = height;
    });
  }

  /** Undoes a block; returns the own transactions it had confirmed (now unconfirmed). */
  #undoBlock(undo: BlockUndo): string[] {
    for (const txid of undo.confirmed) {
      const wtx = this.#ledger.get(txid);
      if (!wtx) continue;
      // Back to the mempool (the node re-adds disconnected transactions).
      wtx.height = 0;
      wtx.position = -1;
      this.#setCoinHeights(wtx, 0);
    }
    for (const key of undo.created) this.#coins.delete(key);
    for (const coin of undo.spent) this.#coins.set(coinKey(coin.txid, coin.vout), coin);
    for (const txid of undo.found) this.#ledger.delete(txid);
    return undo.confirmed;
  }

  #sign(
    coins: Coin[],
    outputs: TxOutput[],
    options: SendOptions,
  ): { raw: Uint8Array; tx: Transaction } {
    const fields: TxFields = {
      version: options.version ?? 2,
      locktime: options.locktime ?? 0,
      inputs: coins.map((coin) => ({
        prevHash: hexToHash(coin.txid),
        prevIndex: coin.vout,
        script: EMPTY,
        sequence: options.sequence ?? 0xfffffffd,
        witness: [],
      })),
      outputs,
    };
    const prevouts: TxOutput[] = coins.map((coin) => ({ value: coin.value, script: coin.script }));
    coins.forEach((coin, i) => {
      const entry = this.lookup(coin.script);
      if (!entry) throw new WalletError(`cannot sign for script ${toHex(coin.script)}`);
      const input = fields.inputs[i];
      const key = entry.key;
      switch (entry.type) {
        case "p2pk": {
          const sig = key.signEcdsa(
            legacySighash(fields, i, coin.script, SIGHASH_ALL),
            SIGHASH_ALL,
          );
          input.script = pushData(sig);
          break;
        }
        case "p2pkh": {
          const sig = key.signEcdsa(
            legacySighash(fields, i, coin.script, SIGHASH_ALL),
            SIGHASH_ALL,
          );
          input.script = concatBytes(pushData(sig), pushData(key.publicKey));
          break;
        }
        case "bare-multisig": {
          const sig = key.signEcdsa(
            legacySighash(fields, i, coin.script, SIGHASH_ALL),
            SIGHASH_ALL,
          );
          input.script = concatBytes(OP_0, pushData(sig));
          break;
        }
        case "p2sh-multisig": {
          const redeem = entry.redeemScript!;
          const sig = key.signEcdsa(legacySighash(fields, i, redeem, SIGHASH_ALL), SIGHASH_ALL);
          input.script = concatBytes(OP_0, pushData(sig), pushData(redeem));
          break;
        }
        case "p2wpkh":
        case "p2sh-p2wpkh": {
          const scriptCode = p2pkhScript(key.publicKeyHash);
          const hash = witnessV0Sighash(fields, i, scriptCode, coin.value, SIGHASH_ALL);
          input.witness = [key.signEcdsa(hash, SIGHASH_ALL), key.publicKey];
          if (entry.type === "p2sh-p2wpkh") input.script = pushData(entry.redeemScript!);
          break;
        }
        case "p2wsh":
        case "p2sh-p2wsh": {
          const ws = entry.witnessScript!;
          const hash = witnessV0Sighash(fields, i, ws, coin.value, SIGHASH_ALL);
          input.witness = [EMPTY, key.signEcdsa(hash, SIGHASH_ALL), ws];
          if (entry.type === "p2sh-p2wsh") input.script = pushData(entry.redeemScript!);
          break;
        }
        case "p2tr": {
          const hash = taprootSighash(fields, i, prevouts, SIGHASH_DEFAULT);
          input.witness = [key.signTaproot(hash, SIGHASH_DEFAULT)];
          break;
        }
      }
    });
    const raw = serializeTransaction(fields);
    return { raw, tx: parseTransaction(raw) };
  }
}

function compareLedger(a: WalletTx, b: WalletTx): number {
  const ha = a.height || Infinity;
  const hb = b.height || Infinity;
  if (ha !== hb) return ha - hb;
  return a.position - b.position;
}
