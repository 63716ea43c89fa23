/**
 * A real regtest Bitcoin node for tests and the demo: bcoin 1.0.2 started under Node.js on a
 * free loopback port with its own data directory, and a miner that builds blocks itself (any
 * coinbase script, chosen transactions, forks) and hands them to the node with `submitblock`.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { fromHex, hashToHex, hexToHash, toHex } from "../chain/bytes.ts";
import { type Block, parseBlock } from "../chain/block.ts";
import { hash160 } from "../chain/hash.ts";
import { type TxOutput, txWeight } from "../chain/transaction.ts";
import { Daemon } from "../daemon/daemon.ts";
import type { Logger } from "../log.ts";
import {
  assembleBlock,
  blockSubsidy,
  buildCoinbase,
  type RawTx,
  rawTx,
  REGTEST_BITS,
} from "./block_builder.ts";

/** bcoin's regtest activates segwit here when blocks signal for it (BIP 9, window 144). */
export const SEGWIT_ACTIVATION_HEIGHT = 432;

/** Coinbase outputs become spendable after this many confirmations. */
export const COINBASE_MATURITY = 100;

/** Blocks must stay under this weight; the miner leaves room for the coinbase. */
const MAX_BLOCK_WEIGHT = 4_000_000;
const COINBASE_WEIGHT_RESERVE = 8_000;

/** BIP 9 window of bcoin's regtest: version bits may change at multiples of it. */
const BIP9_WINDOW = 144;

/** Blocks in the median-time-past window. */
const MEDIAN_TIME_SPAN = 11;

/** Blocks per `submitblock` batch request. */
const SUBMIT_BATCH = 64;

/** Median of block times as Bitcoin computes median time past. */
function medianTime(times: number[]): number {
  const sorted = [...times].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Raised when the node cannot be started, dies, or does not answer in time. */
export class RegtestNodeError extends Error {
  override name = "RegtestNodeError";
}

/** Raised when the node rejects a block we built (`submitblock` gave a reason). */
export class BlockRejectedError extends Error {
  override name = "BlockRejectedError";

  constructor(readonly hash: string, readonly reason: string) {
    super(`node rejected block ${hash}: ${reason}`);
  }
}

/** How to start the node. */
export interface RegtestNodeOptions {
  /** Data directory to use and keep (created if missing); a temporary one otherwise. */
  dataDir?: string;
  /** RPC port; a free one is picked otherwise. */
  port?: number;
  /** RPC password (bcoin's API key); random otherwise. */
  apiKey?: string;
  /** bcoin's log level, written to `bcoin.log` in the data directory. Default "warning". */
  logLevel?: "error" | "warning" | "info" | "debug" | "spam";
  /**
   * Keep the mempool across {@link RegtestNode.shutdown}/start, as Bitcoin Core does. bcoin's
   * own `--persistent-mempool` does not work here (it never reads the saved entries back), so
   * the harness saves the mempool's transactions to `mempool.txt` and re-adds them on start.
   * Default true.
   */
  persistentMempool?: boolean;
  /** How long to wait for the RPC to answer. Default 30 s. */
  startTimeoutMs?: number;
  /** The Node.js executable. Default "node". */
  nodeExecutable?: string;
  /** bcoin's `bin/node` script; the copy under tools/bcoin otherwise. */
  bcoinScript?: string;
  /** More bcoin arguments. */
  extraArgs?: string[];
  /** Logger for the node's Daemon client. */
  log?: Logger;
}

/** A transaction to put into a mined block, with the fee it pays when known. */
export interface BlockTransaction {
  raw: Uint8Array;
  /** Fee in satoshis; claimed by the coinbase. Unknown fees are left unclaimed. */
  fee?: number;
}

/** What to mine. */
export interface MineOptions {
  /** Coinbase output script (gets subsidy + fees). Default {@link DEFAULT_MINER_SCRIPT}. */
  script?: Uint8Array;
  /** Coinbase outputs instead of `script`; their total must not exceed subsidy + fees. */
  coinbaseOutputs?: TxOutput[];
  /** Transactions for the (first) block, in this order, after the mempool's. */
  transactions?: (Uint8Array | BlockTransaction)[];
  /** Take the node's mempool into the (first) block. Default true. */
  mempool?: boolean;
  /** Build on this block (display hex) rather than the tip, e.g. for a reorg. */
  parent?: string;
  /** Block time; default max(now, median time past + 1). */
  time?: number;
  /** Extra coinbase scriptSig bytes; default the first 4 bytes of the parent hash. */
  coinbaseTag?: Uint8Array;
}

/** A block the miner built and the node accepted. */
export interface MinedBlock {
  /** Display hex. */
  hash: string;
  height: number;
  raw: Uint8Array;
  coinbase: RawTx;
  /** The non-coinbase transactions, in block order. */
  transactions: RawTx[];
}

/**
 * The default coinbase script: P2PKH to HASH160("electrumx-ts regtest miner"), a key nobody
 * holds. Tests that want to spend coinbases mine to a wallet script instead.
 */
export const DEFAULT_MINER_SCRIPT: Uint8Array = (() => {
  const hash = hash160(new TextEncoder().encode("electrumx-ts regtest miner"));
  return fromHex(`76a914${toHex(hash)}88ac`);
})();

interface Template {
  height: number;
  prevHash: string;
  version: number;
  minTime: number;
  bits: number;
  segwit: boolean;
}

interface GbtReply {
  height: number;
  previousblockhash: string;
  version: number;
  mintime: number;
  bits: string;
  rules: string[];
}

interface MempoolEntry {
  fee: number;
  depends: string[];
}

interface MempoolTx {
  txid: string;
  entry: RawTx;
  fee: number;
  depends: string[];
}

/** Directory of this module's project. */
function projectRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}

