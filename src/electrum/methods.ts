/**
 * Every Electrum method of protocol 1.4–1.6 (docs/protocol.md): argument
 * validation, results in the exact shapes ElectrumX sends, error texts, the cost each charges
 * (docs/sessions.md, "What costs") and the protocol versions that have it.
 */
import { fromHex, hashToHex, toHex } from "../chain/bytes.ts";
import type { Config } from "../config.ts";
import { type Daemon, DaemonRpcError } from "../daemon/daemon.ts";
import type { HistoryItem } from "../index/queries.ts";
import type { ChainQueries } from "../index/queries.ts";
import type { IndexStore } from "../index/store.ts";
import type { Logger } from "../log.ts";
import type { BlockCache } from "./caches.ts";
import type { RemoteAddress } from "./connection.ts";
import {
  badRequest,
  daemonError,
  describe,
  ErrorCode,
  notFound,
  replyAndDisconnect,
  RpcError,
} from "./errors.ts";
import { bucketFeeTarget, ESTIMATE_MODES, type FeeEstimates } from "./fees.ts";
import { JsonBytes, JsonText } from "./framing.ts";
import type { HeaderProofs } from "./header_proofs.ts";
import type { ScriptHistories, ScriptStatus } from "./history.ts";
import {
  assertBoolean,
  assertHexString,
  assertTxHash,
  nonNegativeInteger,
  scriptHashToHashXHex,
  type Signature,
} from "./params.ts";
import {
  compareVersions,
  negotiateVersion,
  PROTOCOL_MAX,
  PROTOCOL_MIN,
  type ProtocolVersion,
  SERVER_SHORT_VERSION,
  SERVER_VERSION,
  versionString,
} from "./protocol.ts";
import { unbracketedHost } from "../service.ts";
import { withCommas } from "./python.ts";

/** Most headers one `blockchain.block.headers` request returns. */
export const MAX_HEADERS_PER_REQUEST = 2016;

/** The tip sessions were last told about. */
export interface NotifiedTip {
  height: number;
  /** Raw header hex. */
  hex: string;
  /** Display hex of the block hash. */
  hash: string;
}

/** A script-hash subscription of a session. */
export interface Subscription {
  /** The script hash as the client sent it (notifications repeat it verbatim). */
  scriptHash: string;
  /** The status last sent. */
  status: string | null;
}

/** Peer discovery as the methods see it (the peer manager implements it). */
export interface PeerSource {
  /** The `server.peers.subscribe` answer for a client at `remote`. */
  peersSubscribe(remote: RemoteAddress | undefined): unknown[];
  /** Handles `server.add_peer(features)` from a client at `remote`. */
  addPeer(features: unknown, remote: RemoteAddress | undefined): Promise<boolean>;
  /** True if a client at `remote` came through our Tor proxy (TOR_PROXY_HOST). */
  viaTorProxy(remote: RemoteAddress | undefined): boolean;
}

/** No peer discovery: no peers, and `server.add_peer` is refused. */
export const NO_PEERS: PeerSource = {
  peersSubscribe: () => [],
  addPeer: () => Promise.resolve(false),
  viaTorProxy: () => false,
};

/** What method handlers need from a session. */
export interface MethodSession {
  readonly id: number;
  readonly remote?: RemoteAddress;
  /** Negotiated protocol version ([1, 4] before negotiation). */
  protocol: ProtocolVersion;
  /** The `server.version` client name, at most 100 characters ("unknown" before). */
  clientName: string;
  /** `server.version` was received. */
  versionSeen: boolean;
  headersSubscribed: boolean;
  txsSent: number;
  /** Script-hash subscriptions by hashX hex. */
  readonly subscriptions: Map<string, Subscription>;
  bumpCost(delta: number): void;
  /** Negotiation finished (successfully or not): held requests may go on. */
  negotiationDone(): void;
}

