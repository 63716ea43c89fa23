/**
 * A bitcoind-compatible JSON-RPC server over a generated chain, for benchmarks and tests: it
 * answers the calls an Electrum server makes (those of src/daemon/daemon.ts) as Bitcoin Core 31
 * does, serves raw blocks as fast as the network stack allows, and adds `replay_*` control
 * methods to grow the chain, reorganise it, fill the mempool and make calls fail.
 */
import { NETWORKS } from "../chain/networks.ts";
import { parseTransaction } from "../chain/transaction.ts";
import { blockJson, btc, headerJson, regtestChainwork, transactionJson } from "./core_json.ts";
import { type HttpRequest, type HttpResponse, HttpServer } from "./http_server.ts";
import {
  encodeReplies,
  HexResult,
  RPC_INVALID_ADDRESS_OR_KEY,
  RPC_INVALID_PARAMETER,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_MISC_ERROR,
  RPC_PARSE_ERROR,
  RPC_TYPE_ERROR,
  RPC_VERIFY_ERROR,
  RpcError,
  type RpcReply,
} from "./json_reply.ts";
import type { ChainBlock, ReplayChain } from "./replay_chain.ts";

/** Core 31.0, as getnetworkinfo reports it. */
const CORE_VERSION = 310000;
const CORE_SUBVERSION = "/Satoshi:31.0.0/";
/** Minimum relay and incremental fee, BTC/kvB. */
const RELAY_FEE = 0.00001;
const REGTEST = NETWORKS.regtest;
const EMPTY = new Uint8Array(0);

/** Options of a replay daemon. */
export interface ReplayDaemonOptions {
  chain: ReplayChain;
  /** 0 (the default) picks a free port. */
  port?: number;
  user: string;
  password: string;
}

type Method = (params: unknown[]) => unknown;

/** A running replay daemon. */
export class ReplayDaemon {
  readonly #server: HttpServer;
  readonly #authorization: string;
  readonly #methods: Map<string, Method>;
  #readBuffer = new Uint8Array(0);
  /** Calls still to fail, by method (replay_failnext). */
  readonly #failures = new Map<string, number>();

  private constructor(readonly options: ReplayDaemonOptions) {
    this.#authorization = "Basic " + btoa(`${options.user}:${options.password}`);
    this.#methods = methodTable(options.chain);
    this.#server = new HttpServer(
      { hostname: "127.0.0.1", port: options.port ?? 0 },
      (request, reserve) => this.#handle(request, reserve),
    );
  }

  /** Starts serving on 127.0.0.1. */
  static start(options: ReplayDaemonOptions): ReplayDaemon {
    return new ReplayDaemon(options);
  }

  get port(): number {
    return this.#server.port;
  }

  /** The URL with credentials, as DAEMON_URL takes it. */
  get url(): string {
    return `http://${this.options.user}:${this.options.password}@127.0.0.1:${this.port}/`;
  }

  /** Stops serving and closes every connection. */
  async stop(): Promise<void> {
    await this.#server.close();
  }

  #handle(request: HttpRequest, reserve: (size: number) => Uint8Array): HttpResponse {
    if (request.headers.get("authorization") !== this.#authorization) {
      return { status: 401, headers: { "WWW-Authenticate": 'Basic realm="jsonrpc"' }, body: EMPTY };
    }
    if (request.method !== "POST") {
      return {
        status: 405,
        body: new TextEncoder().encode("JSONRPC server handles only POST requests"),
      };
    }
    const memory = { reply: reserve, scratch: (size: number) => this.#scratch(size) };
    const json = (replies: RpcReply | RpcReply[], status: number): HttpResponse => ({
      status,
      headers: { "Content-Type": "application/json" },
      body: encodeReplies(replies, memory),
    });
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(request.body));
    } catch {
      return json(
        { id: null, error: { code: RPC_PARSE_ERROR, message: "Parse error" }, v2: false },
        500,
      );
    }
    if (Array.isArray(body)) return json(body.map((item) => this.#call(item)), 200);
    const single = this.#call(body);
    if (single.error === undefined || single.v2) return json(single, 200);
    const code = single.error.code;
    return json(
      single,
      code === RPC_METHOD_NOT_FOUND ? 404 : code === RPC_INVALID_REQUEST ? 400 : 500,
    );
  }

  /** Memory to read blocks into while they are encoded, reused (handlers run one at a time). */
  #scratch(size: number): Uint8Array {
    if (this.#readBuffer.length < size) {
      this.#readBuffer = new Uint8Array(Math.max(size, 2 * this.#readBuffer.length));
    }
    return this.#readBuffer;
  }

  /**
   * `replay_failnext [method, count]`: the next `count` calls of `method` answer error -1, as
   * a daemon in trouble would (for tests of what a failure at a given step loses).
   */
  #failNext(params: unknown[]): null {
    const method = params[0];
    const count = integerParam(params, 1, "count");
    if (typeof method !== "string" || count < 0) {
      throw new RpcError(RPC_INVALID_PARAMETER, "replay_failnext takes a method name and a count");
    }
    this.#failures.set(method, count);
    return null;
  }

  #call(request: unknown): RpcReply {
    if (request === null || typeof request !== "object" || Array.isArray(request)) {
      return {
        id: null,
        error: { code: RPC_INVALID_REQUEST, message: "Invalid Request object" },
        v2: false,
      };
    }
    const { method, params, id, jsonrpc } = request as Record<string, unknown>;
    const v2 = jsonrpc === "2.0";
    if (typeof method !== "string") {
      return { id, error: { code: RPC_INVALID_REQUEST, message: "Method must be a string" }, v2 };
    }
    const failures = this.#failures.get(method) ?? 0;
    if (failures > 0) {
      this.#failures.set(method, failures - 1);
      return { id, error: { code: RPC_MISC_ERROR, message: `injected failure of ${method}` }, v2 };
    }
    const handler = method === "replay_failnext"
      ? (args: unknown[]) => this.#failNext(args)
      : this.#methods.get(method);
    if (!handler) {
      return { id, error: { code: RPC_METHOD_NOT_FOUND, message: "Method not found" }, v2 };
    }
    try {
      return { id, result: handler(Array.isArray(params) ? params : []), v2 };
    } catch (error) {
      if (error instanceof RpcError) {
        return { id, error: { code: error.code, message: error.message }, v2 };
      }
      return { id, error: { code: RPC_MISC_ERROR, message: (error as Error).message }, v2 };
    }
  }
}

