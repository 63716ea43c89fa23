/**
 * Configuration of `electrumx serve`: ElectrumX's environment variables (names, defaults,
 * parsing rules and error messages), each also settable by a command-line flag that wins over
 * the environment. One table, VARIABLES, drives parsing, the flags and `serve --help`.
 */
import { findNetwork, type Network } from "./chain/networks.ts";
import { LOG_LEVELS, type LogLevelName } from "./log.ts";
import { DaemonUrlError, parseDaemonUrls } from "./daemon/url.ts";
import { isMulticastIp, isPrivateIp, isUnspecifiedIp, parseIp } from "./ip.ts";
import { parseService, type Service, ServiceError, unbracketedHost } from "./service.ts";

/** A configuration problem that stops start-up; the message names the variable and value. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Fully parsed and validated configuration. */
export interface Config {
  coin: "Bitcoin";
  network: Network;
  dbDirectory: string;
  dbEngine: "sqlite";
  daemonUrls: string[];
  daemonCookieFile?: string;
  daemonPollBlocksMs: number;
  daemonPollMempoolMs: number;
  cacheMb: number;
  reorgLimit: number;
  services: Service[];
  reportServices: Service[];
  /** Where the LocalRPC admin port listens. */
  adminService: Service;
  sslCertFile?: string;
  sslKeyFile?: string;
  maxSessions: number;
  maxRecv: number;
  maxSend: number;
  costSoftLimit: number;
  costHardLimit: number;
  bandwidthUnitCost: number;
  initialConcurrent: number;
  requestSleepMs: number;
  requestTimeoutS: number;
  sessionTimeoutS: number;
  sessionGroupBySubnetIpv4: number;
  sessionGroupBySubnetIpv6: number;
  peerDiscovery: "on" | "off" | "self";
  peerAnnounce: boolean;
  forceProxy: boolean;
  torProxyHost: string;
  torProxyPort?: number;
  blacklistUrl: string;
  logLevel: LogLevelName;
  logFormat: string;
  logSessionsS: number;
  anonLogs: boolean;
  donationAddress: string;
  bannerFile?: string;
  torBannerFile?: string;
  dropClient?: RegExp;
  allowRoot: boolean;
}

/** Sections of `serve --help` and of contrib/electrumx.env. */
export type VariableGroup = "required" | "daemon" | "services" | "limits" | "peers" | "misc";

/** The title of each section. */
export const GROUP_TITLES: Record<VariableGroup, string> = {
  required: "Required",
  daemon: "Coin, daemon and index",
  services: "Services",
  limits: "Sessions and limits",
  peers: "Peers",
  misc: "Logging and miscellaneous",
};

/** One environment variable: its flag, default and meaning. */
export interface Variable {
  name: string;
  group: VariableGroup;
  /** Default as shown in help; undefined means none. */
  defaultText?: string;
  help: string;
}

