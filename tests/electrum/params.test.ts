/**
 * Argument binding and validation: aiorpcX's -32602 messages for every method's parameter
 * list, ElectrumX's value validators, and each method's own checks, run against a context
 * that fails if touched (so validation provably happens before any work).
 */
import assert from "node:assert/strict";
import { RpcError } from "../../src/electrum/errors.ts";
import { findMethod, METHODS, type MethodSession } from "../../src/electrum/methods.ts";
import {
  assertBoolean,
  assertHexString,
  assertTxHash,
  bindArguments,
  nonNegativeInteger,
  scriptHashToHashXHex,
} from "../../src/electrum/params.ts";
import { PROTOCOL_MAX } from "../../src/electrum/protocol.ts";

function rpcError(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RpcError, String(error));
    return [error.code, error.message];
  }
  throw new Error("no error thrown");
}

Deno.test("bindArguments: positional and named, aiorpcX's messages", () => {
  const sig = { names: ["height", "cp_height"], required: 1 };
  assert.deepEqual(bindArguments("m", sig, [5]), [5, undefined]);
  assert.deepEqual(bindArguments("m", sig, [5, 6]), [5, 6]);
  assert.deepEqual(bindArguments("m", sig, { cp_height: 2, height: 1 }), [1, 2]);
  assert.deepEqual(rpcError(() => bindArguments("m", sig, [])), [
    -32602,
    '0 arguments passed to method "m" but it requires 1',
  ]);
  assert.deepEqual(rpcError(() => bindArguments("m", { names: ["a", "b"], required: 2 }, [1])), [
    -32602,
    '1 argument passed to method "m" but it requires 2',
  ]);
  assert.deepEqual(rpcError(() => bindArguments("m", sig, [1, 2, 3])), [
    -32602,
    "3 arguments passed to method m taking at most 2",
  ]);
  assert.deepEqual(rpcError(() => bindArguments("m", { names: [], required: 0 }, [1])), [
    -32602,
    "1 argument passed to method m taking at most 0",
  ]);
  assert.deepEqual(rpcError(() => bindArguments("m", sig, {})), [
    -32602,
    'method "m" requires parameter "height"',
  ]);
  assert.deepEqual(rpcError(() => bindArguments("m", { names: ["b", "a"], required: 2 }, {})), [
    -32602,
    'method "m" requires parameters "a", "b"',
  ]);
  assert.deepEqual(rpcError(() => bindArguments("m", sig, { height: 1, zed: 1, abc: 2 })), [
    -32602,
    'method "m" does not take parameters "abc", "zed"',
  ]);
  const loose = { names: ["client_name", "protocol_version"], required: 0, ignoresExtra: true };
  assert.deepEqual(bindArguments("v", loose, ["a", "1.4", "x", "y"]), ["a", "1.4"]);
  assert.deepEqual(bindArguments("v", loose, { other: 1 }), [undefined, undefined]);
});

Deno.test("value validators", () => {
  assert.equal(nonNegativeInteger(5), 5);
  assert.equal(nonNegativeInteger(5.9), 5);
  assert.equal(nonNegativeInteger("12"), 12);
  assert.equal(nonNegativeInteger(" 7 "), 7);
  assert.equal(nonNegativeInteger(true), 1);
  assert.equal(nonNegativeInteger(-0.5), 0);
  for (
    const [value, text] of [
      [-1, "-1"],
      [-1.5, "-1"],
      ["x", "x"],
      ["1.5", "1.5"],
      [null, "None"],
      [[1], "[1]"],
      [{ a: 1 }, "{'a': 1}"],
      ["-3", "-3"],
    ] as const
  ) {
    assert.deepEqual(rpcError(() => nonNegativeInteger(value)), [
      1,
      `${text} should be a non-negative integer`,
    ]);
  }
  const hash = "ab".repeat(32);
  assert.equal(assertTxHash(hash), hash);
  assert.equal(assertTxHash(hash.toUpperCase()), hash.toUpperCase());
  for (
    const [value, text] of [["ab", "ab"], [5, "5"], [null, "None"], [
      "zz".repeat(32),
      "zz".repeat(32),
    ]] as const
  ) {
    assert.deepEqual(rpcError(() => assertTxHash(value)), [
      1,
      `${text} should be a transaction hash`,
    ]);
  }
  // The hashX is the first 11 bytes of the reversed (digest-order) hash.
  const sh = "8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161";
  assert.equal(scriptHashToHashXHex(sh), "6191c3b590bfcfa0475e87");
  assert.equal(scriptHashToHashXHex(sh.toUpperCase()), "6191c3b590bfcfa0475e87");
  for (const [value, text] of [["00", "00"], [7, "7"], [["a"], "['a']"], [null, "None"]] as const) {
    assert.deepEqual(rpcError(() => scriptHashToHashXHex(value)), [
      1,
      `${text} is not a valid script hash`,
    ]);
  }
  assert.equal(assertHexString(""), "");
  assert.equal(assertHexString("00ff"), "00ff");
  for (const value of ["abc", "zz", 5]) {
    assert.deepEqual(rpcError(() => assertHexString(value)), [
      1,
      `${value} should be a hex string`,
    ]);
  }
  assert.equal(assertBoolean(true, "verbose"), true);
  assert.equal(assertBoolean(0, "verbose"), false);
  assert.equal(assertBoolean(1, "merkle"), true);
  for (const value of ["true", 2, null, []]) {
    assert.deepEqual(rpcError(() => assertBoolean(value, "merkle")), [
      1,
      '"merkle" must be a boolean',
    ]);
  }
});

