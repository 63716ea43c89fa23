/**
 * One peer server as discovery knows it (docs/peers.md, "Peer records", "Real names"): its host
 * and last known features, where we learned of it, and the verification record; the values
 * derived from the features with ElectrumX's clean-up rules; real names and
 * `server.peers.subscribe` entries.
 */
import { parseVersion, versionString } from "../electrum/protocol.ts";
import { pythonInt } from "../electrum/python.ts";
import {
  formatIp,
  isGlobalIp,
  isMulticastIp,
  isPrivateIp,
  isUnspecifiedIp,
  networkOf,
  parseIp,
} from "../ip.ts";

/** Seconds after the last success when a peer turns stale (3 h). */
export const STALE_SECONDS = 3 * 3600;

/** good / stale / never / bad (docs/peers.md, "Statuses"). */
export type PeerStatus = "good" | "stale" | "never" | "bad";

/** A connection kind and port to try. */
export interface PortChoice {
  kind: "SSL" | "TCP";
  port: number;
}

/** The ports a bare `s` / `t` in a real name stands for. */
export interface DefaultPorts {
  ssl: number;
  tcp: number;
}

/** What the admin `peers` command returns per peer (docs/admin.md, "peers"). */
export interface PeerRecord {
  host: string;
  features: Record<string, unknown>;
  source: string;
  ip_addr: string | null;
  last_good: number;
  last_try: number;
  try_count: number;
  status: PeerStatus;
}

const HOST_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** The features keys every peer's features carry, recomputed from the raw values. */
const CANONICAL_FEATURES = [
  "pruning",
  "server_version",
  "protocol_min",
  "protocol_max",
  "ssl_port",
  "tcp_port",
] as const;

/** A JSON object (Python's dict). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A DNS name as aiorpcx's `is_valid_hostname` accepts it. */
export function isValidHostname(host: string): boolean {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name.length < 1 || name.length > 253) return false;
  const labels = name.split(".");
  if (/^\d+$/.test(labels[labels.length - 1])) return false;
  return labels.every((label) => HOST_LABEL.test(label));
}

/** A peer server. */
export class Peer {
  readonly host: string;
  features: Record<string, unknown> = {};
  source: string;
  /** IP of the last successful direct connection. */
  ipAddr: string | null = null;
  /** Unix seconds of the last successful verification; 0 = never. */
  lastGood = 0;
  /** Unix seconds of the last connection attempt; 0 = never. */
  lastTry = 0;
  /** Attempts since the last success. */
  tryCount = 0;
  /** Verification proved the peer wrong; never cleared. */
  bad = false;
  /** Ports a later announcement gave that differ from the registered ones; tried once. */
  readonly otherPorts: PortChoice[] = [];

  constructor(host: string, features: Record<string, unknown>, source: string) {
    this.host = host;
    this.source = source;
    this.setFeatures(features);
  }

  /** Peers for each string key of `features.hosts` (an incoming `server.add_peer`). */
  static fromFeatures(features: unknown, source: string): Peer[] {
    if (!isObject(features) || !isObject(features.hosts)) return [];
    return Object.keys(features.hosts).map((host) => new Peer(host, features, source));
  }

  /**
   * A peer from a real name such as `ecdsa.net v1.4 s110 t`: `v` sets both protocol
   * versions, `p` pruning, `s`/`t` the SSL/TCP port (bare: the network default).
   */
  static fromRealName(realName: string, source: string, defaults: DefaultPorts): Peer {
    const [host = "nohost", ...tokens] = realName.split(/\s+/).filter((part) => part !== "");
    const features: Record<string, unknown> = {};
    const ports: Record<string, unknown> = {};
    for (const token of tokens) {
      const letter = token[0];
      const rest = token.slice(1);
      if (letter === "s") ports.ssl_port = rest === "" ? defaults.ssl : rest;
      else if (letter === "t") ports.tcp_port = rest === "" ? defaults.tcp : rest;
      else if (letter === "v") features.protocol_min = features.protocol_max = rest;
      else if (letter === "p") features.pruning = rest;
    }
    Object.assign(features, ports, { hosts: { [host]: ports } });
    return new Peer(host, features, source);
  }

  /** Adopts `features` (a copy), with the canonical keys recomputed from it. */
  setFeatures(features: Record<string, unknown>): void {
    this.features = { ...features };
    for (const key of CANONICAL_FEATURES) this.features[key] = this[key];
  }

