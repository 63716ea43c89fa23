/**
 * Protocol versions: parsing version strings into tuples, comparing them, and the
 * `server.version` negotiation rule (docs/protocol.md, "Version negotiation").
 */
import { PROGRAM_NAME, VERSION } from "../version.ts";
import { pythonInt, pythonStr } from "./python.ts";

/** A protocol version as a tuple of integers: "1.4.2" → [1, 4, 2]. */
export type ProtocolVersion = readonly number[];

/** The oldest protocol version served. */
export const PROTOCOL_MIN: ProtocolVersion = [1, 4];
/** The newest protocol version served (ElectrumX's PROTOCOL_MAX). */
export const PROTOCOL_MAX: ProtocolVersion = [1, 6, 0];

/** Element 0 of the `server.version` result, and `server.features.server_version`. */
export const SERVER_VERSION = `${PROGRAM_NAME} ${VERSION}`;
/** The short version, `$SERVER_VERSION` in banners. */
export const SERVER_SHORT_VERSION = VERSION;

/** Python's tuple comparison: element by element, a shorter prefix sorts first. */
export function compareVersions(a: ProtocolVersion, b: ProtocolVersion): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** `"1.4.2"` → [1, 4, 2]; anything unparsable (or not a string) is version [0]. */
export function parseVersion(text: unknown): ProtocolVersion {
  if (typeof text !== "string") return [0];
  const numbers = text.split(".").map(pythonInt);
  return numbers.every((n) => n !== undefined) ? numbers as number[] : [0];
}

/** A version tuple as a string with at least one dot: [1] → "1.0", [1, 6, 0] → "1.6.0". */
export function versionString(version: ProtocolVersion): string {
  const parts = [...version];
  while (parts.length < 2) parts.push(0);
  return parts.join(".");
}

/** The outcome of negotiation: the version to speak, or why none can be. */
export type Negotiation =
  | { ok: true; version: ProtocolVersion }
  | { ok: false; message: string; clientMin: ProtocolVersion };

/**
 * ElectrumX's rule: the client gives one version (min = max) or `[min, max]`; null means our
 * minimum. Negotiated = min(client max, our max), refused when below max(client min, our min)
 * or when it is version 0.
 */
export function negotiateVersion(requested: unknown): Negotiation {
  let clientMin: ProtocolVersion;
  let clientMax: ProtocolVersion;
  if (requested === null || requested === undefined) {
    clientMin = clientMax = PROTOCOL_MIN;
  } else if (Array.isArray(requested) && requested.length === 2) {
    clientMin = parseVersion(requested[0]);
    clientMax = parseVersion(requested[1]);
  } else {
    clientMin = clientMax = parseVersion(requested);
  }
  const result = compareVersions(clientMax, PROTOCOL_MAX) < 0 ? clientMax : PROTOCOL_MAX;
  const floor = compareVersions(clientMin, PROTOCOL_MIN) > 0 ? clientMin : PROTOCOL_MIN;
  if (compareVersions(result, floor) < 0 || compareVersions(result, [0]) === 0) {
    return {
      ok: false,
      message: `unsupported protocol version: ${pythonStr(requested)}`,
      clientMin,
    };
  }
  return { ok: true, version: result };
}