/** What method handlers need from the server. */
export interface MethodContext {
  readonly config: Config;
  readonly store: IndexStore;
  readonly queries: ChainQueries;
  readonly daemon: Daemon;
  readonly histories: ScriptHistories;
  readonly blocks: BlockCache;
  readonly headerProofs: HeaderProofs;
  readonly fees: FeeEstimates;
  readonly peers: PeerSource;
  /** The session logger (lines start with `[id]`). */
  readonly sessionLog: Logger;
  /** The tip sessions were last notified of. */
  tip(): NotifiedTip;
  /**
   * Runs `read` once the index and the mempool agree with the notified tip (retrying across
   * tip changes), so one answer never mixes two chain states.
   */
  consistent<T>(session: MethodSession, read: () => T | Promise<T>): Promise<T>;
  /** Records a subscription (and the status sent with it) for notifications. */
  subscribe(
    session: MethodSession,
    hashX: string,
    subscription: Subscription,
    status: ScriptStatus,
  ): void;
  /** Removes a subscription; false if there was none. */
  unsubscribe(session: MethodSession, hashX: string): boolean;
  /** Counts successfully broadcast transactions server-wide. */
  recordTxsSent(count: number): void;
}

/** A method: its parameters, the protocol versions that have it, and its handler. */
export interface MethodSpec {
  signature: Signature;
  /** First protocol version with the method (inclusive). */
  since?: ProtocolVersion;
  /** First protocol version without it. */
  until?: ProtocolVersion;
  run(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown;
}

function signature(names: string[], required = names.length): Signature {
  return { names, required };
}

/** The method `name` as protocol `version` has it, if it does. */
export function findMethod(name: string, version: ProtocolVersion): MethodSpec | undefined {
  const spec = METHODS.get(name);
  if (!spec) return undefined;
  if (spec.since && compareVersions(version, spec.since) < 0) return undefined;
  if (spec.until && compareVersions(version, spec.until) >= 0) return undefined;
  return spec;
}

/** Error 2 for a failed daemon call: bitcoind's error object, or why it could not be asked. */
function daemonFailure(error: unknown): RpcError {
  if (error instanceof DaemonRpcError) return daemonError(error.code, error.daemonMessage);
  if (error instanceof RpcError) return error;
  return new RpcError(ErrorCode.DAEMON_ERROR, `daemon error: ${(error as Error).message}`, {
    counts: false,
  });
}

/** Awaits a daemon call, mapping failures to error 2. */
async function fromDaemon<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw daemonFailure(error);
  }
}

// ---- server.* -------------------------------------------------------------------------------

function serverVersion(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const [clientName, protocolVersion] = args;
  session.bumpCost(0.5);
  if (session.versionSeen) throw badRequest("server.version already sent");
  session.versionSeen = true;
  try {
    if (isTruthy(clientName)) {
      const name = describe(clientName);
      if (ctx.config.dropClient?.test(name)) {
        throw replyAndDisconnect(`unsupported client: ${name}`);
      }
      session.clientName = name.slice(0, 100);
    }
    const negotiated = negotiateVersion(protocolVersion);
    if (!negotiated.ok) {
      if (compareVersions(negotiated.clientMin, PROTOCOL_MIN) > 0) {
        ctx.sessionLog.info(
          `[${session.id}] client requested future protocol version ${
            versionString(negotiated.clientMin)
          } - is your software out of date?`,
        );
      }
      throw replyAndDisconnect(negotiated.message);
    }
    session.protocol = negotiated.version;
    return [SERVER_VERSION, versionString(negotiated.version)];
  } finally {
    session.negotiationDone();
  }
}

/** Python truthiness of a JSON value. */
function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value as object).length > 0;
  return true;
}

/** The default banner. */
export function defaultBanner(): string {
  return `You are connected to an ${SERVER_VERSION} server.`;
}

async function serverBanner(ctx: MethodContext, session: MethodSession): Promise<string> {
  session.bumpCost(0.5);
  const { config } = ctx;
  const file = ctx.peers.viaTorProxy(session.remote) ? config.torBannerFile : config.bannerFile;
  if (!file) return defaultBanner();
  let banner: string;
  try {
    banner = await Deno.readTextFile(file);
  } catch {
    return defaultBanner();
  }
  let daemonVersion = "";
  let daemonSubversion = "";
  if (banner.includes("$DAEMON_")) {
    const info = await fromDaemon(ctx.daemon.getNetworkInfo());
    daemonVersion = info.versionText;
    daemonSubversion = info.subversion;
  }
  return banner
    .replaceAll("$SERVER_VERSION", SERVER_SHORT_VERSION)
    .replaceAll("$SERVER_SUBVERSION", SERVER_VERSION)
    .replaceAll("$DAEMON_VERSION", daemonVersion)
    .replaceAll("$DAEMON_SUBVERSION", daemonSubversion)
    .replaceAll("$DONATION_ADDRESS", config.donationAddress);
}

