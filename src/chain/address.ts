/**
 * Addresses to output scripts and back: Base58Check P2PKH and P2SH, and bech32/bech32m segwit
 * addresses of every witness version. The server needs this only for addresses an operator
 * types; the index itself works on scripts.
 */
import { base58CheckDecode, base58CheckEncode } from "./base58.ts";
import { bech32Decode, decodeSegwitAddress, encodeSegwitAddress } from "./bech32.ts";
import { DecodeError } from "./bytes.ts";
import { type Network, NETWORKS } from "./networks.ts";
import {
  classifyScript,
  p2pkhScript,
  p2shScript,
  witnessProgramOf,
  witnessScript,
} from "./script.ts";

/** An address that cannot be turned into a script on the network in use; the message says why. */
export class AddressError extends Error {
  override name = "AddressError";
}

const ALL_NETWORKS: readonly Network[] = Object.values(NETWORKS);
const KNOWN_HRPS: ReadonlySet<string> = new Set(ALL_NETWORKS.map((network) => network.bech32Hrp));
/** Version byte followed by a 20-byte HASH160. */
const BASE58_PAYLOAD_LENGTH = 21;

/** The error for an address of the networks `owners` used on `network`. */
function otherNetworkError(address: string, network: Network, owners: Network[]): AddressError {
  const names = owners.map((owner) => owner.name).join(", ");
  return new AddressError(
    `address ${address} belongs to another network (${names}), not ${network.name}`,
  );
}

/** `decode(address)`, with a DecodeError turned into an AddressError naming the address. */
function decodeOrThrow<T>(address: string, decode: (text: string) => T): T {
  try {
    return decode(address);
  } catch (error) {
    if (error instanceof DecodeError) {
      throw new AddressError(`invalid address ${address}: ${error.message}`);
    }
    throw error;
  }
}

/** Lower-cased text before the last "1": the hrp, if `address` is a segwit address. */
function humanReadablePart(address: string): string | undefined {
  const separator = address.lastIndexOf("1");
  return separator > 0 ? address.slice(0, separator).toLowerCase() : undefined;
}

/** Whether `text` is a well-formed bech32 or bech32m string, whatever its hrp. */
function isBech32(text: string): boolean {
  try {
    bech32Decode(text);
    return true;
  } catch {
    return false;
  }
}

/** The script of a segwit address, which must carry `network`'s hrp. */
function segwitAddressToScript(address: string, network: Network): Uint8Array {
  const { hrp, version, program } = decodeOrThrow(address, decodeSegwitAddress);
  if (hrp !== network.bech32Hrp) {
    throw otherNetworkError(address, network, ALL_NETWORKS.filter((n) => n.bech32Hrp === hrp));
  }
  return witnessScript(version, program);
}

/** The script of a Base58Check address, whose version byte must be one of `network`'s. */
function base58AddressToScript(address: string, network: Network): Uint8Array {
  const payload = decodeOrThrow(address, base58CheckDecode);
  if (payload.length !== BASE58_PAYLOAD_LENGTH) {
    throw new AddressError(
      `invalid address ${address}: it holds ${payload.length} bytes, an address holds ` +
        `${BASE58_PAYLOAD_LENGTH} (a version byte and a 20-byte hash)`,
    );
  }
  const version = payload[0];
  const hash = payload.subarray(1);
  if (version === network.p2pkhPrefix) return p2pkhScript(hash);
  if (version === network.p2shPrefix) return p2shScript(hash);
  const owners = ALL_NETWORKS.filter((n) => n.p2pkhPrefix === version || n.p2shPrefix === version);
  if (owners.length > 0) throw otherNetworkError(address, network, owners);
  throw new AddressError(
    `invalid address ${address}: unknown version byte ${hexByte(version)} (${network.name} ` +
      `uses ${hexByte(network.p2pkhPrefix)} for P2PKH and ${hexByte(network.p2shPrefix)} ` +
      `for P2SH)`,
  );
}

/** `0x6f`-style text of a byte. */
function hexByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/**
 * The output script an address of `network` pays to. Accepts Base58Check P2PKH and P2SH
 * addresses and segwit addresses of witness versions 0 to 16; throws AddressError saying
 * what is wrong otherwise (bad checksum, bad length, another network's address, unknown
 * prefix…).
 */
export function addressToScript(address: string, network: Network): Uint8Array {
  if (address.length === 0) throw new AddressError("address is empty");
  const hrp = humanReadablePart(address);
  if (hrp !== undefined && KNOWN_HRPS.has(hrp)) return segwitAddressToScript(address, network);
  if (hrp !== undefined && isBech32(address)) {
    throw new AddressError(
      `address ${address} has unknown prefix "${hrp}1": ${network.name} segwit addresses start ` +
        `with "${network.bech32Hrp}1"`,
    );
  }
  return base58AddressToScript(address, network);
}

/**
 * The address `script` pays to on `network`; undefined for scripts that have none (P2PK,
 * bare multisig, OP_RETURN, non-standard).
 */
export function scriptToAddress(script: Uint8Array, network: Network): string | undefined {
  const type = classifyScript(script);
  if (type === "p2pkh") {
    return base58CheckEncode(Uint8Array.of(network.p2pkhPrefix, ...script.subarray(3, 23)));
  }
  if (type === "p2sh") {
    return base58CheckEncode(Uint8Array.of(network.p2shPrefix, ...script.subarray(2, 22)));
  }
  const witness = witnessProgramOf(script);
  // A v0 program of another length than 20 or 32 bytes is non-standard and has no address.
  if (witness === undefined || type === "nonstandard") return undefined;
  return encodeSegwitAddress({ hrp: network.bech32Hrp, ...witness });
}
