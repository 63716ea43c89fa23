/**
 * IP address text and classification: parsing and canonical formatting of IPv4 and IPv6
 * literals, and Python 3.11 `ipaddress` semantics for private and global addresses (which
 * session groups and peer discovery both follow).
 */

/** The 16 bytes of an IPv6 address, or the 4 of an IPv4 one; undefined if not an IP. */
export function parseIp(text: string): Uint8Array | undefined {
  const host = text.replace(/^\[|\]$/g, "");
  return parseIpv4(host) ?? parseIpv6(host);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]) || Number(parts[i]) > 255) return undefined;
    bytes[i] = Number(parts[i]);
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (!text.includes(":")) return undefined;
  let body = text.toLowerCase().replace(/%.*$/, "");
  const bytes = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4Match = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4Match) {
    const v4 = parseIpv4(v4Match[1]);
    if (!v4) return undefined;
    const hex = (v4[0] * 256 + v4[1]).toString(16) + ":" + (v4[2] * 256 + v4[3]).toString(16);
    body = body.slice(0, -v4Match[1].length) + hex;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1].split(":")) : [];
  const groups = halves.length === 2
    ? [...head, ...Array(8 - head.length - tail.length).fill("0"), ...tail]
    : head;
  if (groups.length !== 8 || (halves.length === 2 && head.length + tail.length > 7)) {
    return undefined;
  }
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-f]{1,4}$/.test(groups[i])) return undefined;
    const value = parseInt(groups[i], 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  }
  return bytes;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) as its IPv4 address; others unchanged. */
export function unmapIpv4(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes;
  return bytes.slice(12);
}

/** [network, prefix length] pairs of Python 3.11's `ipaddress` private ranges. */
const PRIVATE_V4: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 29],
  ["192.0.0.170", 31],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["240.0.0.0", 4],
  ["255.255.255.255", 32],
];
const PRIVATE_V6: [string, number][] = [
  ["::1", 128],
  ["::", 128],
  ["::ffff:0:0", 96],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
];

function inNetwork(bytes: Uint8Array, network: Uint8Array, prefix: number): boolean {
  if (bytes.length !== network.length) return false;
  const full = prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== network[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full] & mask) === (network[full] & mask);
}

const PRIVATE_NETWORKS: [Uint8Array, number][] = [...PRIVATE_V4, ...PRIVATE_V6].map((
  [address, prefix],
) => [parseIp(address)!, prefix]);

/** Python 3.11's `ipaddress.ip_address(...).is_private`. */
export function isPrivateIp(bytes: Uint8Array): boolean {
  return PRIVATE_NETWORKS.some(([network, prefix]) => inNetwork(bytes, network, prefix));
}

/** Canonical text of an address: dotted IPv4, or RFC 5952 compressed lower-case IPv6. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes[i] * 256 + bytes[i + 1]);
  // The longest run of two or more zero groups (the first on ties) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

/** The network address of `bytes` under `prefix` bits. */
export function networkOf(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = bytes[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** Python 3.11's `is_global`: not private (and, for IPv4, not shared space 100.64/10). */
export function isGlobalIp(bytes: Uint8Array): boolean {
  return !isPrivateIp(bytes) && !inNetwork(bytes, SHARED_ADDRESS_SPACE, 10);
}

const SHARED_ADDRESS_SPACE = parseIp("100.64.0.0")!;
const MULTICAST: [Uint8Array, number][] = [[parseIp("224.0.0.0")!, 4], [parseIp("ff00::")!, 8]];

/** Multicast (224/4, ff00::/8). */
export function isMulticastIp(bytes: Uint8Array): boolean {
  return MULTICAST.some(([network, prefix]) => inNetwork(bytes, network, prefix));
}

/** The unspecified address (0.0.0.0 or ::). */
export function isUnspecifiedIp(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0);
}
