/**
 * Verifying a peer over one connection (docs/peers.md, "Verification"): blacklist and diversity
 * checks, then `server.version`, and concurrently its tip and a recent header against ours, its
 * features (genesis hash, its own host listed) and its peer list. A check that fails proves the
 * peer wrong: {@link BadPeerError}, and the peer is marked bad.
 */
import { pythonRepr, pythonStr, pythonTypeName, withCommas } from "../electrum/python.ts";
import { isObject, type Peer } from "./peer.ts";
import type { PeerConnection } from "./peer_client.ts";

/** Most blocks a peer's tip may differ from ours. */
export const MAX_HEIGHT_DIFFERENCE = 5;
/** How far below the lower tip the compared header is. */
export const HEADER_CHECK_DEPTH = 10;
/** Onion peers may be at most half the recent good peers, once half is at least this. */
const ONION_SHARE_FLOOR = 100;

/** Verification proved the peer wrong (or unwelcome): it is marked bad. */
export class BadPeerError extends Error {
  override name = "BadPeerError";
}

/** What verification needs from the server and the peer table. */
export interface VerifyContext {
  genesisHash: string;
  /** Our `server.version` request arguments. */
  versionRequest: [string, [string, string]];
  dbHeight(): number;
  /** Our raw header at `height`, hex. */
  headerHex(height: number): string;
  isBlacklisted(peer: Peer): boolean;
  /** Peers verified within the stale age, not bad, public and not blacklisted. */
  recentGoodPeers(now: number): Peer[];
  requestTimeoutMs: number;
  /** Turns the peer's list entries into candidates (source: the peer's host). */
  candidateFromEntry(realName: string, source: string): Peer;
}

/** Sends a request whose result must have the given Python type. */
type Ask = (method: string, params: unknown[], type: "list" | "dict" | "str") => Promise<unknown>;

function asker(connection: PeerConnection, context: VerifyContext): Ask {
  return async (method, params, type) => {
    const result = await connection.request(method, params, context.requestTimeoutMs);
    const actual = pythonTypeName(result);
    if (actual !== type) throw new BadPeerError(`${method} returned bad result type ${actual}`);
    return result;
  };
}

/** Step 2: diversity among recent good peers (one per IP bucket; onion share capped). */
function checkDiversity(peer: Peer, context: VerifyContext, now: number): void {
  const others = context.recentGoodPeers(now).filter((other) => other !== peer);
  if (peer.isTor) {
    const onions = others.filter((other) => other.isTor).length;
    const half = Math.floor(others.length / 2);
    if (onions > half && half >= ONION_SHARE_FLOOR) {
      throw new BadPeerError("too many onion peers already");
    }
    return;
  }
  const bucket = peer.internalBucket();
  if (others.some((other) => other.internalBucket() === bucket)) {
    throw new BadPeerError(`too many peers already in bucket ${bucket}`);
  }
}

async function checkVersion(ask: Ask, peer: Peer, context: VerifyContext) {
  const result = await ask("server.version", context.versionRequest, "list") as unknown[];
  if (result.length !== 2 || !result.every((item) => typeof item === "string")) {
    throw new BadPeerError(`bad server.version result: ${pythonRepr(result)}`);
  }
  peer.features.server_version = result[0];
}

async function checkTip(ask: Ask, context: VerifyContext): Promise<void> {
  const tip = await ask("blockchain.headers.subscribe", [], "dict") as Record<string, unknown>;
  const theirs = tip.height;
  if (typeof theirs !== "number" || !Number.isInteger(theirs)) {
    throw new BadPeerError(`invalid height ${pythonStr(theirs)}`);
  }
  const ours = context.dbHeight();
  if (Math.abs(ours - theirs) > MAX_HEIGHT_DIFFERENCE) {
    throw new BadPeerError(`bad height ${withCommas(theirs)} (ours: ${withCommas(ours)})`);
  }
  const height = Math.max(0, Math.min(ours, theirs) - HEADER_CHECK_DEPTH);
  const ourHeader = context.headerHex(height);
  const theirHeader = await ask("blockchain.block.header", [height], "str");
  if (theirHeader !== ourHeader) {
    throw new BadPeerError(`our header ${ourHeader} and theirs ${theirHeader} differ`);
  }
}

async function checkFeatures(ask: Ask, peer: Peer, context: VerifyContext) {
  const features = await ask("server.features", [], "dict") as Record<string, unknown>;
  const hostsObject = isObject(features.hosts) ? features.hosts : {};
  const hosts = Object.keys(hostsObject).map((host) => host.toLowerCase());
  if (features.genesis_hash !== context.genesisHash) {
    throw new BadPeerError("incorrect genesis hash");
  }
  if (!hosts.includes(peer.host.toLowerCase())) {
    throw new BadPeerError(`not listed in own hosts list ${pythonRepr(hosts)}`);
  }
  // Adopted only when the host is listed exactly (ElectrumX's rule).
  if (Object.hasOwn(hostsObject, peer.host)) peer.setFeatures(features);
}

async function fetchPeerList(ask: Ask, peer: Peer, context: VerifyContext): Promise<Peer[]> {
  const entries = await ask("server.peers.subscribe", [], "list") as unknown[];
  try {
    return entries.map((entry) => {
      const [, host, tokens] = entry as [unknown, string, string[]];
      if (typeof host !== "string" || !Array.isArray(tokens)) throw new Error();
      return context.candidateFromEntry([host, ...tokens].join(" "), peer.host);
    });
  } catch {
    throw new BadPeerError("bad server.peers.subscribe response");
  }
}

/**
 * Runs verification steps 1–4 on an open connection; returns the candidates from the peer's
 * own peer list. Throws {@link BadPeerError} when a check fails, and the connection's errors
 * (an error reply, a timeout, a closed socket) as they come.
 */
export async function verifyPeer(
  connection: PeerConnection,
  peer: Peer,
  context: VerifyContext,
  now: number,
): Promise<Peer[]> {
  if (!peer.isTor && connection.remoteIp) peer.ipAddr = connection.remoteIp;
  if (context.isBlacklisted(peer)) throw new BadPeerError("blacklisted");
  checkDiversity(peer, context, now);
  const ask = asker(connection, context);
  await checkVersion(ask, peer, context);
  const [, , candidates] = await Promise.all([
    checkTip(ask, context),
    checkFeatures(ask, peer, context),
    fetchPeerList(ask, peer, context),
  ]);
  return candidates;
}