/** Our `server.features` answer (also what we announce to peers). */
export function serverFeatures(config: Config): Record<string, unknown> {
  const hosts: Record<string, Record<string, number>> = {};
  for (const service of config.reportServices) {
    if (service.protocol === "rpc") continue;
    const host = unbracketedHost(service);
    (hosts[host] ??= {})[`${service.protocol}_port`] = service.port;
  }
  return {
    hosts,
    pruning: null,
    server_version: SERVER_VERSION,
    protocol_min: versionString(PROTOCOL_MIN),
    protocol_max: versionString(PROTOCOL_MAX),
    genesis_hash: config.network.genesisHash,
    hash_function: "sha256",
    services: config.reportServices.filter((s) => s.protocol !== "rpc").map((s) => s.url),
  };
}

// ---- headers ------------------------------------------------------------------------------

function rawHeaderHex(ctx: MethodContext, height: number): string {
  const header = height <= ctx.store.height ? ctx.store.header(height) : undefined;
  if (!header) throw notFound(`height ${withCommas(height)} out of range`);
  return toHex(header);
}

async function headerProof(
  ctx: MethodContext,
  height: number,
  cpHeight: number,
): Promise<{ branch: string[]; root: string }> {
  const tip = ctx.store.height;
  if (!(height <= cpHeight && cpHeight <= tip)) {
    throw notFound(
      `require header height ${withCommas(height)} <= cp_height ${withCommas(cpHeight)} <= ` +
        `chain height ${withCommas(tip)}`,
    );
  }
  const proof = await ctx.headerProofs.proof(height, cpHeight);
  return { branch: proof.branch.map(hashToHex), root: hashToHex(proof.root) };
}

function blockHeader(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const height = nonNegativeInteger(args[0]);
  const cpHeight = args[1] === undefined ? 0 : nonNegativeInteger(args[1]);
  return ctx.consistent(session, async () => {
    const header = rawHeaderHex(ctx, height);
    session.bumpCost(cpHeight ? 1.25 : 0.25);
    if (cpHeight === 0) return header;
    return { header, ...(await headerProof(ctx, height, cpHeight)) };
  });
}

function blockHeaders(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const start = nonNegativeInteger(args[0]);
  const requested = nonNegativeInteger(args[1]);
  const cpHeight = args[2] === undefined ? 0 : nonNegativeInteger(args[2]);
  return ctx.consistent(session, async () => {
    let cost = requested / 50;
    const tip = ctx.store.height;
    const wanted = Math.min(requested, MAX_HEADERS_PER_REQUEST, Math.max(0, tip - start + 1));
    const headers = wanted > 0 ? ctx.store.headers(start, wanted) : [];
    const count = headers.length;
    const v16 = compareVersions(session.protocol, [1, 6]) >= 0;
    const result: Record<string, unknown> = v16
      ? { count, max: MAX_HEADERS_PER_REQUEST, headers: headers.map(toHex) }
      : { hex: headers.map(toHex).join(""), count, max: MAX_HEADERS_PER_REQUEST };
    if (count > 0 && cpHeight > 0) {
      cost += 1.0;
      Object.assign(result, await headerProof(ctx, start + count - 1, cpHeight));
    }
    session.bumpCost(cost);
    return result;
  });
}

function headersSubscribe(ctx: MethodContext, session: MethodSession): unknown {
  session.bumpCost(0.25);
  session.headersSubscribed = true;
  const tip = ctx.tip();
  return { hex: tip.hex, height: tip.height };
}

// ---- fees ---------------------------------------------------------------------------------

async function estimateFee(
  ctx: MethodContext,
  session: MethodSession,
  args: unknown[],
): Promise<number> {
  const number = nonNegativeInteger(args[0]);
  let mode: string | undefined;
  if (typeof args[1] === "string") {
    mode = args[1].toUpperCase();
    if (!(ESTIMATE_MODES as readonly string[]).includes(mode)) {
      throw badRequest(`unknown estimatefee mode: ${mode}`);
    }
  }
  const target = bucketFeeTarget(number);
  const { rate, cached } = ctx.fees.estimate(target, mode, ctx.tip().hash);
  session.bumpCost(cached ? 0.1 : 2.1);
  return await fromDaemon(rate);
}