  #port(key: "ssl_port" | "tcp_port"): number | null {
    const hosts = this.features.hosts;
    const entry = isObject(hosts) ? hosts[this.host] : undefined;
    const port = isObject(entry) ? pythonInt(entry[key]) : undefined;
    return port !== undefined && port > 0 && port < 65536 ? port : null;
  }

  get ssl_port(): number | null {
    return this.#port("ssl_port");
  }

  get tcp_port(): number | null {
    return this.#port("tcp_port");
  }

  get pruning(): number | null {
    const pruning = pythonInt(this.features.pruning);
    return pruning !== undefined && pruning > 0 ? pruning : null;
  }

  get server_version(): string | null {
    const version = this.features.server_version;
    return typeof version === "string" ? version : null;
  }

  get protocol_min(): string {
    return versionString(parseVersion(this.features.protocol_min));
  }

  get protocol_max(): string {
    return versionString(parseVersion(this.features.protocol_max));
  }

  get genesisHash(): string | null {
    const hash = this.features.genesis_hash;
    return typeof hash === "string" ? hash : null;
  }

  get isTor(): boolean {
    return this.host.endsWith(".onion");
  }

  /** The host as IP bytes, if it is an IP literal. */
  get ipBytes(): Uint8Array | undefined {
    return parseIp(this.host);
  }

  /** 4 or 6 if the host is an IP literal of that version. */
  get ipFamily(): 4 | 6 | undefined {
    const ip = this.ipBytes;
    return ip ? (ip.length === 4 ? 4 : 6) : undefined;
  }

  /** A usable address: a routable IP literal or a well-formed host name. */
  get isValid(): boolean {
    const ip = this.ipBytes;
    if (ip) {
      return (isGlobalIp(ip) || isPrivateIp(ip)) && !isMulticastIp(ip) && !isUnspecifiedIp(ip);
    }
    return isValidHostname(this.host);
  }

  /** Valid and reachable from the internet: no private IP, not `localhost`. */
  get isPublic(): boolean {
    const ip = this.ipBytes;
    if (ip) return this.isValid && !isPrivateIp(ip);
    return this.isValid && this.host !== "localhost";
  }

  /** Its features' `hosts` has `host` as a key. */
  listsHost(host: string): boolean {
    return isObject(this.features.hosts) && Object.hasOwn(this.features.hosts, host);
  }

  /** True if `other` names the same server (host or address). */
  matches(other: Peer): boolean {
    const host = this.host.toLowerCase();
    return host === other.host.toLowerCase() || host === other.ipAddr ||
      this.ipAddr === other.host;
  }

  status(now: number): PeerStatus {
    if (this.bad) return "bad";
    if (this.lastGood === 0) return "never";
    return now - this.lastGood < STALE_SECONDS ? "good" : "stale";
  }

  /** Registered SSL then TCP port, then each remembered alternative (consumed). */
  connectionChoices(): PortChoice[] {
    const choices: PortChoice[] = [];
    if (this.ssl_port) choices.push({ kind: "SSL", port: this.ssl_port });
    if (this.tcp_port) choices.push({ kind: "TCP", port: this.tcp_port });
    choices.push(...this.otherPorts.splice(0).filter((choice) => choice.port > 0));
    return choices;
  }

  /** Remembers `other`'s ports that differ from ours; true if any are remembered. */
  rememberOtherPorts(other: Peer): boolean {
    const remember = (kind: PortChoice["kind"], port: number | null) => {
      if (port === null) return;
      if (!this.otherPorts.some((c) => c.kind === kind && c.port === port)) {
        this.otherPorts.push({ kind, port });
      }
    };
    if (other.ssl_port !== this.ssl_port) remember("SSL", other.ssl_port);
    if (other.tcp_port !== this.tcp_port) remember("TCP", other.tcp_port);
    return this.otherPorts.length > 0;
  }

  /** Bucket for diversity among good peers: exact IPv4, IPv6 /64, `onion`, or "". */
  internalBucket(): string {
    return this.#bucket(32, 64);
  }

  /** Bucket for what clients get: IPv4 /16, IPv6 /56, `onion`, or "". */
  externalBucket(): string {
    return this.#bucket(16, 56);
  }

  #bucket(ipv4Prefix: number, ipv6Prefix: number): string {
    if (this.isTor) return "onion";
    const ip = this.ipAddr === null ? undefined : parseIp(this.ipAddr);
    if (!ip) return "";
    const prefix = ip.length === 4 ? ipv4Prefix : ipv6Prefix;
    if (prefix === 8 * ip.length) return formatIp(ip);
    return `${formatIp(networkOf(ip, prefix))}/${prefix}`;
  }

  /** `host v1.4.2 p10 s50002 t50001`: ports always written out. */
  realName(): string {
    const parts = [this.host, `v${this.protocol_max}`];
    if (this.pruning) parts.push(`p${this.pruning}`);
    if (this.ssl_port) parts.push(`s${this.ssl_port}`);
    if (this.tcp_port) parts.push(`t${this.tcp_port}`);
    return parts.join(" ");
  }

  /** The `server.peers.subscribe` entry: `[ip or host, host, tokens]`. */
  subscribeEntry(): [string, string, string[]] {
    return [this.ipAddr ?? this.host, this.host, this.realName().split(" ").slice(1)];
  }

  /** The admin `peers` record. */
  record(now: number): PeerRecord {
    return {
      host: this.host,
      features: this.features,
      source: this.source,
      ip_addr: this.ipAddr,
      last_good: this.lastGood,
      last_try: this.lastTry,
      try_count: this.tryCount,
      status: this.status(now),
    };
  }
}