/** Parameter `index` as an integer (Core accepts booleans where it takes a verbosity). */
function integerParam(params: unknown[], index: number, name: string, fallback?: number): number {
  const value = params[index] ?? fallback;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new RpcError(RPC_TYPE_ERROR, `${name} must be an integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function stringParam(params: unknown[], index: number, name: string): string {
  const value = params[index];
  if (typeof value !== "string") {
    throw new RpcError(RPC_TYPE_ERROR, `${name} must be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The table of methods over `chain`. */
function methodTable(chain: ReplayChain): Map<string, Method> {
  function blockByHash(params: unknown[]): ChainBlock {
    const hash = stringParam(params, 0, "blockhash");
    const block = chain.findBlock(hash.toLowerCase());
    if (!block) throw new RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
    return block;
  }

  function context(block: ChainBlock) {
    return {
      height: block.height,
      confirmations: chain.confirmations(block),
      txCount: block.txCount,
      medianTime: chain.medianTime(block),
      nextHash: chain.nextHash(block),
    };
  }

  function txContext(block: ChainBlock | undefined) {
    if (!block) return undefined;
    const time = new DataView(block.header.buffer, block.header.byteOffset, 80).getUint32(68, true);
    return { blockHash: block.hash, confirmations: chain.confirmations(block), time };
  }

  function mempoolInfo(): Record<string, unknown> {
    return {
      loaded: true,
      size: chain.mempool.size,
      bytes: chain.mempool.vbytes,
      usage: chain.mempool.vbytes * 4,
      total_fee: btc(chain.mempool.totalFee),
      maxmempool: 300_000_000,
      mempoolminfee: RELAY_FEE,
      minrelaytxfee: RELAY_FEE,
      incrementalrelayfee: RELAY_FEE,
      unbroadcastcount: 0,
      fullrbf: true,
    };
  }

  const methods: Record<string, Method> = {
    getblockcount: () => chain.height,
    getbestblockhash: () => chain.tip.hash,
    getblockhash: (params) => {
      const height = integerParam(params, 0, "height");
      const block = chain.blockAt(height);
      if (!block) throw new RpcError(RPC_INVALID_PARAMETER, "Block height out of range");
      return block.hash;
    },
    getblock: (params) => {
      const block = blockByHash(params);
      const verbosity = integerParam(params, 1, "verbosity", 1);
      if (verbosity === 0) return new HexResult(chain.lazyRawBlock(block));
      if (verbosity !== 1) {
        throw new RpcError(
          RPC_INVALID_PARAMETER,
          `verbosity ${verbosity} is not supported by the replay daemon (0 or 1)`,
        );
      }
      return blockJson(block.header, chain.transactions(block), block.size, context(block));
    },
    getblockheader: (params) => {
      const block = blockByHash(params);
      if (params[1] === false || params[1] === 0) return new HexResult(block.header);
      return headerJson(block.header, context(block));
    },
    getblockchaininfo: () => {
      const tip = chain.tip;
      return {
        chain: "regtest",
        blocks: chain.height,
        headers: chain.height,
        bestblockhash: tip.hash,
        bits: "207fffff",
        difficulty: 4.656542373906925e-10,
        time: new DataView(tip.header.buffer, tip.header.byteOffset, 80).getUint32(68, true),
        mediantime: chain.medianTime(tip),
        verificationprogress: 1,
        initialblockdownload: false,
        chainwork: regtestChainwork(chain.height),
        size_on_disk: chain.stored.manifest.bytes,
        pruned: false,
        warnings: [],
      };
    },
    getrawtransaction: (params) => {
      const txid = stringParam(params, 0, "txid").toLowerCase();
      const verbose = integerParam(params, 1, "verbose", 0);
      let found;
      if (params[2] !== undefined && params[2] !== null) {
        const block = blockByHash(params.slice(2));
        const raw = chain.transactionInBlock(block, txid);
        if (!raw) {
          throw new RpcError(
            RPC_INVALID_ADDRESS_OR_KEY,
            "No such transaction found in the provided block.",
          );
        }
        found = { raw, block };
      } else {
        found = chain.findTransaction(txid);
      }
      if (!found) {
        throw new RpcError(
          RPC_INVALID_ADDRESS_OR_KEY,
          "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.",
        );
      }
      if (verbose === 0) return new HexResult(found.raw);
      return transactionJson(
        found.raw,
        parseTransaction(found.raw),
        REGTEST,
        txContext(found.block),
      );
    },
    getrawmempool: (params) => {
      const verbose = params[0] === true || params[0] === 1;
      const txs = chain.mempool.all();
      if (!verbose) return txs.map((tx) => tx.txid);
      return Object.fromEntries(txs.map((tx) => [tx.txid, chain.mempool.entryJson(tx.txid)]));
    },
    getmempoolentry: (params) => {
      const entry = chain.mempool.entryJson(stringParam(params, 0, "txid").toLowerCase());
      if (!entry) throw new RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool");
      return entry;
    },
    getmempoolinfo: mempoolInfo,
    sendrawtransaction: (params) => chain.submit(stringParam(params, 0, "hexstring")).txid,
    submitpackage: (params) => {
      const hexes = params[0];
      if (!Array.isArray(hexes) || hexes.some((hex) => typeof hex !== "string")) {
        throw new RpcError(RPC_TYPE_ERROR, "package must be an array of hex strings");
      }
      const results: Record<string, unknown> = {};
      let message = "success";
      for (const hex of hexes as string[]) {
        try {
          const accepted = chain.submit(hex);
          results[accepted.wtxid] = {
            txid: accepted.txid,
            vsize: accepted.vsize,
            fees: { base: btc(accepted.fee) },
          };
        } catch (error) {
          if (!(error instanceof RpcError)) throw error;
          message = "transaction failed";
          results[`error-${Object.keys(results).length}`] = { error: error.message };
        }
      }
      return { package_msg: message, "tx-results": results, "replaced-transactions": [] };
    },
    estimatesmartfee: (params) => {
      const target = integerParam(params, 0, "conf_target");
      if (target < 1 || target > 1008) {
        throw new RpcError(
          RPC_INVALID_PARAMETER,
          "Invalid conf_target, must be between 1 and 1008",
        );
      }
      // A plausible curve: 20 sat/vB for the next block, falling to the relay fee.
      const feerate = Math.max(RELAY_FEE, Number((0.0002 / Math.sqrt(target)).toFixed(8)));
      return { feerate, blocks: Math.max(2, target) };
    },
    getnetworkinfo: () => ({
      version: CORE_VERSION,
      subversion: CORE_SUBVERSION,
      protocolversion: 70016,
      localservices: "0000000000000c09",
      localservicesnames: ["NETWORK", "WITNESS", "NETWORK_LIMITED", "P2P_V2"],
      localrelay: true,
      timeoffset: 0,
      networkactive: true,
      connections: 0,
      connections_in: 0,
      connections_out: 0,
      networks: [],
      relayfee: RELAY_FEE,
      incrementalfee: RELAY_FEE,
      localaddresses: [],
      warnings: [],
    }),
    getindexinfo: () => ({
      txindex: { synced: true, best_block_height: chain.height },
      txospenderindex: { synced: true, best_block_height: chain.height },
    }),
    uptime: () => Math.floor(performance.now() / 1000),
    ping: () => null,
    replay_setheight: (params) => {
      chain.setHeight(integerParam(params, 0, "height"));
      return { height: chain.height, hash: chain.tip.hash };
    },
    replay_extend: (params) =>
      chain.extend(
        integerParam(params, 0, "count", 1),
        integerParam(params, 1, "txs", chain.txsPerBlock),
      ),
    replay_reorg: (params) =>
      chain.reorg(
        integerParam(params, 0, "depth"),
        integerParam(params, 1, "txs", chain.txsPerBlock),
      ),
    replay_addmempool: (params) => {
      const count = integerParam(params, 0, "count");
      const txids = chain.addToMempool(count);
      if (count > 0 && txids.length === 0) {
        throw new RpcError(RPC_VERIFY_ERROR, "no unspent outputs near the tip to spend");
      }
      return txids;
    },
    replay_info: () => ({
      height: chain.height,
      hash: chain.tip.hash,
      available: chain.availableHeight,
      storedBlocks: chain.stored.blocks.length,
      mempool: chain.mempool.size,
    }),
  };
  return new Map(Object.entries(methods));
}