async function relayFee(ctx: MethodContext, session: MethodSession): Promise<number> {
  session.bumpCost(1.0);
  return (await fromDaemon(ctx.daemon.getNetworkInfo())).relayFee;
}

async function mempoolInfo(
  ctx: MethodContext,
  session: MethodSession,
): Promise<Record<string, number>> {
  session.bumpCost(1.0);
  const info = await fromDaemon(ctx.daemon.getMempoolInfo());
  // bcoin leaves out the relay fees; the network's relay fee is the honest stand-in.
  const relay = info.minRelayTxFee ?? (await fromDaemon(ctx.daemon.getNetworkInfo())).relayFee;
  return {
    mempoolminfee: info.mempoolMinFee ?? relay,
    minrelaytxfee: relay,
    incrementalrelayfee: info.incrementalRelayFee ?? relay,
  };
}

function feeHistogram(ctx: MethodContext, session: MethodSession): unknown {
  session.bumpCost(1.0);
  return ctx.queries.mempool.feeHistogram;
}

// ---- script hashes ------------------------------------------------------------------------

function historyJson(items: HistoryItem[]): Record<string, unknown>[] {
  return items.map((item) =>
    item.fee === undefined
      ? { tx_hash: item.txHash, height: item.height }
      : { tx_hash: item.txHash, height: item.height, fee: item.fee }
  );
}

function getBalance(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const hashX = scriptHashToHashXHex(args[0]);
  return ctx.consistent(session, () => {
    const balance = ctx.queries.balance(fromHex(hashX));
    session.bumpCost(1.0);
    return { confirmed: balance.confirmed, unconfirmed: balance.unconfirmed };
  });
}

const OPEN_BRACKET = new TextEncoder().encode("[");
const CLOSE_BRACKET = new TextEncoder().encode("]");

function getHistory(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const hashX = scriptHashToHashXHex(args[0]);
  return ctx.consistent(session, () => {
    const mempool = ctx.histories.mempool(hashX);
    if (mempool.length === 0) {
      const { bytes, cost } = ctx.histories.confirmedJsonBytes(hashX);
      session.bumpCost(cost + 0.25);
      return new JsonBytes([OPEN_BRACKET, bytes, CLOSE_BRACKET]);
    }
    const { json, cost } = ctx.histories.confirmedJson(hashX);
    session.bumpCost(cost + 0.25 + mempool.length / 50);
    const more = JSON.stringify(historyJson(mempool)).slice(1, -1);
    return new JsonText(`[${json}${json ? "," : ""}${more}]`);
  });
}

function getMempool(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const hashX = scriptHashToHashXHex(args[0]);
  return ctx.consistent(session, () => {
    const mempool = ctx.histories.mempool(hashX);
    session.bumpCost(0.25 + mempool.length / 50);
    return historyJson(mempool);
  });
}

function listUnspent(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const hashX = scriptHashToHashXHex(args[0]);
  return ctx.consistent(session, () => {
    const utxos = ctx.queries.listUnspent(fromHex(hashX));
    session.bumpCost(1.0 + utxos.length / 50);
    return utxos.map((utxo) => ({
      tx_hash: utxo.txHash,
      tx_pos: utxo.txPos,
      height: utxo.height,
      value: utxo.value,
    }));
  });
}

function subscribeScriptHash(
  ctx: MethodContext,
  session: MethodSession,
  args: unknown[],
): unknown {
  const scriptHash = args[0];
  const hashX = scriptHashToHashXHex(scriptHash);
  return ctx.consistent(session, () => {
    const status = ctx.histories.status(hashX);
    session.bumpCost(status.cost);
    ctx.subscribe(
      session,
      hashX,
      { scriptHash: scriptHash as string, status: status.status },
      status,
    );
    return status.status;
  });
}

function unsubscribeScriptHash(
  ctx: MethodContext,
  session: MethodSession,
  args: unknown[],
): boolean {
  const hashX = scriptHashToHashXHex(args[0]);
  session.bumpCost(0.1);
  return ctx.unsubscribe(session, hashX);
}

// ---- transactions -------------------------------------------------------------------------

