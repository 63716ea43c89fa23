/**
 * DAEMON_URL handling, as ElectrumX does it: each comma-separated entry is trimmed and
 * normalised to `http://user:pass@host:port/`, filling in the network's RPC port. Unlike
 * ElectrumX, credentials may be left out when a cookie file is configured.
 */

/** Raised for a DAEMON_URL entry that cannot be used. */
export class DaemonUrlError extends Error {
  override name = "DaemonUrlError";
}

/** A daemon endpoint with its credentials separated out (fetch refuses URLs with them). */
export interface DaemonEndpoint {
  /** The normalised URL as configured, credentials included. */
  url: string;
  /** The URL without credentials, used for requests. */
  endpoint: string;
  /** What logs and `getinfo` show: the part after the credentials, e.g. `127.0.0.1:8332/`. */
  display: string;
  user?: string;
  password?: string;
}

const WITH_AUTH = /^(?:https?:\/\/)?[^@]+@(\[[0-9a-fA-F:]+\]|[^:/@\[\]]+)(:[0-9]+)?$/;
const WITHOUT_AUTH = /^(?:https?:\/\/)?(\[[0-9a-fA-F:]+\]|[^:/@\[\]]+)(:[0-9]+)?$/;

/**
 * Normalises one entry. Without `allowNoAuth` a `user:pass@` part is required (ElectrumX's rule).
 */
export function normalizeDaemonUrl(
  raw: string,
  defaultPort: number,
  options: { allowNoAuth?: boolean } = {},
): string {
  const url = raw.trim().replace(/\/+$/, "");
  const match = WITH_AUTH.exec(url) ?? (options.allowNoAuth ? WITHOUT_AUTH.exec(url) : null);
  if (!match) throw new DaemonUrlError(`invalid daemon URL: "${raw}"`);
  let normalized = match[2] ? url : `${url}:${defaultPort}`;
  if (!/^https?:\/\//.test(normalized)) normalized = `http://${normalized}`;
  const port = Number((match[2] ?? `:${defaultPort}`).slice(1));
  if (!(port >= 1 && port <= 65535)) throw new DaemonUrlError(`invalid daemon URL: "${raw}"`);
  return `${normalized}/`;
}

/** Splits a comma-separated DAEMON_URL into normalised URLs (empty entries ignored). */
export function parseDaemonUrls(
  value: string,
  defaultPort: number,
  options: { allowNoAuth?: boolean } = {},
): string[] {
  const urls = value.split(",").filter((part) => part.trim() !== "").map((part) =>
    normalizeDaemonUrl(part, defaultPort, options)
  );
  if (urls.length === 0) throw new DaemonUrlError(`invalid daemon URL: "${value}"`);
  return urls;
}

/** Splits a normalised URL into endpoint and credentials. */
export function daemonEndpoint(url: string): DaemonEndpoint {
  const scheme = url.startsWith("https://") ? "https://" : "http://";
  const rest = url.slice(scheme.length);
  const at = rest.lastIndexOf("@");
  const display = at >= 0 ? rest.slice(at + 1) : rest;
  const endpoint: DaemonEndpoint = { url, endpoint: scheme + display, display };
  if (at >= 0) {
    const credentials = rest.slice(0, at);
    const colon = credentials.indexOf(":");
    endpoint.user = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : credentials);
    endpoint.password = decodeURIComponent(colon >= 0 ? credentials.slice(colon + 1) : "");
  }
  return endpoint;
}