/** A free TCP port on loopback (bound and released; a race is possible but unlikely). */
export function findFreePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function randomHex(bytes: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The test-only RPC method the preload adds: a broadcast that waits and reports rejections. */
export const STRICT_BROADCAST_METHOD = "x_acceptrawtransaction";

/**
 * Preloaded into Node.js before bcoin. It closes the node cleanly on SIGTERM/SIGINT and when
 * stdin closes, i.e. when the Deno process that started it is gone (bcoin itself has no
 * signal handlers). It also adds one RPC method, {@link STRICT_BROADCAST_METHOD}: bcoin's
 * `sendrawtransaction` relays in the background, returns the txid at once and never reports a
 * rejection; this one waits for the mempool and fails with the reason (code -26, or -25 for
 * missing inputs). Nothing else about the node changes.
 */
function preloadSource(bcoinDir: string): string {
  const lib = (path: string) => JSON.stringify(`${bcoinDir}/lib/${path}`);
  return `'use strict';
const FullNode = require(${lib("node/fullnode")});
const RPC = require(${lib("node/rpc")});
const TX = require(${lib("primitives/tx")});

let node = null;
const open = FullNode.prototype.open;
FullNode.prototype.open = function () { node = this; return open.apply(this, arguments); };

function rpcError(code, message) {
  const error = new Error(message);
  error.type = 'RPCError';
  error.code = code;
  return error;
}

const init = RPC.prototype.init;
RPC.prototype.init = function () {
  init.call(this);
  this.add(${JSON.stringify(STRICT_BROADCAST_METHOD)}, async (args) => {
    if (!Array.isArray(args) || typeof args[0] !== 'string')
      throw rpcError(-1, '${STRICT_BROADCAST_METHOD} "hexstring"');
    const tx = TX.fromRaw(Buffer.from(args[0], 'hex'));
    let missing;
    try {
      missing = await this.node.mempool.addTX(tx);
    } catch (err) {
      if (err.type === 'VerifyError') throw rpcError(-26, err.reason + ' (' + err.message + ')');
      throw err;
    }
    if (missing && missing.length > 0) {
      const parents = missing.map((hash) => Buffer.from(hash, 'hex').reverse().toString('hex'));
      throw rpcError(-25, 'missing inputs: ' + parents.join(', '));
    }
    return tx.txid();
  });
};

let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(0), 5000).unref();
  Promise.resolve(node && node.opened ? node.close() : null)
    .catch((err) => console.error(err && err.stack))
    .then(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
`;
}

/** A running bcoin regtest node. Create with {@link startRegtestNode}. */
export class RegtestNode {
  /** `http://user:key@127.0.0.1:port/`, as DAEMON_URL. */
  readonly rpcUrl: string;
  /** A client for the node's RPC (retries briefly while the node restarts). */
  readonly daemon: Daemon;
  readonly logFile: string;
  #child?: Deno.ChildProcess;
  #status?: Promise<Deno.CommandStatus>;
  #exited?: Deno.CommandStatus;
  #stdin?: WritableStreamDefaultWriter<Uint8Array>;
  #unload?: () => void;
  #stopped = false;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    readonly apiKey: string,
    readonly ownsDataDir: boolean,
    readonly options: RegtestNodeOptions,
  ) {
    this.rpcUrl = `http://rpc:${apiKey}@127.0.0.1:${port}/`;
    this.logFile = `${dataDir}/bcoin.log`;
    this.daemon = new Daemon({
      urls: [this.rpcUrl],
      log: options.log,
      maxRetryMs: 15_000,
      timeoutMs: 120_000,
    });
  }

  /** Starts a node; see {@link startRegtestNode}. */
  static async start(options: RegtestNodeOptions = {}): Promise<RegtestNode> {
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ??
      await Deno.makeTempDir({ prefix: "electrumx-regtest-" });
    await Deno.mkdir(dataDir, { recursive: true });
    const node = new RegtestNode(
      options.port ?? findFreePort(),
      dataDir,
      options.apiKey ?? randomHex(16),
      ownsDataDir,
      options,
    );
    try {
      await node.#spawn();
      await node.#restoreMempool();
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  /** True while the bcoin process is running. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The bcoin process id, while running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** One RPC call (errors as `DaemonRpcError`). */
  rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.daemon.call<T>(method, params);
  }

  async #spawn(): Promise<void> {
    const script = this.options.bcoinScript ??
      `${projectRoot()}tools/bcoin/node_modules/bcoin/bin/node`;
    if (!await exists(script)) {
      throw new RegtestNodeError(
        `bcoin not found at ${script}: install it with scripts/setup.sh (npm install in tools/bcoin)`,
      );
    }
    const preload = `${this.dataDir}/preload.cjs`;
    await Deno.writeTextFile(preload, preloadSource(dirname(dirname(script))));
    const args = [
      "-r",
      preload,
      script,
      "--network=regtest",
      `--prefix=${this.dataDir}`,
      "--http-host=127.0.0.1",
      `--http-port=${this.port}`,
      `--api-key=${this.apiKey}`,
      "--workers=false",
      "--listen=false",
      "--max-outbound=1",
      "--index-tx",
      "--no-wallet",
      `--log-level=${this.options.logLevel ?? "warning"}`,
      ...(this.options.extraArgs ?? []),
    ];
    const out = await Deno.open(this.logFile, { create: true, append: true });
    const err = await Deno.open(this.logFile, { create: true, append: true });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.options.nodeExecutable ?? "node", {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      out.close();
      err.close();
      throw new RegtestNodeError(
        `cannot run ${this.options.nodeExecutable ?? "node"}: ${(error as Error).message}`,
      );
    }
    child.stdout.pipeTo(out.writable).catch(() => {});
    child.stderr.pipeTo(err.writable).catch(() => {});
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#exited = undefined;
    this.#status = child.status.then((status) => (this.#exited = status));
    // If this process exits without stop(), do not leave bcoin behind.
    this.#unload = () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    globalThis.addEventListener("unload", this.#unload);
    await this.#waitReady();
  }

  async #waitReady(): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let lastError = "no answer";
    while (Date.now() < deadline) {
      const exited = this.#exited;
      if (exited) {
        throw new RegtestNodeError(
          `bcoin exited with code ${exited.code} while starting\n${await this.logTail()}`,
        );
      }
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: "Basic " + btoa(`rpc:${this.apiKey}`),
          },
          body: JSON.stringify({ method: "getblockcount", params: [], id: 1 }),
          signal: AbortSignal.timeout(2000),
        });
        const text = await response.text();
        if (response.ok && typeof JSON.parse(text)?.result === "number") return;
        lastError = `HTTP ${response.status}: ${text.slice(0, 200)}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      await sleep(50);
    }
    throw new RegtestNodeError(
      `bcoin did not answer RPC on port ${this.port} within ${timeoutMs} ms (${lastError})\n${await this
        .logTail()}`,
    );
  }

  get #mempoolFile(): string {
    return `${this.dataDir}/mempool.txt`;
  }

  /** Writes the mempool's transactions (parents first), one hex line each. */
  async #saveMempool(): Promise<void> {
    try {
      const txs = await this.#mempoolTransactions();
      const text = txs.map((tx) => toHex(tx.entry.raw) + "\n").join("");
      await Deno.writeTextFile(this.#mempoolFile, text);
    } catch (error) {
      // A node that does not answer has nothing to save; the restart shows what is left.
      await Deno.remove(this.#mempoolFile).catch(() => {});
      if (!(error instanceof Error)) throw error;
    }
  }

  /** Re-adds saved transactions; ones the chain no longer allows are dropped, like Core. */
  async #restoreMempool(): Promise<void> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#mempoolFile);
    } catch {
      return;
    }
    for (const hex of text.split("\n").filter((line) => line.length > 0)) {
      await this.broadcast(hex).catch(() => {});
    }
    await Deno.remove(this.#mempoolFile).catch(() => {});
  }

  /** The last lines of the node's output, for error messages. */
  async logTail(bytes = 4000): Promise<string> {
    try {
      const text = await Deno.readTextFile(this.logFile);
      return text.slice(-bytes);
    } catch {
      return "(no log)";
    }
  }

  /**
   * Stops the bcoin process, keeping the data directory: SIGTERM (bcoin closes its databases
   * and saves the mempool), then SIGKILL after `timeoutMs`.
   */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (this.#child && !this.#exited && (this.options.persistentMempool ?? true)) {
      await this.#saveMempool();
    }
    await this.#terminate("SIGTERM", timeoutMs);
  }

  /** Kills the bcoin process at once (SIGKILL), like a crash; the data directory stays. */
  async kill(): Promise<void> {
    await this.#terminate("SIGKILL", 0);
  }

  async #terminate(signal: Deno.Signal, timeoutMs: number): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (this.#unload) globalThis.removeEventListener("unload", this.#unload);
    try {
      child.kill(signal);
    } catch {
      // already exited
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = await Promise.race([
      this.#status!.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (killed) {
      try {
        child.kill("SIGKILL");
      } catch {
        // exited meanwhile
      }
      await this.#status;
    }
    await this.#stdin?.close().catch(() => {});
    this.#stdin = undefined;
  }

  /** Starts the process again after {@link shutdown}: same data directory, port and key. */
  async start(): Promise<void> {
    if (this.#stopped) throw new RegtestNodeError("node was stopped for good");
    if (this.#child) return;
    await this.#spawn();
    await this.#restoreMempool();
  }

  /** Shutdown and start: the node keeps its chain (and mempool, when persistent). */
  async restart(): Promise<void> {
    await this.shutdown();
    await this.start();
  }

  /** Stops the node for good, closes the client and removes a temporary data directory. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.shutdown();
    this.daemon.close();
    if (this.ownsDataDir) {
      await Deno.remove(this.dataDir, { recursive: true }).catch(() => {});
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // ---- chain queries -------------------------------------------------------------------

  /** Height of the tip. */
  getHeight(): Promise<number> {
    return this.rpc<number>("getblockcount");
  }

  /** Display hash of the tip. */
  getBestBlockHash(): Promise<string> {
    return this.rpc<string>("getbestblockhash");
  }

  /** A raw block by display hash. */
  async getRawBlock(hash: string): Promise<Uint8Array> {
    return fromHex(await this.rpc<string>("getblock", [hash, false]));
  }

  /** A parsed block (merkle root checked) by display hash. */
  async getBlock(hash: string): Promise<Block> {
    return parseBlock(await this.getRawBlock(hash));
  }

  /** Txids in the mempool. */
  getMempool(): Promise<string[]> {
    return this.rpc<string[]>("getrawmempool");
  }

  /** BIP 9 status of segwit at the tip ("defined", "started", "locked_in", "active"). */
  async segwitStatus(): Promise<string> {
    const info = await this.rpc<{ bip9_softforks?: Record<string, { status: string }> }>(
      "getblockchaininfo",
    );
    return info.bip9_softforks?.segwit?.status ?? "unknown";
  }

  /**
   * bcoin's own `sendrawtransaction`: it returns the txid at once and relays in the
   * background, so neither acceptance nor a rejection is known when it returns.
   */
  sendRawTransaction(raw: Uint8Array | string): Promise<string> {
    return this.rpc<string>("sendrawtransaction", [typeof raw === "string" ? raw : toHex(raw)]);
  }

  /**
   * Adds a transaction to the mempool and waits for the verdict: the txid, or a
   * `DaemonRpcError` with the reason (code -26 rejected, -25 missing inputs).
   */
  broadcast(raw: Uint8Array | string): Promise<string> {
    return this.rpc<string>(STRICT_BROADCAST_METHOD, [
      typeof raw === "string" ? raw : toHex(raw),
    ]);
  }

  /** Waits until every txid is in the mempool (after {@link sendRawTransaction}). */
  async waitForMempool(txids: string[], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const mempool = new Set(await this.getMempool());
      const missing = txids.filter((txid) => !mempool.has(txid));
      if (missing.length === 0) return;
      if (Date.now() > deadline) {
        throw new RegtestNodeError(
          `not in the mempool after ${timeoutMs} ms: ${missing.join(", ")}\n${await this
            .logTail(1500)}`,
        );
      }
      await sleep(20);
    }
  }

  // ---- mining --------------------------------------------------------------------------

  /**
   * Mines `count` blocks paying the coinbase to `scriptOrOptions` (a script, or options),
   * built here and submitted; returns their display hashes.
   */
  async mine(count: number, scriptOrOptions?: Uint8Array | MineOptions): Promise<string[]> {
    const blocks = await this.mineBlocks(count, scriptOrOptions);
    return blocks.map((block) => block.hash);
  }

  /**
   * Like {@link mine}, returning the blocks. The transactions (and the mempool) go into the
   * first block. Blocks on the tip are built ahead and submitted in batches; the template is
   * re-read from the node at each BIP 9 window (every 144 blocks), where version bits change.
   */
  async mineBlocks(
    count: number,
    scriptOrOptions?: Uint8Array | MineOptions,
  ): Promise<MinedBlock[]> {
    const options: MineOptions = scriptOrOptions instanceof Uint8Array
      ? { script: scriptOrOptions }
      : { ...scriptOrOptions };
    const later: MineOptions = { ...options, transactions: undefined, mempool: false };
    const mined: MinedBlock[] = [];
    if (options.parent !== undefined) {
      // A fork: one block at a time, each template read from its parent's header.
      let parent = options.parent;
      for (let i = 0; i < count; i++) {
        const template = await this.#template(parent);
        const time = this.#blockTime(template, options.time, i);
        const block = await this.#build(template, i === 0 ? options : later, time);
        await this.#submit([block]);
        mined.push(block);
        parent = block.hash;
      }
      return mined;
    }
    let pending: MinedBlock[] = [];
    const flush = async (): Promise<void> => {
      await this.#submit(pending);
      mined.push(...pending);
      pending = [];
    };
    let template: Template | undefined;
    let times: number[] = [];
    for (let i = 0; i < count; i++) {
      if (!template || template.height % BIP9_WINDOW === 0) {
        await flush();
        template = await this.#template();
        if (count - i > 1) times = await this.#recentTimes(template.height - 1);
      }
      const time = this.#blockTime(template, options.time, i);
      const block = await this.#build(template, i === 0 ? options : later, time);
      pending.push(block);
      times.push(time);
      if (times.length > MEDIAN_TIME_SPAN) times.shift();
      template = {
        ...template,
        height: template.height + 1,
        prevHash: block.hash,
        minTime: medianTime(times) + 1,
      };
      if (pending.length >= SUBMIT_BATCH) await flush();
    }
    await flush();
    return mined;
  }

  /** Mines one block. */
  async mineBlock(options: MineOptions = {}): Promise<MinedBlock> {
    const [block] = await this.mineBlocks(1, options);
    return block;
  }

  /** The time of the `index`th block of a run: wall clock, or `first + index` if given. */
  #blockTime(template: Template, first: number | undefined, index: number): number {
    const wanted = first === undefined ? Math.floor(Date.now() / 1000) : first + index;
    return Math.max(template.minTime, wanted);
  }

  /** Builds (does not submit) a block on `template`. */
  async #build(template: Template, options: MineOptions, time: number): Promise<MinedBlock> {
    const chosen: RawTx[] = [];
    let fees = 0;
    let weight = COINBASE_WEIGHT_RESERVE;
    const seen = new Set<string>();
    const add = (entry: RawTx, fee: number | undefined): boolean => {
      const txid = hashToHex(entry.tx.txid);
      if (seen.has(txid)) return true;
      const units = txWeight(entry.tx);
      if (weight + units > MAX_BLOCK_WEIGHT) return false;
      if (entry.tx.hasWitness && !template.segwit) {
        throw new RegtestNodeError(
          `transaction ${txid} has witness data but segwit is not active at height ${template.height}`,
        );
      }
      seen.add(txid);
      chosen.push(entry);
      weight += units;
      fees += fee ?? 0;
      return true;
    };
    if (options.mempool ?? true) {
      const left = new Set<string>();
      for (const { txid, entry, fee, depends } of await this.#mempoolTransactions()) {
        // A transaction whose parent did not fit waits for a later block too.
        if (depends.some((parent) => left.has(parent)) || !add(entry, fee)) left.add(txid);
      }
    }
    for (const item of options.transactions ?? []) {
      const { raw, fee } = item instanceof Uint8Array ? { raw: item, fee: undefined } : item;
      if (!add(rawTx(raw), fee)) {
        throw new RegtestNodeError("the given transactions do not fit in one block");
      }
    }
    const subsidy = blockSubsidy(template.height);
    const outputs = options.coinbaseOutputs ??
      [{ value: subsidy + fees, script: options.script ?? DEFAULT_MINER_SCRIPT }];
    const prevHash = hexToHash(template.prevHash);
    const coinbase = buildCoinbase({
      height: template.height,
      outputs,
      witness: template.segwit,
      transactions: chosen.map((entry) => entry.tx),
      tag: options.coinbaseTag ?? prevHash.slice(28, 32),
    });
    const built = assembleBlock(
      { version: template.version, prevHash, time, bits: template.bits },
      coinbase,
      chosen,
    );
    return {
      hash: hashToHex(built.hash),
      height: template.height,
      raw: built.raw,
      coinbase,
      transactions: chosen,
    };
  }

  /** Submits blocks in order, in one request; any rejection is thrown. */
  async #submit(blocks: MinedBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    const outcomes = await this.daemon.client.batch<string | null>(
      "submitblock",
      blocks.map((block) => [toHex(block.raw)]),
    );
    outcomes.forEach((outcome, i) => {
      if (!outcome.ok) throw outcome.error;
      const result = outcome.result;
      if (result !== null && result !== undefined) {
        throw new BlockRejectedError(blocks[i].hash, String(result));
      }
    });
  }

  /** Times of the blocks at heights `tip - 10 .. tip` of the main chain, oldest first. */
  async #recentTimes(tip: number): Promise<number[]> {
    const first = Math.max(0, tip - MEDIAN_TIME_SPAN + 1);
    const hashes = await this.daemon.getBlockHashes(first, tip - first + 1);
    const headers = await this.daemon.client.batch<{ time: number }>(
      "getblockheader",
      hashes.map((hash) => [hash, true]),
    );
    return headers.map((outcome) => {
      if (!outcome.ok) throw outcome.error;
      return outcome.result.time;
    });
  }

  /**
   * Mines to the segwit activation height (bcoin regtest: 432) if the chain is below it, and
   * checks that segwit is active. Returns the hashes mined.
   */
  async activateSegwit(script?: Uint8Array): Promise<string[]> {
    const height = await this.getHeight();
    const hashes = height < SEGWIT_ACTIVATION_HEIGHT
      ? await this.mine(SEGWIT_ACTIVATION_HEIGHT - height, { script, mempool: false })
      : [];
    const status = await this.segwitStatus();
    if (status !== "active") {
      throw new RegtestNodeError(`segwit is "${status}" at height ${height + hashes.length}`);
    }
    return hashes;
  }

  /** bcoin's own miner (`generatetoaddress`); `address` must use bcoin's regtest prefixes. */
  generateToAddress(count: number, address: string): Promise<string[]> {
    return this.rpc<string[]>("generatetoaddress", [count, address]);
  }

  async #template(parent?: string): Promise<Template> {
    const gbt = await this.rpc<GbtReply>("getblocktemplate", [{ rules: ["segwit"] }]);
    const segwitAtTip = gbt.rules.includes("!segwit") || gbt.rules.includes("segwit");
    const template: Template = {
      height: gbt.height,
      prevHash: gbt.previousblockhash,
      version: gbt.version,
      minTime: gbt.mintime,
      bits: parseInt(gbt.bits, 16),
      segwit: segwitAtTip,
    };
    if (template.bits !== REGTEST_BITS) {
      throw new RegtestNodeError(`unexpected target bits ${gbt.bits}: not a regtest node?`);
    }
    if (parent !== undefined && parent !== gbt.previousblockhash) {
      const header = await this.rpc<{ height: number; mediantime: number }>(
        "getblockheader",
        [parent, true],
      );
      template.height = header.height + 1;
      template.prevHash = parent;
      template.minTime = header.mediantime + 1;
      // Segwit state of a fork block: on chains mined here it activates at 432.
      template.segwit = segwitAtTip && template.height >= SEGWIT_ACTIVATION_HEIGHT;
    }
    return template;
  }

  /** The mempool's transactions in an order where parents come first, with their fees. */
  async #mempoolTransactions(): Promise<MempoolTx[]> {
    const entries = await this.rpc<Record<string, MempoolEntry>>("getrawmempool", [true]);
    const txids = Object.keys(entries);
    if (txids.length === 0) return [];
    const raws = await this.daemon.getRawTransactions(txids);
    const byTxid = new Map<string, MempoolTx>();
    txids.forEach((txid, i) => {
      const raw = raws[i];
      // A transaction can leave the mempool between the two calls.
      if (raw) {
        byTxid.set(txid, {
          txid,
          entry: rawTx(raw),
          fee: Math.round(entries[txid].fee * 1e8),
          depends: entries[txid].depends ?? [],
        });
      }
    });
    const ordered: MempoolTx[] = [];
    const placed = new Set<string>();
    const visit = (txid: string, path: Set<string>): void => {
      if (placed.has(txid) || !byTxid.has(txid) || path.has(txid)) return;
      path.add(txid);
      for (const parent of entries[txid].depends ?? []) visit(parent, path);
      placed.add(txid);
      ordered.push(byTxid.get(txid)!);
    };
    for (const txid of [...txids].sort()) visit(txid, new Set());
    return ordered;
  }
}

/**
 * Starts a bcoin regtest node and waits until its RPC answers. Stop it with `stop()` (in a
 * `finally`), or `await using node = await startRegtestNode()`.
 */
export function startRegtestNode(options: RegtestNodeOptions = {}): Promise<RegtestNode> {
  return RegtestNode.start(options);
}