async function broadcast(
  ctx: MethodContext,
  session: MethodSession,
  args: unknown[],
): Promise<string> {
  const raw = assertHexString(args[0]);
  session.bumpCost(0.25 + raw.length / 5000);
  let txid: string;
  try {
    txid = await ctx.daemon.sendRawTransaction(raw);
  } catch (error) {
    if (!(error instanceof DaemonRpcError)) throw daemonFailure(error);
    const message = error.daemonMessage;
    ctx.sessionLog.info(`[${session.id}] error sending transaction: ${message}`);
    throw new RpcError(
      ErrorCode.BAD_REQUEST,
      `the transaction was rejected by network rules.\n\n${message}\n[${raw}]`,
      { counts: false },
    );
  }
  session.txsSent++;
  ctx.recordTxsSent(1);
  ctx.sessionLog.info(`[${session.id}] sent tx: ${txid}`);
  return txid;
}

async function broadcastPackage(
  ctx: MethodContext,
  session: MethodSession,
  args: unknown[],
): Promise<unknown> {
  const [rawTxs, verboseArg] = args;
  if (!Array.isArray(rawTxs)) throw badRequest(`${describe(rawTxs)} should be a list`);
  const hexes = rawTxs.map(assertHexString);
  const verbose = verboseArg === undefined ? false : assertBoolean(verboseArg, "verbose");
  session.bumpCost(0.25 + hexes.reduce((sum, hex) => sum + hex.length / 5000, 0));
  let result: Record<string, unknown>;
  try {
    result = (await ctx.daemon.submitPackage(hexes)) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof DaemonRpcError)) throw daemonFailure(error);
    const message = error.daemonMessage;
    ctx.sessionLog.info(`[${session.id}] error broadcasting package: ${message}`);
    throw new RpcError(
      ErrorCode.BAD_REQUEST,
      `the tx package was rejected by network rules.\n\n${message}.`,
      { counts: false },
    );
  }
  const success = result?.package_msg === "success";
  if (success) {
    session.txsSent += hexes.length;
    ctx.recordTxsSent(hexes.length);
  }
  if (verbose) return result;
  const answer: Record<string, unknown> = { success };
  const txResults = (result?.["tx-results"] ?? {}) as Record<string, Record<string, unknown>>;
  const errors = Object.values(txResults)
    .filter((entry) => entry?.error)
    .map((entry) => ({ txid: entry.txid, error: entry.error }));
  if (errors.length > 0) answer.errors = errors;
  return answer;
}

async function transactionGet(
  ctx: MethodContext,
  session: MethodSession,
  args: unknown[],
): Promise<unknown> {
  const txHash = assertTxHash(args[0]);
  const verbose = args[1] === undefined ? false : assertBoolean(args[1], "verbose");
  session.bumpCost(1.0);
  return await fromDaemon(ctx.daemon.getRawTransaction(txHash, verbose));
}

/** The cost "T" of a block's txid list. */
function txidsCost(cached: boolean, count: number): number {
  return cached ? 0.1 : 0.25 + count / 10000;
}

/** The cost "M" of a merkle branch. */
function merkleCost(cachedTree: boolean, count: number): number {
  return count >= 200 && cachedTree ? (10 * Math.sqrt(count)) / 2500 : count / 2500;
}

function getMerkle(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const txHash = assertTxHash(args[0]).toLowerCase();
  const height = nonNegativeInteger(args[1]);
  return ctx.consistent(session, () => {
    if (height > ctx.store.height) throw notFound(`height ${withCommas(height)} out of range`);
    const block = ctx.blocks.blockTxids(height);
    const position = block.txids.findIndex((txid) => hashToHex(txid) === txHash);
    if (position < 0) {
      throw notFound(`tx ${txHash} not in block at height ${withCommas(height)}`);
    }
    const { branch, cached } = ctx.blocks.branch(block, position);
    session.bumpCost(
      txidsCost(block.cached, block.txids.length) + merkleCost(cached, block.txids.length),
    );
    return { block_height: height, merkle: branch.map(hashToHex), pos: position };
  });
}

function idFromPos(ctx: MethodContext, session: MethodSession, args: unknown[]): unknown {
  const position = nonNegativeInteger(args[1]);
  const height = nonNegativeInteger(args[0]);
  const merkle = args[2] === undefined ? false : assertBoolean(args[2], "merkle");
  return ctx.consistent(session, () => {
    const tip = ctx.store.height;
    if (height > tip) {
      throw notFound(
        `db error: DBError('block ${withCommas(height)} not on disk (>${withCommas(tip)})')`,
      );
    }
    const block = ctx.blocks.blockTxids(height);
    if (position >= block.txids.length) {
      throw notFound(
        `no tx at position ${withCommas(position)} in block at height ${withCommas(height)}`,
      );
    }
    const txHash = hashToHex(block.txids[position]);
    let cost = txidsCost(block.cached, block.txids.length);
    if (!merkle) {
      session.bumpCost(cost);
      return txHash;
    }
    const { branch, cached } = ctx.blocks.branch(block, position);
    cost += merkleCost(cached, block.txids.length);
    session.bumpCost(cost);
    return { tx_hash: txHash, merkle: branch.map(hashToHex) };
  });
}

