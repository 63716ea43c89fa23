/**
 * The daemon as the rest of the server sees it: typed bitcoind calls (those the index, the
 * mempool and the Electrum methods make), accepting both Bitcoin Core's and bcoin's dialects,
 * with short caches for the slow-changing answers.
 */
import { fromHex } from "../chain/bytes.ts";
import type { Logger } from "../log.ts";
import {
  type BatchOutcome,
  DaemonRpcError,
  RpcClient,
  type RpcClientOptions,
} from "./rpc_client.ts";

export { DaemonClosedError, DaemonRpcError, DaemonUnavailableError } from "./rpc_client.ts";

/** JSON-RPC "method not found". */
export const METHOD_NOT_FOUND = -32601;

/** What `getnetworkinfo` tells us, normalised across daemons. */
export interface NetworkInfo {
  /** Core's integer version (310000 for 31.0); 0 when the daemon reports a string (bcoin). */
  version: number;
  subversion: string;
  /** Minimum relay fee in BTC/kvB. */
  relayFee: number;
  /** The daemon's own version text, e.g. "31.0.0" or "v1.0.2", for banners. */
  versionText: string;
}

/** What `getmempoolinfo` tells us; Core-only fields are undefined on bcoin. */
export interface MempoolInfo {
  size: number;
  bytes: number;
  minRelayTxFee?: number;
  incrementalRelayFee?: number;
  mempoolMinFee?: number;
  raw: Record<string, unknown>;
}

/** `getblockchaininfo`, the fields we use. */
export interface ChainInfo {
  chain: string;
  blocks: number;
  headers: number;
  bestBlockHash: string;
  initialBlockDownload: boolean;
}

export interface DaemonOptions extends RpcClientOptions {
  /** How long answers of getnetworkinfo and getmempoolinfo are reused. */
  cacheMs?: number;
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/** Typed bitcoind client. */
export class Daemon {
  readonly client: RpcClient;
  #networkInfo?: Cached<NetworkInfo>;
  #mempoolInfo?: Cached<MempoolInfo>;

  constructor(readonly options: DaemonOptions & { log?: Logger }) {
    this.client = new RpcClient(options);
  }

  /** The current daemon without credentials, e.g. `127.0.0.1:8332/`. */
  get display(): string {
    return this.client.display;
  }

  /** Any call, for what has no typed method. */
  call<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.client.call<T>(method, params);
  }

  /** Replaces the URL list and uses its first entry. */
  setUrls(urls: string[]): void {
    this.client.setUrls(urls);
    this.#networkInfo = undefined;
    this.#mempoolInfo = undefined;
  }

  close(): void {
    this.client.close();
  }

  getBlockCount(): Promise<number> {
    return this.call<number>("getblockcount");
  }

  getBestBlockHash(): Promise<string> {
    return this.call<string>("getbestblockhash");
  }

  async getChainInfo(): Promise<ChainInfo> {
    const info = await this.call<Record<string, unknown>>("getblockchaininfo");
    return {
      chain: String(info.chain),
      blocks: Number(info.blocks),
      headers: Number(info.headers),
      bestBlockHash: String(info.bestblockhash),
      initialBlockDownload: Boolean(info.initialblockdownload ?? false),
    };
  }

  /** Block hashes (display hex) of `count` heights from `first`, in one batch. */
  async getBlockHashes(first: number, count: number): Promise<string[]> {
    const params = Array.from({ length: count }, (_, i) => [first + i]);
    return all(await this.client.batch<string>("getblockhash", params));
  }

  /** Raw blocks for display-hex hashes, in one batch. */
  async getRawBlocks(hashes: string[]): Promise<Uint8Array[]> {
    const replies = all(
      await this.client.batch<Uint8Array | string>(
        "getblock",
        hashes.map((hash) => [hash, false]),
        { hexBlobs: true },
      ),
    );
    // Anything too short to be a hex blob still arrives as a string.
    return replies.map((raw) => typeof raw === "string" ? fromHex(raw) : raw);
  }

  /** The JSON-RPC batch body of getBlockHashes(first, count), for a helper thread to send. */
  static blockHashesRequest(first: number, count: number): string {
    return JSON.stringify(
      Array.from({ length: count }, (_, id) => ({
        jsonrpc: "1.0",
        id,
        method: "getblockhash",
        params: [first + id],
      })),
    );
  }

  /** The JSON-RPC batch body of getRawBlocks(hashes), for a helper thread to send. */
  static rawBlocksRequest(hashes: string[]): string {
    return JSON.stringify(
      hashes.map((hash, id) => ({ jsonrpc: "1.0", id, method: "getblock", params: [hash, false] })),
    );
  }

  /** One raw block header (80 bytes) by display-hex hash. */
  async getRawHeader(hash: string): Promise<Uint8Array> {
    return fromHex(await this.call<string>("getblockheader", [hash, false]));
  }

