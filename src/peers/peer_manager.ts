/**
 * Peer discovery (docs/peers.md): the table of other Electrum servers, fed by our own
 * REPORT_SERVICES, the network's seeds, verified peers' lists, `server.add_peer` and the admin
 * `add_peer`; one monitor per peer re-verifying it on ElectrumX's timetable; the answer to
 * `server.peers.subscribe`; statuses and records for the admin interface; announcing
 * ourselves to peers; the blacklist and SOCKS proxy detection.
 */
import { lookup } from "node:dns/promises";
import type { PeerCounts } from "../admin/handlers.ts";
import type { Config } from "../config.ts";
import type { RemoteAddress } from "../electrum/connection.ts";
import type { PeerSource } from "../electrum/methods.ts";
import { serverFeatures } from "../electrum/methods.ts";
import { PROTOCOL_MAX, PROTOCOL_MIN, SERVER_VERSION, versionString } from "../electrum/protocol.ts";
import { toHex } from "../chain/bytes.ts";
import type { IndexStore } from "../index/store.ts";
import { isUnspecifiedIp, parseIp } from "../ip.ts";
import type { Logger } from "../log.ts";
import { unbracketedHost } from "../service.ts";
import { Blacklist } from "./blacklist.ts";
import { type DefaultPorts, Peer, type PeerRecord, type PortChoice } from "./peer.ts";
import { PeerConnection, PeerRpcError } from "./peer_client.ts";
import { detectSocksProxy, type SocksProxy } from "./socks.ts";
import { BadPeerError, type VerifyContext, verifyPeer } from "./verify.ts";

/** Seconds between re-verifications of a good peer: before it turns stale. */
export const REVERIFY_SECONDS = 3 * 3600 - 600;
/** Back-off unit after failures: 300 × 2^tries seconds. */
export const RETRY_UNIT_SECONDS = 300;
/** Attempts before a peer that was good (and is not bad) is forgotten. */
const TRY_LIMIT_WAS_GOOD = 10;
/** Attempts before a never-verified or bad peer is forgotten. */
const TRY_LIMIT = 3;
/** Seconds between `server.add_peer` acceptances per host bucket. */
const ADD_PEER_PAUSE_SECONDS = 600;
/** Onion `server.add_peer` acceptances are spaced by a random 0–1,200 s. */
const ONION_ADD_PEER_SPREAD_SECONDS = 1200;
/** New peers taken from one verified peer's list. */
const PEERS_PER_LIST = 2;
/** Peers per client-facing bucket in `server.peers.subscribe`. */
const PEERS_PER_BUCKET = 2;
const BLACKLIST_REFRESH_MS = 600_000;
const PROXY_RETRY_MS = 900_000;
const PROXY_PORTS = [9050, 9150, 1080];
const REQUEST_TIMEOUT_MS = 30_000;
const ONION_REQUEST_TIMEOUT_MS = 120_000;

/** What the manager is built from. */
export interface PeerManagerOptions {
  config: Config;
  store: IndexStore;
  log: Logger;
  /**
   * Which hosts count as public (candidates, recent peers, our own announceable entry).
   * Default: {@link Peer.isPublic}. Tests on loopback widen it.
   */
  isPublic?: (peer: Peer) => boolean;
}

/** Unix seconds, as peer records keep time. */
function unixNow(): number {
  return Date.now() / 1000;
}

/** A shuffled copy of `items`. */
function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The peers a client is told about (docs/peers.md, "What clients are told"): our own reachable
 * entries, up to two random recent peers per IPv4 /16 or IPv6 /56, and random onion peers: up
 * to 50 for a client that came through our Tor proxy, else up to max(10, a quarter of those
 * chosen so far).
 */
export function choosePeersForClients(
  myselves: Peer[],
  recent: Peer[],
  viaTor: boolean,
  random: () => number,
): Peer[] {
  const chosen = new Set(myselves);
  const buckets = new Map<string, Peer[]>();
  const onions: Peer[] = [];
  for (const peer of recent) {
    if (peer.isTor) {
      onions.push(peer);
      continue;
    }
    const bucket = peer.externalBucket();
    buckets.set(bucket, [...buckets.get(bucket) ?? [], peer]);
  }
  for (const peers of buckets.values()) {
    for (const peer of shuffle(peers, random).slice(0, PEERS_PER_BUCKET)) chosen.add(peer);
  }
  const maxOnions = viaTor ? 50 : Math.max(10, Math.floor(chosen.size / 4));
  for (const peer of shuffle(onions, random).slice(0, maxOnions)) chosen.add(peer);
  return [...chosen];
}

