/**
 * The peer blacklist (docs/peers.md, "Blacklist"): a JSON array of host names, `*.domain`
 * wildcards and IP addresses fetched from BLACKLIST_URL. A failed fetch keeps the previous list.
 */
import type { Peer } from "./peer.ts";

/** Longest a blacklist fetch may take. */
const FETCH_TIMEOUT_MS = 30_000;

/** The current blacklist. */
export class Blacklist {
  #entries = new Set<string>();

  get size(): number {
    return this.#entries.size;
  }

  /** Fetches `url` and replaces the list; throws (keeping the old list) on any failure. */
  async refresh(url: string): Promise<void> {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} ${response.statusText}`);
    }
    const list: unknown = await response.json();
    if (!Array.isArray(list) || !list.every((entry) => typeof entry === "string")) {
      throw new Error("not a JSON array of strings");
    }
    this.#entries = new Set(list.map((entry) => entry.toLowerCase()));
  }

  /** Its host, `*.` + its last two host labels, or its IP address is listed. */
  has(peer: Peer): boolean {
    const host = peer.host.toLowerCase();
    const domain = "*." + host.split(".").slice(-2).join(".");
    return this.#entries.has(host) || this.#entries.has(domain) ||
      (peer.ipAddr !== null && this.#entries.has(peer.ipAddr));
  }
}
