/**
 * Session groups (docs/sessions.md, "Groups"; the time slices are ElectrumX's documented rule):
 * every session joins the group of the time slice it connected in and, unless its address is
 * private, the group of its IP subnet. Members of a group bear a share of each other's cost
 * ("XCost").
 */
import { formatIp, isPrivateIp, networkOf, parseIp, unmapIpv4 } from "../ip.ts";

/** Seconds per connection time slice (ElectrumX 1.x: `t{n}` groups of 300 s). */
export const TIMESLICE_SECONDS = 300;
/** Weight of a time-slice group: a member bears 3% of the others' cost (ElectrumX 1.x). */
export const TIMESLICE_WEIGHT = 0.03;
/** Weight of a subnet group: a member bears all of the others' cost. */
export const SUBNET_WEIGHT = 1.0;
/** Group of sessions whose remote address is not an IP address. */
export const UNKNOWN_ADDRESS_GROUP = "unknown_addr";

/**
 * The subnet group of a remote host: `165.255.191.0/24`, `2a01:4f8:10a::/48`;
 * `unknown_addr` when the host is not an IP; undefined (no group) for private addresses.
 */
export function subnetGroupName(
  host: string | undefined,
  prefixes: { ipv4: number; ipv6: number },
): string | undefined {
  const parsed = host === undefined ? undefined : parseIp(host);
  if (!parsed) return UNKNOWN_ADDRESS_GROUP;
  const bytes = unmapIpv4(parsed);
  if (isPrivateIp(bytes)) return undefined;
  const prefix = bytes.length === 4 ? prefixes.ipv4 : prefixes.ipv6;
  return `${formatIp(networkOf(bytes, prefix))}/${prefix}`;
}

/** The time-slice group of a session that connected `elapsedSeconds` after server start. */
export function timesliceGroupName(elapsedSeconds: number): string {
  return `t${Math.floor(Math.max(0, elapsedSeconds) / TIMESLICE_SECONDS)}`;
}