/** Every variable `serve` reads, in help order. */
export const VARIABLES: readonly Variable[] = [
  {
    name: "DB_DIRECTORY",
    group: "required",
    help: "directory of the SQLite index (created if missing)",
  },
  {
    name: "DAEMON_URL",
    group: "required",
    help: "bitcoind RPC URL(s), comma-separated for failover: user:pass@host[:port]",
  },
  {
    name: "DAEMON_COOKIE_FILE",
    group: "daemon",
    help: "bitcoind .cookie file, used for DAEMON_URL entries without user:pass@",
  },
  { name: "COIN", group: "daemon", defaultText: "Bitcoin", help: "coin name (only Bitcoin)" },
  {
    name: "NET",
    group: "daemon",
    defaultText: "mainnet",
    help: "mainnet, testnet, testnet4, signet, regtest or mutinynet",
  },
  {
    name: "DB_ENGINE",
    group: "daemon",
    defaultText: "sqlite",
    help: "storage engine (only sqlite)",
  },
  {
    name: "DAEMON_POLL_INTERVAL_BLOCKS",
    group: "daemon",
    defaultText: "1000",
    help: "milliseconds between polls for a new block",
  },
  {
    name: "DAEMON_POLL_INTERVAL_MEMPOOL",
    group: "daemon",
    defaultText: "5000",
    help: "milliseconds between mempool refreshes",
  },
  {
    name: "CACHE_MB",
    group: "daemon",
    defaultText: "1200",
    help: "memory (MB) for changes batched in initial sync before a flush",
  },
  {
    name: "REORG_LIMIT",
    group: "daemon",
    defaultText: "200 mainnet, 8000 others",
    help: "deepest reorg handled (blocks of undo data kept)",
  },
  {
    name: "SERVICES",
    group: "services",
    defaultText: "",
    help: "services to listen on: tcp://:50001,ssl://:50002,ws://:50003,wss://:50004,rpc://",
  },
  {
    name: "REPORT_SERVICES",
    group: "services",
    defaultText: "",
    help: "services advertised to clients and peers: tcp://host:port,...",
  },
  {
    name: "RPC_HOST",
    group: "services",
    defaultText: "localhost",
    help: "admin (LocalRPC) listen address, overridden by an rpc:// service",
  },
  {
    name: "RPC_PORT",
    group: "services",
    defaultText: "8000",
    help: "admin (LocalRPC) listen port, overridden by an rpc:// service",
  },
  {
    name: "SSL_CERTFILE",
    group: "services",
    help: "PEM certificate chain, required for ssl:// and wss://",
  },
  {
    name: "SSL_KEYFILE",
    group: "services",
    help: "PEM private key, required for ssl:// and wss://",
  },
  {
    name: "MAX_SESSIONS",
    group: "limits",
    defaultText: "1000",
    help: "maximum concurrent sessions",
  },
  {
    name: "MAX_RECV",
    group: "limits",
    defaultText: "1000000",
    help: "largest incoming message in bytes",
  },
  {
    name: "MAX_SEND",
    group: "limits",
    defaultText: "8100000",
    help: "largest response in bytes (at least 350000)",
  },
  {
    name: "COST_SOFT_LIMIT",
    group: "limits",
    defaultText: "1000",
    help: "session cost where throttling starts",
  },
  {
    name: "COST_HARD_LIMIT",
    group: "limits",
    defaultText: "10000",
    help: "session cost where the session is disconnected",
  },
  {
    name: "BANDWIDTH_UNIT_COST",
    group: "limits",
    defaultText: "5000",
    help: "bytes sent and received that cost 1.0",
  },
  {
    name: "INITIAL_CONCURRENT",
    group: "limits",
    defaultText: "10",
    help: "concurrent requests per session before throttling",
  },
  {
    name: "REQUEST_SLEEP",
    group: "limits",
    defaultText: "2500",
    help: "milliseconds of delay per request at the hard limit",
  },
  {
    name: "REQUEST_TIMEOUT",
    group: "limits",
    defaultText: "30",
    help: "seconds before a request is abandoned",
  },
  {
    name: "SESSION_TIMEOUT",
    group: "limits",
    defaultText: "600",
    help: "seconds of silence before a session is closed",
  },
  {
    name: "SESSION_GROUP_BY_SUBNET_IPV4",
    group: "limits",
    defaultText: "24",
    help: "IPv4 prefix length of session groups",
  },
  {
    name: "SESSION_GROUP_BY_SUBNET_IPV6",
    group: "limits",
    defaultText: "48",
    help: "IPv6 prefix length of session groups",
  },
  { name: "PEER_DISCOVERY", group: "peers", defaultText: "on", help: "on, self or off" },
  {
    name: "PEER_ANNOUNCE",
    group: "peers",
    defaultText: "on",
    help: "announce ourselves to peers (any non-empty value is true)",
  },
  {
    name: "FORCE_PROXY",
    group: "peers",
    defaultText: "",
    help: "make every peer connection through the SOCKS proxy",
  },
  { name: "TOR_PROXY_HOST", group: "peers", defaultText: "localhost", help: "SOCKS proxy host" },
  {
    name: "TOR_PROXY_PORT",
    group: "peers",
    defaultText: "9050, 9150, 1080 tried",
    help: "SOCKS proxy port",
  },
  {
    name: "BLACKLIST_URL",
    group: "peers",
    defaultText: "per network",
    help: "URL of a JSON list of banned peers",
  },
  {
    name: "LOG_LEVEL",
    group: "misc",
    defaultText: "info",
    help: "debug, info, warning, error or critical",
  },
  {
    name: "LOG_FORMAT",
    group: "misc",
    defaultText: "%(levelname)s:%(name)s:%(message)s",
    help: "log line format (also %(asctime)s)",
  },
  {
    name: "LOG_SESSIONS",
    group: "misc",
    defaultText: "3600",
    help: "seconds between session table logs (0: never)",
  },
  { name: "ANON_LOGS", group: "misc", defaultText: "", help: "hide client addresses in logs" },
  {
    name: "DONATION_ADDRESS",
    group: "misc",
    defaultText: "",
    help: "returned by server.donation_address",
  },
  { name: "BANNER_FILE", group: "misc", help: "file served by server.banner" },
  { name: "TOR_BANNER_FILE", group: "misc", help: "banner for connections through the Tor proxy" },
  {
    name: "DROP_CLIENT",
    group: "misc",
    help: "regex: refuse clients whose name starts with a match",
  },
  { name: "ALLOW_ROOT", group: "misc", defaultText: "", help: "allow running as root" },
];

