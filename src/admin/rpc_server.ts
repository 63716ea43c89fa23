/**
 * LocalRPC sessions: each admin connection is an ordinary session of the session manager (kind
 * `R`, client and protocol `RPC`, listed by `sessions`, counted by `getinfo` and
 * `MAX_SESSIONS`), with admin cost limits, no response size limit and no request timeout. The
 * methods are the admin commands; parameters may be named or positional, and arity and name
 * errors use aiorpcX's exact messages, as ElectrumX's clients see them.
 */
import { ErrorCode, RpcError, unknownMethod } from "../electrum/errors.ts";
import type { Request } from "../electrum/framing.ts";
import { Session, type SessionOptions } from "../electrum/session.ts";

/** A command failed with a message for the operator (JSON-RPC error code 1). */
export class AdminCommandError extends Error {
  override name = "AdminCommandError";
}

/** One parameter of an admin method. */
export interface ParamSpec {
  name: string;
  /** Value used when the caller leaves the parameter out; required when undefined. */
  default?: unknown;
}

/** A method the admin server answers. */
export interface AdminMethod {
  params: ParamSpec[];
  run(args: Record<string, unknown>, connection: AdminConnectionInfo): unknown | Promise<unknown>;
}

/** What a handler may know about the connection it serves. */
export interface AdminConnectionInfo {
  /** Remote address as `ip:port`. */
  peer: string;
}

function invalidArgs(message: string): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGS, message);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Binds positional or named parameters to a method's spec, with aiorpcX's error texts. */
export function bindParams(
  method: string,
  spec: ParamSpec[],
  params: unknown,
): Record<string, unknown> {
  const required = spec.filter((p) => p.default === undefined);
  const args: Record<string, unknown> = {};
  if (params === undefined || params === null) params = [];
  if (Array.isArray(params)) {
    if (params.length < required.length) {
      throw invalidArgs(
        `${
          plural(params.length, "argument")
        } passed to method "${method}" but it requires ${required.length}`,
      );
    }
    if (params.length > spec.length) {
      throw invalidArgs(
        `${
          plural(params.length, "argument")
        } passed to method ${method} taking at most ${spec.length}`,
      );
    }
    spec.forEach((
      p,
      i,
    ) => (args[p.name] = i < params.length ? (params as unknown[])[i] : p.default));
    return args;
  }
  if (typeof params !== "object") {
    throw invalidArgs("invalid request arguments");
  }
  const given = params as Record<string, unknown>;
  const missing = required.filter((p) => !(p.name in given)).map((p) => p.name).sort();
  if (missing.length > 0) {
    throw invalidArgs(
      `method "${method}" requires ${missing.length === 1 ? "parameter" : "parameters"} ${
        missing.map((n) => `"${n}"`).join(", ")
      }`,
    );
  }
  const known = new Set(spec.map((p) => p.name));
  const extra = Object.keys(given).filter((name) => !known.has(name)).sort();
  if (extra.length > 0) {
    throw invalidArgs(
      `method "${method}" does not take ${extra.length === 1 ? "parameter" : "parameters"} ${
        extra.map((n) => `"${n}"`).join(", ")
      }`,
    );
  }
  for (const p of spec) args[p.name] = p.name in given ? given[p.name] : p.default;
  return args;
}

/** An admin connection's session. */
export class AdminSession extends Session {
  constructor(options: SessionOptions, readonly methods: Map<string, AdminMethod>) {
    super(options);
  }

  protected override async dispatch(request: Request): Promise<unknown> {
    const method = this.methods.get(request.method);
    this.countMethod(method ? request.method : "invalid method");
    if (!method) throw unknownMethod(request.method);
    const args = bindParams(request.method, method.params, request.params);
    try {
      return await method.run(args, { peer: this.remoteAddressString() });
    } catch (error) {
      if (error instanceof AdminCommandError) {
        throw new RpcError(ErrorCode.BAD_REQUEST, error.message);
      }
      throw error;
    }
  }
}