/** How a candidate list is taken in (docs/peers.md, "Taking candidates in"). */
interface NoteOptions {
  /** Keep at most this many new peers, chosen at random; none: keep all. */
  limit?: number;
  /** Remember differing ports of known peers and re-check them. */
  checkPorts?: boolean;
}

/**
 * Wakes a peer's monitor early: during its pause, or, if the monitor is busy verifying,
 * by skipping its next pause (ElectrumX's retry event).
 */
class WakeSignal {
  #set = false;
  #interrupt?: () => void;

  wake(): void {
    this.#set = true;
    this.#interrupt?.();
  }

  /** Pauses up to `ms`, or not at all if woken since the last pause; clears the signal. */
  async pause(ms: number): Promise<void> {
    if (!this.#set) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#interrupt = resolve;
        timer = setTimeout(resolve, ms);
      });
      clearTimeout(timer);
      this.#interrupt = undefined;
    }
    this.#set = false;
  }
}

/** A peer's monitor: its wake-up signal, and its loop (ends when the peer goes). */
interface Monitor {
  signal: WakeSignal;
  done: Promise<void>;
}

/** The peer table and its tasks. */
export class PeerManager implements PeerSource {
  readonly #config: Config;
  readonly #store: IndexStore;
  readonly #log: Logger;
  readonly #isPublic: (peer: Peer) => boolean;
  readonly #peers = new Set<Peer>();
  readonly #monitors = new Map<Peer, Monitor>();
  /** Our REPORT_SERVICES entries as peers (from {@link start}, when they can be reached). */
  #myselves: Peer[] = [];
  readonly #blacklist = new Blacklist();
  readonly #connections = new Set<PeerConnection>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  /** Last `server.add_peer` time per host bucket. */
  readonly #recentAdds = new Map<string, number>();
  #onionAddAllowedAt = 0;
  #proxy?: SocksProxy;
  /** The proxy host's addresses, to recognise sessions that come through it. */
  #proxyAddresses = new Set<string>();
  #stopped = false;
  /** Aborts connection attempts in progress at shutdown. */
  readonly #shutdown = new AbortController();

  constructor(options: PeerManagerOptions) {
    this.#config = options.config;
    this.#store = options.store;
    this.#log = options.log;
    this.#isPublic = options.isPublic ?? ((peer) => peer.isPublic);
  }

  get #defaultPorts(): DefaultPorts {
    return { ssl: this.#config.network.sslPort, tcp: this.#config.network.tcpPort };
  }