/** Variables ElectrumX once read and now refuses, in its order. */
const OBSOLETE = [
  "MAX_SUBSCRIPTIONS",
  "MAX_SUBS",
  "MAX_SESSION_SUBS",
  "BANDWIDTH_LIMIT",
  "HOST",
  "TCP_PORT",
  "SSL_PORT",
  "REPORT_HOST",
  "REPORT_TCP_PORT",
  "REPORT_SSL_PORT",
  "REPORT_HOST_TOR",
  "REPORT_TCP_PORT_TOR",
  "REPORT_SSL_PORT_TOR",
];

/** The flag of a variable: DB_DIRECTORY → --db-directory. */
export function flagName(variable: string): string {
  return "--" + variable.toLowerCase().replaceAll("_", "-");
}

/** Reads variables: command-line overrides first, then the environment. */
class Source {
  constructor(
    readonly env: Record<string, string | undefined>,
    readonly overrides: Record<string, string | undefined>,
  ) {}

  raw(name: string): string | undefined {
    return this.overrides[name] ?? this.env[name];
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    const value = this.raw(name);
    return value === undefined || value === "" ? undefined : value;
  }

  required(name: string): string {
    const value = this.raw(name);
    if (value === undefined) throw new ConfigError(`required envvar ${name} not set`);
    return value;
  }

  integer(name: string, fallback: number, range?: [number, number]): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) {
      throw new ConfigError(`cannot convert envvar ${name} value ${value} to an integer`);
    }
    const parsed = Number(value.trim().replaceAll("_", ""));
    if (!Number.isSafeInteger(parsed)) {
      throw new ConfigError(`envvar ${name} value ${value} is out of range`);
    }
    if (range && (parsed < range[0] || parsed > range[1])) {
      throw new ConfigError(
        `envvar ${name} value ${value} is out of range: must be ${range[0]} to ${range[1]}`,
      );
    }
    return parsed;
  }

  /** ElectrumX's rule: set and non-empty after trimming means true (even "0" or "no"). */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    return value === undefined ? fallback : value.trim() !== "";
  }
}

