/**
 * Arguments of Electrum methods: binding positional or named params to a method's parameter
 * list with aiorpcX's -32602 messages, and ElectrumX's value validators (error code 1, the
 * value printed as Python would print it).
 */
import { isHex } from "../chain/bytes.ts";
import { HASHX_LENGTH } from "../chain/script.ts";
import { badRequest, describe, invalidArgs } from "./errors.ts";

/** A method's parameter list. */
export interface Signature {
  /** Parameter names, in positional order. */
  names: readonly string[];
  /** How many leading parameters are required. */
  required: number;
  /** Extra positional and named arguments are accepted and ignored (server.version). */
  ignoresExtra?: boolean;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : word + "s";
}

/**
 * Binds `params` to `signature`: an array as long as `names`, missing optional arguments
 * undefined. Throws -32602 as aiorpcX words it.
 */
export function bindArguments(
  method: string,
  signature: Signature,
  params: unknown[] | Record<string, unknown>,
): unknown[] {
  const { names, required } = signature;
  if (Array.isArray(params)) {
    const n = params.length;
    if (n < required) {
      throw invalidArgs(
        `${n} ${plural(n, "argument")} passed to method "${method}" but it requires ${required}`,
      );
    }
    if (!signature.ignoresExtra && n > names.length) {
      throw invalidArgs(
        `${n} ${plural(n, "argument")} passed to method ${method} taking at most ${names.length}`,
      );
    }
    const args = params.slice(0, names.length);
    while (args.length < names.length) args.push(undefined);
    return args;
  }
  const missing = names.slice(0, required).filter((name) => !(name in params)).sort();
  if (missing.length > 0) {
    throw invalidArgs(
      `method "${method}" requires ${plural(missing.length, "parameter")} ${quoteList(missing)}`,
    );
  }
  if (!signature.ignoresExtra) {
    const unexpected = Object.keys(params).filter((name) => !names.includes(name)).sort();
    if (unexpected.length > 0) {
      throw invalidArgs(
        `method "${method}" does not take ${plural(unexpected.length, "parameter")} ${
          quoteList(unexpected)
        }`,
      );
    }
  }
  return names.map((name) => (name in params ? params[name] : undefined));
}

function quoteList(names: string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}

/**
 * ElectrumX's `non_negative_integer`: Python's int() of the value (integers, truncated floats,
 * numeric strings, booleans) when it is >= 0; else error 1 `{value} should be a
 * non-negative integer`, with the converted value when conversion worked.
 */
export function nonNegativeInteger(value: unknown): number {
  let converted: number | undefined;
  if (typeof value === "number" && Number.isFinite(value)) converted = Math.trunc(value);
  else if (typeof value === "boolean") converted = value ? 1 : 0;
  else if (typeof value === "string" && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) {
    converted = Number(value.trim().replaceAll("_", ""));
  }
  if (converted !== undefined && converted >= 0) return converted === 0 ? 0 : converted;
  throw badRequest(`${describe(converted ?? value)} should be a non-negative integer`);
}

/** A hex string of exactly 32 bytes; error 1 `{value} should be a transaction hash`. */
export function assertTxHash(value: unknown): string {
  if (typeof value === "string" && value.length === 64 && isHex(value)) return value;
  throw badRequest(`${describe(value)} should be a transaction hash`);
}

/**
 * The hashX (hex) of an Electrum script hash: the reversed 32-byte hash's first 11 bytes.
 * Error 1 `{value} is not a valid script hash`.
 */
export function scriptHashToHashXHex(value: unknown): string {
  if (typeof value === "string" && value.length === 64 && isHex(value)) {
    let out = "";
    for (let i = 62; i >= 64 - 2 * HASHX_LENGTH; i -= 2) out += value.slice(i, i + 2);
    return out.toLowerCase();
  }
  throw badRequest(`${describe(value)} is not a valid script hash`);
}

/** An even-length hex string (`""` included); error 1 `{value} should be a hex string`. */
export function assertHexString(value: unknown): string {
  if (typeof value === "string" && isHex(value)) return value;
  throw badRequest(`${describe(value)} should be a hex string`);
}

/**
 * Python's `value in (True, False)`: booleans, and the numbers 0 and 1 (which compare equal
 * to them). Error 1 `"{name}" must be a boolean`.
 */
export function assertBoolean(value: unknown, name: string): boolean {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  throw badRequest(`"${name}" must be a boolean`);
}
