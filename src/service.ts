/**
 * Service strings of SERVICES and REPORT_SERVICES: `[protocol://][host][:port]`, as ElectrumX
 * parses them (protocol case-insensitive; host a DNS name, IPv4 or bracketed IPv6 literal).
 */

export type ServiceProtocol = "tcp" | "ssl" | "ws" | "wss" | "rpc";

const PROTOCOLS: readonly ServiceProtocol[] = ["tcp", "ssl", "ws", "wss", "rpc"];

/** A parsed service. `host` is "" for all interfaces; IPv6 hosts keep their brackets. */
export interface Service {
  protocol: ServiceProtocol;
  host: string;
  port: number;
  /** Normalised `protocol://host:port`. */
  url: string;
}

/** Why a service string was refused; the caller adds which item and variable. */
export class ServiceError extends Error {
  override name = "ServiceError";
}

const ADMIN_DEFAULT = { host: "localhost", port: 8000 };
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\[\]:/]*)(?::(\d*))?$/;

/**
 * Parses one service string. With `defaults` (SERVICES), a missing host means all interfaces
 * (`localhost` for rpc) and a missing port is allowed only for rpc (8000); without it
 * (REPORT_SERVICES) protocol, host and port are all required.
 */
export function parseService(text: string, options: { defaults: boolean }): Service {
  const separator = text.indexOf("://");
  if (separator < 0) {
    if (options.defaults && text.toLowerCase() === "rpc") return adminDefault();
    throw new ServiceError(`invalid service string: ${text}`);
  }
  const protocolText = text.slice(0, separator).toLowerCase();
  if (!PROTOCOLS.includes(protocolText as ServiceProtocol)) {
    throw new ServiceError("unknown protocol");
  }
  const protocol = protocolText as ServiceProtocol;
  const address = text.slice(separator + 3);
  const match = HOST_PORT.exec(address);
  if (!match) throw new ServiceError(`invalid address string: ${address}`);
  let host = match[1];
  const portText = match[2];
  if (host === "" && !options.defaults) {
    throw new ServiceError(`invalid address string: ${address}`);
  }
  if (host === "" && protocol === "rpc") host = ADMIN_DEFAULT.host;
  let port: number;
  if (portText === undefined || portText === "") {
    if (!options.defaults || protocol !== "rpc") {
      throw new ServiceError(`invalid address string: ${address}`);
    }
    port = ADMIN_DEFAULT.port;
  } else {
    port = Number(portText);
    if (!(port >= 1 && port <= 65535)) {
      throw new ServiceError(`invalid port in address string: ${address}`);
    }
  }
  return { protocol, host, port, url: `${protocol}://${host}:${port}` };
}

function adminDefault(): Service {
  const { host, port } = ADMIN_DEFAULT;
  return { protocol: "rpc", host, port, url: `rpc://${host}:${port}` };
}

/** The host without the brackets of an IPv6 literal. */
export function unbracketedHost(service: Service): string {
  return service.host.replace(/^\[|\]$/g, "");
}

/** The host to bind: "" (all interfaces) becomes 0.0.0.0; brackets are removed. */
export function bindHost(service: Service): string {
  return service.host === "" ? "0.0.0.0" : unbracketedHost(service);
}