/** A context whose every use throws this, proving validation came first. */
const TOUCHED = new Error("context touched");
const untouchable = new Proxy({}, {
  get() {
    throw TOUCHED;
  },
});

function stubSession(): MethodSession & { cost: number } {
  return {
    id: 1,
    protocol: PROTOCOL_MAX,
    clientName: "test",
    versionSeen: true,
    headersSubscribed: false,
    txsSent: 0,
    subscriptions: new Map(),
    cost: 0,
    bumpCost(delta: number) {
      this.cost += delta;
    },
    negotiationDone() {},
  };
}

/** Runs a method's handler with `args`: "ok" if it got past validation, else the error. */
async function validate(method: string, args: unknown[]): Promise<"ok" | [number, string]> {
  const spec = METHODS.get(method)!;
  const bound = bindArguments(method, spec.signature, args);
  try {
    // deno-lint-ignore no-explicit-any
    await spec.run(untouchable as any, stubSession(), bound);
  } catch (error) {
    if (error === TOUCHED) return "ok";
    // Daemon calls map any failure to error 2, this one included.
    if (error instanceof RpcError && error.message.endsWith(TOUCHED.message)) return "ok";
    assert.ok(error instanceof RpcError, `${method}: ${error}`);
    return [error.code, error.message];
  }
  return "ok";
}