// ---- the table ----------------------------------------------------------------------------

const V1_4_2: ProtocolVersion = [1, 4, 2];
const V1_6: ProtocolVersion = [1, 6];

/** Every method, by name. */
export const METHODS: ReadonlyMap<string, MethodSpec> = new Map<string, MethodSpec>([
  [
    "server.version",
    {
      signature: { names: ["client_name", "protocol_version"], required: 0, ignoresExtra: true },
      run: serverVersion,
    },
  ],
  ["server.banner", { signature: signature([]), run: serverBanner }],
  [
    "server.donation_address",
    {
      signature: signature([]),
      run: (ctx, session) => {
        session.bumpCost(0.1);
        return ctx.config.donationAddress;
      },
    },
  ],
  [
    "server.features",
    {
      signature: signature([]),
      run: (ctx, session) => {
        session.bumpCost(0.2);
        return serverFeatures(ctx.config);
      },
    },
  ],
  [
    "server.peers.subscribe",
    {
      signature: signature([]),
      run: (ctx, session) => {
        session.bumpCost(1.0);
        return ctx.peers.peersSubscribe(session.remote);
      },
    },
  ],
  [
    "server.add_peer",
    {
      signature: signature(["features"]),
      run: (ctx, session, args) => {
        session.bumpCost(100.0);
        return ctx.peers.addPeer(args[0], session.remote);
      },
    },
  ],
  [
    "server.ping",
    {
      signature: signature(["pong_len", "data"], 0),
      run: (_ctx, session) => {
        session.bumpCost(0.1);
        return null;
      },
    },
  ],
  ["blockchain.headers.subscribe", { signature: signature([]), run: headersSubscribe }],
  [
    "blockchain.block.header",
    { signature: signature(["height", "cp_height"], 1), run: blockHeader },
  ],
  [
    "blockchain.block.headers",
    { signature: signature(["start_height", "count", "cp_height"], 2), run: blockHeaders },
  ],
  ["blockchain.estimatefee", { signature: signature(["number", "mode"], 1), run: estimateFee }],
  ["blockchain.relayfee", { signature: signature([]), until: V1_6, run: relayFee }],
  [
    "blockchain.scripthash.get_balance",
    { signature: signature(["scripthash"]), run: getBalance },
  ],
  [
    "blockchain.scripthash.get_history",
    { signature: signature(["scripthash"]), run: getHistory },
  ],
  [
    "blockchain.scripthash.get_mempool",
    { signature: signature(["scripthash"]), run: getMempool },
  ],
  [
    "blockchain.scripthash.listunspent",
    { signature: signature(["scripthash"]), run: listUnspent },
  ],
  [
    "blockchain.scripthash.subscribe",
    { signature: signature(["scripthash"]), run: subscribeScriptHash },
  ],
  [
    "blockchain.scripthash.unsubscribe",
    { signature: signature(["scripthash"]), since: V1_4_2, run: unsubscribeScriptHash },
  ],
  [
    "blockchain.transaction.broadcast",
    { signature: signature(["raw_tx"]), run: broadcast },
  ],
  [
    "blockchain.transaction.broadcast_package",
    { signature: signature(["raw_txs", "verbose"], 1), since: V1_6, run: broadcastPackage },
  ],
  [
    "blockchain.transaction.get",
    { signature: signature(["tx_hash", "verbose"], 1), run: transactionGet },
  ],
  [
    "blockchain.transaction.get_merkle",
    { signature: signature(["tx_hash", "height"]), run: getMerkle },
  ],
  [
    "blockchain.transaction.id_from_pos",
    { signature: signature(["height", "tx_pos", "merkle"], 2), run: idFromPos },
  ],
  ["mempool.get_fee_histogram", { signature: signature([]), run: feeHistogram }],
  ["mempool.get_info", { signature: signature([]), since: V1_6, run: mempoolInfo }],
]);