  /** Txids (display hex) in the daemon's mempool. */
  getRawMempool(): Promise<string[]> {
    return this.call<string[]>("getrawmempool");
  }

  /** Raw transactions; a txid the daemon does not know (anymore) gives null. */
  async getRawTransactions(txids: string[]): Promise<(Uint8Array | null)[]> {
    const replies = await this.client.batch<string>(
      "getrawtransaction",
      txids.map((txid) => [txid, 0]),
    );
    return replies.map((reply) => (reply.ok ? fromHex(reply.result) : null));
  }

  /** One transaction: raw hex, or bitcoind's verbose JSON with `verbose`. */
  getRawTransaction(txid: string, verbose: boolean): Promise<unknown> {
    return this.call("getrawtransaction", [txid, verbose ? 1 : 0]);
  }

  /** Broadcasts a raw transaction; returns its txid. */
  sendRawTransaction(rawHex: string): Promise<string> {
    return this.call<string>("sendrawtransaction", [rawHex]);
  }

  /** Broadcasts a package (Core's submitpackage); bcoin lacks it (method not found). */
  submitPackage(rawHexes: string[]): Promise<unknown> {
    return this.call("submitpackage", [rawHexes]);
  }

  /**
   * Fee rate in BTC/kvB to confirm within `target` blocks, or -1 when the daemon has no
   * estimate. Any daemon error also gives -1: bcoin rejects targets above 15 and the mode
   * parameter, and a wallet must not see that as a server failure.
   */
  async estimateSmartFee(target: number, mode?: string): Promise<number> {
    const params: unknown[] = mode ? [target, mode] : [target];
    try {
      const reply = await this.call<Record<string, unknown>>("estimatesmartfee", params);
      const rate = reply?.feerate ?? reply?.fee;
      return typeof rate === "number" && rate > 0 ? rate : -1;
    } catch (error) {
      if (error instanceof DaemonRpcError) {
        if (mode && error.code !== METHOD_NOT_FOUND) return this.estimateSmartFee(target);
        return -1;
      }
      throw error;
    }
  }

  /** `getnetworkinfo`, cached briefly. */
  getNetworkInfo(): Promise<NetworkInfo> {
    this.#networkInfo = this.#cached(this.#networkInfo, async () => {
      const info = await this.call<Record<string, unknown>>("getnetworkinfo");
      const version = typeof info.version === "number" ? info.version : 0;
      return {
        version,
        subversion: String(info.subversion ?? ""),
        relayFee: Number(info.relayfee ?? 0),
        versionText: typeof info.version === "number"
          ? coreVersionText(info.version)
          : String(info.version ?? ""),
      };
    });
    return this.#networkInfo.value;
  }

  /** `getmempoolinfo`, cached briefly. */
  getMempoolInfo(): Promise<MempoolInfo> {
    this.#mempoolInfo = this.#cached(this.#mempoolInfo, async () => {
      const info = await this.call<Record<string, unknown>>("getmempoolinfo");
      return {
        size: Number(info.size ?? 0),
        bytes: Number(info.bytes ?? 0),
        minRelayTxFee: optionalNumber(info.minrelaytxfee),
        incrementalRelayFee: optionalNumber(info.incrementalrelayfee),
        mempoolMinFee: optionalNumber(info.mempoolminfee),
        raw: info,
      };
    });
    return this.#mempoolInfo.value;
  }

  /**
   * Core's `getindexinfo` (which indexes exist and whether they are synced); undefined when
   * the daemon has no such call (bcoin).
   */
  async getIndexInfo(): Promise<Record<string, { synced: boolean }> | undefined> {
    try {
      return await this.call<Record<string, { synced: boolean }>>("getindexinfo");
    } catch (error) {
      if (error instanceof DaemonRpcError && error.code === METHOD_NOT_FOUND) return undefined;
      throw error;
    }
  }

  #cached<T>(entry: Cached<T> | undefined, load: () => Promise<T>): Cached<T> {
    const now = Date.now();
    if (entry && now - entry.at < (this.options.cacheMs ?? 60_000)) return entry;
    const value = load();
    // A failed load must not be reused.
    value.catch(() => {
      if (this.#networkInfo?.value === value) this.#networkInfo = undefined;
      if (this.#mempoolInfo?.value === value) this.#mempoolInfo = undefined;
    });
    return { at: now, value };
  }
}

/** Results of a batch, throwing the first error. */
function all<T>(outcomes: BatchOutcome<T>[]): T[] {
  return outcomes.map((outcome) => {
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  });
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** 310000 → "31.0.0", as ElectrumX shows `$DAEMON_VERSION`. */
function coreVersionText(version: number): string {
  const major = Math.floor(version / 10000);
  const minor = Math.floor(version / 100) % 100;
  const patch = version % 100;
  return `${major}.${minor}.${patch}`;
}