Deno.test("each method validates its arguments before doing any work", async () => {
  const hash = "11".repeat(32);
  const cases: [string, unknown[], "ok" | string][] = [
    ["blockchain.block.header", ["x"], "x should be a non-negative integer"],
    ["blockchain.block.header", [-1], "-1 should be a non-negative integer"],
    ["blockchain.block.header", [null], "None should be a non-negative integer"],
    ["blockchain.block.header", [1, "a"], "a should be a non-negative integer"],
    ["blockchain.block.header", [1, null], "None should be a non-negative integer"],
    ["blockchain.block.header", ["5", 7], "ok"],
    ["blockchain.block.headers", ["a", 1], "a should be a non-negative integer"],
    ["blockchain.block.headers", [0, "x"], "x should be a non-negative integer"],
    ["blockchain.block.headers", [0, 1, -3], "-3 should be a non-negative integer"],
    ["blockchain.block.headers", [1.7, 2], "ok"],
    ["blockchain.estimatefee", ["x"], "x should be a non-negative integer"],
    ["blockchain.estimatefee", [2, "fast"], "unknown estimatefee mode: FAST"],
    ["blockchain.estimatefee", [2, "Conservative"], "ok"],
    ["blockchain.estimatefee", [2, 5], "ok"],
    ["blockchain.transaction.broadcast", ["zz"], "zz should be a hex string"],
    ["blockchain.transaction.broadcast", ["abc"], "abc should be a hex string"],
    ["blockchain.transaction.broadcast", [5], "5 should be a hex string"],
    ["blockchain.transaction.broadcast", ["00"], "ok"],
    ["blockchain.transaction.broadcast_package", ["x"], "x should be a list"],
    ["blockchain.transaction.broadcast_package", [["zz"]], "zz should be a hex string"],
    ["blockchain.transaction.broadcast_package", [[], "yes"], '"verbose" must be a boolean'],
    ["blockchain.transaction.broadcast_package", [["00"], true], "ok"],
    ["blockchain.transaction.get", ["x"], "x should be a transaction hash"],
    ["blockchain.transaction.get", [hash, "yes"], '"verbose" must be a boolean'],
    ["blockchain.transaction.get", [hash, 2], '"verbose" must be a boolean'],
    ["blockchain.transaction.get", [hash, null], '"verbose" must be a boolean'],
    ["blockchain.transaction.get", [hash, 1], "ok"],
    ["blockchain.transaction.get_merkle", ["x", 1], "x should be a transaction hash"],
    ["blockchain.transaction.get_merkle", [hash, "h"], "h should be a non-negative integer"],
    ["blockchain.transaction.get_merkle", [hash, 3], "ok"],
    ["blockchain.transaction.id_from_pos", ["h", "p"], "p should be a non-negative integer"],
    ["blockchain.transaction.id_from_pos", ["h", 1], "h should be a non-negative integer"],
    ["blockchain.transaction.id_from_pos", [1, 1, "yes"], '"merkle" must be a boolean'],
    ["blockchain.transaction.id_from_pos", [1, 1, true], "ok"],
  ];
  for (
    const method of [
      "get_balance",
      "get_history",
      "get_mempool",
      "listunspent",
      "subscribe",
      "unsubscribe",
    ]
  ) {
    const name = `blockchain.scripthash.${method}`;
    cases.push([name, ["xyz"], "xyz is not a valid script hash"]);
    cases.push([name, [5], "5 is not a valid script hash"]);
    cases.push([name, [null], "None is not a valid script hash"]);
    cases.push([name, ["00".repeat(31)], `${"00".repeat(31)} is not a valid script hash`]);
    cases.push([name, ["00".repeat(32)], "ok"]);
  }
  for (const [method, args, expected] of cases) {
    const outcome = await validate(method, args);
    if (expected === "ok") assert.equal(outcome, "ok", `${method} ${JSON.stringify(args)}`);
    else assert.deepEqual(outcome, [1, expected], `${method} ${JSON.stringify(args)}`);
  }
});

Deno.test("every method refuses too many or too few positional arguments", () => {
  for (const [name, spec] of METHODS) {
    const { names, required, ignoresExtra } = spec.signature;
    if (!ignoresExtra) {
      const n = names.length + 1;
      assert.deepEqual(rpcError(() => bindArguments(name, spec.signature, Array(n).fill(0))), [
        -32602,
        `${n} argument${
          n === 1 ? "" : "s"
        } passed to method ${name} taking at most ${names.length}`,
      ]);
    }
    if (required > 0) {
      assert.deepEqual(rpcError(() => bindArguments(name, spec.signature, [])), [
        -32602,
        `0 arguments passed to method "${name}" but it requires ${required}`,
      ]);
    }
  }
});

Deno.test("method availability by protocol version", () => {
  const has = (name: string, version: number[]) => findMethod(name, version) !== undefined;
  assert.equal(has("blockchain.relayfee", [1, 4]), true);
  assert.equal(has("blockchain.relayfee", [1, 5]), true);
  assert.equal(has("blockchain.relayfee", [1, 6]), false);
  assert.equal(has("blockchain.relayfee", [1, 6, 0]), false);
  assert.equal(has("blockchain.scripthash.unsubscribe", [1, 4, 1]), false);
  assert.equal(has("blockchain.scripthash.unsubscribe", [1, 4, 2]), true);
  assert.equal(has("blockchain.scripthash.unsubscribe", [1, 5]), true);
  assert.equal(has("blockchain.transaction.broadcast_package", [1, 5]), false);
  assert.equal(has("blockchain.transaction.broadcast_package", [1, 6]), true);
  assert.equal(has("mempool.get_info", [1, 4, 2]), false);
  assert.equal(has("mempool.get_info", [1, 6, 0]), true);
  assert.equal(has("blockchain.address.get_balance", [1, 4]), false);
  assert.equal(METHODS.size, 25);
});