  /** Our first non-onion self entry, which is what we announce. */
  #myClearnetPeer(): Peer | undefined {
    return this.#myselves.find((peer) => !peer.isTor);
  }

  /**
   * Starts discovery (call once the client listeners are up, so we can reach ourselves): in
   * `on` mode the blacklist refresher, proxy detection and the import of our own entries and
   * the seeds; otherwise nothing.
   */
  start(): void {
    const config = this.#config;
    const features = serverFeatures(config);
    this.#myselves = config.reportServices
      .filter((service) => service.protocol !== "rpc")
      .map((service) => new Peer(unbracketedHost(service), features, "env"));
    this.#log.info(`peer discovery: ${config.peerDiscovery}`);
    void this.#resolveProxyHost();
    if (config.peerDiscovery !== "on") {
      this.#log.info("peer discovery is disabled");
      return;
    }
    this.#log.info(`announce ourself: ${config.peerAnnounce ? "True" : "False"}`);
    this.#log.info(`my clearnet self: ${this.#myClearnetPeer()?.host ?? "None"}`);
    this.#log.info(`force use of proxy: ${config.forceProxy ? "True" : "False"}`);
    this.#log.info("beginning peer discovery...");
    void this.#refreshBlacklist();
    void this.#detectProxy();
    const seeds = config.network.peerSeeds.map((name) =>
      Peer.fromRealName(name, "coins.py", this.#defaultPorts)
    );
    this.#notePeers([...this.#myselves, ...seeds], {});
  }

  /** Stops every task and closes every peer connection. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#shutdown.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const connection of this.#connections) connection.close();
    const monitors = [...this.#monitors.values()];
    for (const monitor of monitors) monitor.signal.wake();
    await Promise.all(monitors.map((monitor) => monitor.done));
  }

  // ---- the admin interface ---------------------------------------------------------------

  /** The admin `add_peer`: a real name, source `RPC`, ports re-checked if known. */
  addRealName(realName: string): void {
    const peer = Peer.fromRealName(realName, "RPC", this.#defaultPorts);
    this.#notePeers([peer], { checkPorts: true });
  }

  counts(): PeerCounts {
    const now = unixNow();
    const counts: PeerCounts = { bad: 0, good: 0, never: 0, stale: 0, total: this.#peers.size };
    for (const peer of this.#peers) counts[peer.status(now)]++;
    return counts;
  }

  /** Every peer: verified ones newest first, then never-verified, bad ones last. */
  records(): PeerRecord[] {
    const now = unixNow();
    return [...this.#peers]
      .sort((a, b) => Number(a.bad) - Number(b.bad) || b.lastGood - a.lastGood)
      .map((peer) => peer.record(now));
  }

  // ---- the Electrum methods --------------------------------------------------------------

  /** True if a session at `remote` came through our Tor proxy. */
  viaTorProxy(remote: RemoteAddress | undefined): boolean {
    if (!remote) return false;
    return remote.hostname === this.#config.torProxyHost ||
      this.#proxyAddresses.has(remote.hostname);
  }

  peersSubscribe(remote: RemoteAddress | undefined): unknown[] {
    const now = unixNow();
    return choosePeersForClients(
      this.#myselves.filter((peer) => peer.status(now) === "good"),
      this.#recentGoodPeers(now),
      this.viaTorProxy(remote),
      Math.random,
    ).map((peer) => peer.subscribeEntry());
  }

  async addPeer(features: unknown, remote: RemoteAddress | undefined): Promise<boolean> {
    if (this.#config.peerDiscovery !== "on") return false;
    if (!remote) {
      this.#log.info("ignored add_peer request: no source info");
      return false;
    }
    const source = remote.hostname;
    const [peer] = Peer.fromFeatures(features, source);
    if (!peer) {
      this.#log.info("ignored add_peer request: no peers given");
      return false;
    }
    const now = unixNow();
    const bucket = peer.ipBytes
      ? "ip_addr"
      : peer.host.toLowerCase().split(".").slice(-2).join(".");
    const last = this.#recentAdds.get(bucket) ?? 0;
    this.#recentAdds.set(bucket, now);
    if (last + ADD_PEER_PAUSE_SECONDS >= now) return false;

    let permit: boolean;
    let reason: string;
    if (peer.isTor) {
      permit = now >= this.#onionAddAllowedAt;
      if (permit) {
        this.#onionAddAllowedAt = now +
          Math.floor(Math.random() * ONION_ADD_PEER_SPREAD_SECONDS);
      }
      reason = "rate limiting";
    } else {
      try {
        const addresses = await lookup(peer.host, { all: true });
        permit = addresses.some((address) => address.address === source);
        reason = "source-destination mismatch";
      } catch {
        permit = false;
        reason = "address resolution failure";
      }
    }
    if (permit) {
      this.#log.info(`accepted add_peer request from ${source} for ${peer.host}`);
      this.#notePeers([peer], { checkPorts: true });
    } else {
      this.#log.warning(`rejected add_peer request from ${source} for ${peer.host} (${reason})`);
    }
    return permit;
  }

  // ---- the table -------------------------------------------------------------------------

  #recentGoodPeers(now: number): Peer[] {
    return [...this.#peers].filter((peer) =>
      peer.status(now) === "good" && this.#isPublic(peer) && !this.#blacklist.has(peer)
    );
  }

  /** Takes candidates in (docs/peers.md, "Taking candidates in"). */
  #notePeers(candidates: Peer[], options: NoteOptions): void {
    if (this.#stopped) return;
    const known = [...this.#peers];
    const fresh: Peer[] = [];
    for (const candidate of candidates) {
      if (!this.#isPublic(candidate) || (candidate.isTor && !this.#proxy)) continue;
      const matches = known.filter((peer) => peer.matches(candidate));
      if (matches.length === 0) {
        known.push(candidate);
        fresh.push(candidate);
        continue;
      }
      if (!options.checkPorts) continue;
      for (const match of matches) {
        if (match.rememberOtherPorts(candidate)) {
          this.#log.info(`ports changed for ${candidate.host}`);
          this.#monitors.get(match)?.signal.wake();
        }
      }
    }
    const kept = options.limit === undefined
      ? fresh
      : shuffle(fresh, Math.random).slice(0, options.limit);
    for (const peer of kept) {
      this.#log.info(`accepted new peer ${peer.host} from ${peer.source}`);
      this.#peers.add(peer);
      this.#monitor(peer);
    }
  }

  /** Verifies `peer` now and then on the timetable, until it is forgotten or removed. */
  #monitor(peer: Peer): void {
    const signal = new WakeSignal();
    const done = (async () => {
      while (!this.#stopped && this.#peers.has(peer)) {
        if (await this.#attemptShouldForget(peer)) {
          this.#peers.delete(peer);
          break;
        }
        const pauseSeconds = peer.tryCount === 0
          ? REVERIFY_SECONDS
          : RETRY_UNIT_SECONDS * 2 ** peer.tryCount;
        if (!this.#stopped) await signal.pause(pauseSeconds * 1000);
      }
      this.#monitors.delete(peer);
    })();
    // The loop's first step awaits a connection, so it is registered before it can end.
    this.#monitors.set(peer, { signal, done });
  }

  /** One attempt (docs/peers.md, "Verification"); true if the peer is to be forgotten. */
  async #attemptShouldForget(peer: Peer): Promise<boolean> {
    peer.tryCount++;
    let verified: { text: string } | undefined;
    for (const choice of this.#attemptOrder(peer)) {
      if (this.#stopped) return false;
      peer.lastTry = unixNow();
      const viaProxy = this.#config.forceProxy || peer.isTor;
      if (viaProxy && !this.#proxy) return false;
      const text = `[${peer.host}:${choice.port} ${choice.kind}]`;
      try {
        await this.#connectAndVerify(peer, choice, viaProxy ? this.#proxy : undefined);
        verified = { text };
        break;
      } catch (error) {
        if (error instanceof BadPeerError) {
          this.#log.error(`${text} marking bad: (${error.message})`);
          peer.bad = true;
          break;
        }
        if (error instanceof PeerRpcError) {
          this.#log.error(`${text} RPC error: ${error.message} (${error.code})`);
        } else {
          this.#log.info(`${text} ${(error as Error).message}`);
        }
      }
    }
    if (verified) {
      const now = unixNow();
      this.#log.info(`${verified.text} verified in ${(now - peer.lastTry).toFixed(1)}s`);
      peer.tryCount = 0;
      peer.lastGood = now;
      peer.source = "peer";
      this.#mergeMatches(peer);
      for (const [bucket, time] of this.#recentAdds) {
        if (time + ADD_PEER_PAUSE_SECONDS < now) this.#recentAdds.delete(bucket);
      }
      return false;
    }
    const limit = peer.lastGood && !peer.bad ? TRY_LIMIT_WAS_GOOD : TRY_LIMIT;
    if (peer.tryCount < limit) return false;
    this.#log.info(`forgetting ${peer.bad ? "bad" : "unreachable"} peer: ${peer.host}`);
    return true;
  }

  /** Each port choice, for each address family a host name may have. */
  #attemptOrder(peer: Peer): (PortChoice & { family?: 4 | 6 })[] {
    const families: (4 | 6 | undefined)[] = peer.ipFamily
      ? [peer.ipFamily]
      : peer.isTor
      ? [undefined]
      : [4, 6];
    return peer.connectionChoices().flatMap((choice) =>
      families.map((family) => ({ ...choice, family }))
    );
  }

  /**
   * After a success: of several peers matching this one, IP-literal entries go (several
   * servers may share a NAT address); name entries listing this host adopt its features.
   */
  #mergeMatches(peer: Peer): void {
    const matches = [...this.#peers].filter((other) => other.matches(peer));
    for (const match of matches) {
      if (match.ipBytes) {
        if (matches.length > 1) {
          this.#peers.delete(match);
          this.#monitors.get(match)?.signal.wake();
        }
      } else if (match !== peer && match.listsHost(peer.host)) {
        match.setFeatures(peer.features);
      }
    }
  }

  async #connectAndVerify(
    peer: Peer,
    choice: PortChoice & { family?: 4 | 6 },
    proxy: SocksProxy | undefined,
  ): Promise<void> {
    const timeoutMs = peer.isTor ? ONION_REQUEST_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
    const connection = await PeerConnection.open({
      host: peer.host,
      port: choice.port,
      ssl: choice.kind === "SSL",
      family: choice.family,
      localAddress: proxy ? undefined : this.#localAddress(choice.family ?? 4),
      proxy,
      timeoutMs,
      signal: this.#shutdown.signal,
    });
    this.#connections.add(connection);
    try {
      const candidates = await verifyPeer(
        connection,
        peer,
        this.#verifyContext(timeoutMs),
        unixNow(),
      );
      this.#notePeers(candidates, { limit: PEERS_PER_LIST });
      await this.#announceTo(peer, connection, candidates, timeoutMs);
    } finally {
      this.#connections.delete(connection);
      connection.close();
    }
  }

  /** An IP-literal SERVICES host of the family, to bind outgoing connections to. */
  #localAddress(family: 4 | 6): string | undefined {
    const length = family === 4 ? 4 : 16;
    const service = this.#config.services.find((service) => {
      const ip = service.protocol === "rpc" ? undefined : parseIp(service.host);
      return ip?.length === length && !isUnspecifiedIp(ip);
    });
    return service && unbracketedHost(service);
  }

  #verifyContext(timeoutMs: number): VerifyContext {
    return {
      genesisHash: this.#config.network.genesisHash,
      versionRequest: [
        SERVER_VERSION,
        [versionString(PROTOCOL_MIN), versionString(PROTOCOL_MAX)],
      ],
      dbHeight: () => this.#store.height,
      headerHex: (height) => toHex(this.#store.header(height)!),
      isBlacklisted: (peer) => this.#blacklist.has(peer),
      recentGoodPeers: (now) => this.#recentGoodPeers(now),
      requestTimeoutMs: timeoutMs,
      candidateFromEntry: (realName, source) =>
        Peer.fromRealName(realName, source, this.#defaultPorts),
    };
  }

  /** Announces ourselves to a verified peer whose list lacks us (docs/peers.md). */
  async #announceTo(
    peer: Peer,
    connection: PeerConnection,
    theirList: Peer[],
    timeoutMs: number,
  ): Promise<void> {
    if (!this.#config.peerAnnounce || this.#myselves.includes(peer)) return;
    const me = this.#myClearnetPeer();
    if (!me || !this.#isPublic(me)) return;
    const listed = theirList.some((entry) =>
      entry.matches(me) && entry.tcp_port === me.tcp_port && entry.ssl_port === me.ssl_port
    );
    if (listed) return;
    this.#log.info(`registering ourself with ${peer.host}`);
    try {
      await connection.request("server.add_peer", [me.features], timeoutMs);
    } catch (error) {
      this.#log.info(`[${peer.host}] server.add_peer failed: ${(error as Error).message}`);
    }
  }

  // ---- background tasks ------------------------------------------------------------------

  #after(ms: number, task: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      task();
    }, ms);
    this.#timers.add(timer);
  }

  async #refreshBlacklist(): Promise<void> {
    const url = this.#config.blacklistUrl;
    if (!url || this.#stopped) return;
    try {
      await this.#blacklist.refresh(url);
      this.#log.info(`blacklist from ${url} has ${this.#blacklist.size} entries`);
      for (const peer of this.#peers) {
        if (this.#blacklist.has(peer)) this.#monitors.get(peer)?.signal.wake();
      }
    } catch (error) {
      this.#log.error(`could not retrieve blacklist from ${url}: ${(error as Error).message}`);
    }
    this.#after(BLACKLIST_REFRESH_MS, () => void this.#refreshBlacklist());
  }

  async #detectProxy(): Promise<void> {
    const host = this.#config.torProxyHost;
    const ports = this.#config.torProxyPort ? [this.#config.torProxyPort] : PROXY_PORTS;
    this.#log.info(`trying to detect proxy on "${host}" ports [${ports.join(", ")}]`);
    for (const port of ports) {
      if (this.#stopped) return;
      const proxy = await detectSocksProxy(host, port);
      if (proxy) {
        this.#proxy = proxy;
        this.#log.info(`detected ${proxy.protocol} proxy at ${host}:${port}`);
        return;
      }
    }
    this.#log.info("no proxy detected, will try later");
    this.#after(PROXY_RETRY_MS, () => void this.#detectProxy());
  }

  async #resolveProxyHost(): Promise<void> {
    try {
      const addresses = await lookup(this.#config.torProxyHost, { all: true });
      this.#proxyAddresses = new Set(addresses.map((address) => address.address));
    } catch {
      // Unresolvable: only the literal host name is recognised.
    }
  }
}