/** Parses and validates the configuration; throws ConfigError naming the bad variable. */
export function loadConfig(
  env: Record<string, string | undefined>,
  overrides: Record<string, string | undefined> = {},
): Config {
  const source = new Source(env, overrides);
  const obsolete = OBSOLETE.filter((name) => source.optional(name) !== undefined);
  if (obsolete.length > 0) {
    throw new ConfigError(
      `remove obsolete environment variables [${obsolete.map((n) => `'${n}'`).join(", ")}]`,
    );
  }
  const dbDirectory = source.required("DB_DIRECTORY");
  if (dbDirectory.trim() === "") throw new ConfigError("envvar DB_DIRECTORY is empty");
  const dbEngine = source.string("DB_ENGINE", "sqlite").trim().toLowerCase();
  if (dbEngine !== "sqlite") {
    throw new ConfigError(
      `bad value for envvar DB_ENGINE: '${source.raw("DB_ENGINE")}'. Choose one from: ['sqlite']`,
    );
  }
  const daemonUrlText = source.required("DAEMON_URL");
  const coinName = source.string("COIN", "Bitcoin").trim();
  const netName = source.string("NET", "mainnet").trim();
  const network = coinName.toLowerCase() === "bitcoin" ? findNetwork(netName) : undefined;
  if (!network) {
    throw new ConfigError(`unknown coin ${coinName} and network ${netName} combination`);
  }
  const daemonCookieFile = source.optional("DAEMON_COOKIE_FILE");
  let daemonUrls: string[];
  try {
    daemonUrls = parseDaemonUrls(daemonUrlText, network.rpcPort, {
      allowNoAuth: daemonCookieFile !== undefined,
    });
  } catch (error) {
    if (error instanceof DaemonUrlError) {
      const hint = daemonCookieFile ? "" : " (give user:pass@host, or set DAEMON_COOKIE_FILE)";
      throw new ConfigError(`envvar DAEMON_URL: ${error.message}${hint}`);
    }
    throw error;
  }

  const peerDiscoveryText = source.string("PEER_DISCOVERY", "on").trim().toLowerCase();
  const peerDiscovery = peerDiscoveryText === "off" || peerDiscoveryText === ""
    ? "off"
    : peerDiscoveryText === "self"
    ? "self"
    : "on";
  const peerAnnounce = source.boolean("PEER_ANNOUNCE", true);

  const logLevelText = source.string("LOG_LEVEL", "info").trim().toUpperCase();
  if (!(logLevelText in LOG_LEVELS)) {
    throw new ConfigError(
      `bad value for envvar LOG_LEVEL: '${source.raw("LOG_LEVEL")}'. Choose one from: ${
        Object.keys(LOG_LEVELS).join(", ")
      }`,
    );
  }
  const dropClientText = source.optional("DROP_CLIENT");
  let dropClient: RegExp | undefined;
  if (dropClientText !== undefined) {
    try {
      dropClient = new RegExp(`^(?:${dropClientText})`);
    } catch {
      throw new ConfigError(`cannot parse envvar DROP_CLIENT value ${dropClientText}`);
    }
  }

  const costSoftLimit = source.integer("COST_SOFT_LIMIT", 1000, [0, Number.MAX_SAFE_INTEGER]);
  let costHardLimit = source.integer("COST_HARD_LIMIT", 10000, [0, Number.MAX_SAFE_INTEGER]);
  if (costHardLimit < costSoftLimit) {
    throw new ConfigError(
      `COST_HARD_LIMIT must be >= COST_SOFT_LIMIT. got (COST_HARD_LIMIT=${costHardLimit} and COST_SOFT_LIMIT=${costSoftLimit})`,
    );
  }
  if (costHardLimit === costSoftLimit && costHardLimit > 0) costHardLimit += 1;
  const bandwidthUnitCost = source.integer("BANDWIDTH_UNIT_COST", 5000, [
    1,
    Number.MAX_SAFE_INTEGER,
  ]);

  const services = parseServiceList(source, "SERVICES", peerAnnounce);
  const reportServices = parseServiceList(source, "REPORT_SERVICES", peerAnnounce);
  const needsTls = services.some((s) => s.protocol === "ssl" || s.protocol === "wss");
  const sslCertFile = source.optional("SSL_CERTFILE");
  const sslKeyFile = source.optional("SSL_KEYFILE");
  if (needsTls && sslCertFile === undefined) {
    throw new ConfigError("required envvar SSL_CERTFILE not set");
  }
  if (needsTls && sslKeyFile === undefined) {
    throw new ConfigError("required envvar SSL_KEYFILE not set");
  }

  const torProxyPortText = source.optional("TOR_PROXY_PORT");
  const config: Config = {
    coin: "Bitcoin",
    network,
    dbDirectory,
    dbEngine: "sqlite",
    daemonUrls,
    daemonCookieFile,
    daemonPollBlocksMs: source.integer("DAEMON_POLL_INTERVAL_BLOCKS", 1000, [10, 3_600_000]),
    daemonPollMempoolMs: source.integer("DAEMON_POLL_INTERVAL_MEMPOOL", 5000, [10, 3_600_000]),
    cacheMb: source.integer("CACHE_MB", 1200, [1, 1_000_000]),
    reorgLimit: source.integer("REORG_LIMIT", network.reorgLimit, [1, 1_000_000]),
    services: services.filter((s) => s.protocol !== "rpc"),
    reportServices,
    adminService: adminService(source, services),
    sslCertFile,
    sslKeyFile,
    maxSessions: source.integer("MAX_SESSIONS", 1000, [0, 10_000_000]),
    maxRecv: source.integer("MAX_RECV", 1_000_000, [1, 2 ** 31]),
    maxSend: Math.max(350_000, source.integer("MAX_SEND", 8_100_000, [1, 2 ** 31])),
    costSoftLimit,
    costHardLimit,
    bandwidthUnitCost,
    initialConcurrent: source.integer("INITIAL_CONCURRENT", 10, [1, 1_000_000]),
    requestSleepMs: source.integer("REQUEST_SLEEP", 2500, [0, 3_600_000]),
    requestTimeoutS: source.integer("REQUEST_TIMEOUT", 30, [1, 86_400]),
    sessionTimeoutS: source.integer("SESSION_TIMEOUT", 600, [1, 86_400 * 7]),
    sessionGroupBySubnetIpv4: source.integer("SESSION_GROUP_BY_SUBNET_IPV4", 24, [0, 32]),
    sessionGroupBySubnetIpv6: source.integer("SESSION_GROUP_BY_SUBNET_IPV6", 48, [0, 128]),
    peerDiscovery,
    peerAnnounce,
    forceProxy: source.boolean("FORCE_PROXY", false),
    torProxyHost: source.string("TOR_PROXY_HOST", "localhost"),
    torProxyPort: torProxyPortText === undefined
      ? undefined
      : source.integer("TOR_PROXY_PORT", 0, [1, 65535]),
    blacklistUrl: source.string("BLACKLIST_URL", network.blacklistUrl),
    logLevel: logLevelText as LogLevelName,
    logFormat: source.string("LOG_FORMAT", "%(levelname)s:%(name)s:%(message)s"),
    logSessionsS: source.integer("LOG_SESSIONS", 3600, [0, 86_400 * 365]),
    anonLogs: source.boolean("ANON_LOGS", false),
    donationAddress: source.string("DONATION_ADDRESS", ""),
    bannerFile: source.optional("BANNER_FILE"),
    torBannerFile: source.optional("TOR_BANNER_FILE") ?? source.optional("BANNER_FILE"),
    dropClient,
    allowRoot: source.boolean("ALLOW_ROOT", false),
  };
  return config;
}

function parseServiceList(source: Source, name: string, peerAnnounce: boolean): Service[] {
  const report = name === "REPORT_SERVICES";
  const services: Service[] = [];
  const seen = new Set<string>();
  for (const item of source.string(name, "").split(",")) {
    if (item.trim() === "") continue;
    let service: Service;
    try {
      service = parseService(item.trim(), { defaults: !report });
    } catch (error) {
      if (error instanceof ServiceError) {
        throw new ConfigError(`envvar ${name}: "${item.trim()}" invalid: ${error.message}`);
      }
      throw error;
    }
    const address = `${service.host}:${service.port}`;
    if (seen.has(address)) {
      throw new ConfigError(`envvar ${name}: address ${address} has multiple services`);
    }
    seen.add(address);
    if (!report && service.host.toLowerCase().endsWith(".onion")) {
      throw new ConfigError(`bad host for SERVICES: ${service.url}`);
    }
    if (report) checkReportService(service, peerAnnounce);
    services.push(service);
  }
  return services;
}

function checkReportService(service: Service, peerAnnounce: boolean): void {
  if (service.protocol === "rpc") {
    throw new ConfigError("bad protocol for REPORT_SERVICES: rpc");
  }
  if (service.host.toLowerCase() === "localhost") {
    throw new ConfigError("bad host for REPORT_SERVICES: localhost");
  }
  const host = unbracketedHost(service);
  const ip = parseIp(host);
  if (ip && (isMulticastIp(ip) || isUnspecifiedIp(ip) || (peerAnnounce && isPrivateIp(ip)))) {
    throw new ConfigError(`bad IP address for REPORT_SERVICES: ${host}`);
  }
}

/**
 * The admin listener: an `rpc://` service if given, else RPC_HOST/RPC_PORT, else
 * localhost:8000. Unlike upstream's code, the admin port is always open, as ElectrumX's
 * documentation describes it (docs/compatibility.md).
 */
function adminService(source: Source, services: Service[]): Service {
  const rpc = services.find((s) => s.protocol === "rpc");
  if (rpc) return rpc;
  const host = source.optional("RPC_HOST")?.trim() ?? "localhost";
  const port = source.integer("RPC_PORT", 8000, [1, 65535]);
  try {
    return parseService(
      `rpc://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`,
      {
        defaults: true,
      },
    );
  } catch (error) {
    if (error instanceof ServiceError) {
      throw new ConfigError(`envvar RPC_HOST: "${host}" invalid: ${error.message}`);
    }
    throw error;
  }
}
