/**
 * JSON-RPC and Electrum error codes, and the error a handler throws to answer a request with
 * an error object (docs/protocol.md, "Error codes").
 */
import { pythonRepr, pythonStr } from "./python.ts";

/** JSON-RPC 2.0 and Electrum error codes. */
export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_ARGS: -32602,
  INTERNAL_ERROR: -32603,
  EXCESSIVE_RESOURCE_USAGE: -101,
  SERVER_BUSY: -102,
  BAD_REQUEST: 1,
  DAEMON_ERROR: 2,
  HISTORY_TOO_LARGE: 10001,
} as const;

/** Options of an {@link RpcError}. */
export interface RpcErrorOptions {
  /**
   * Whether the error is the client's fault: an ill-formed request or one that breaks the
   * protocol. Those count towards the session's error limit (10, ElectrumX's documented rule);
   * answers like "daemon error" or "no such tx in that block" do not. Default true.
   */
  counts?: boolean;
  /** Cost charged on top of the base error cost (docs/sessions.md, "What costs"). */
  extraCost?: number;
  /** Close the session once the answer is sent. */
  disconnect?: boolean;
}

/** An error answer to a request: `{"code": code, "message": message}`. */
export class RpcError extends Error {
  override name = "RpcError";
  readonly counts: boolean;
  readonly extraCost: number;
  readonly disconnect: boolean;

  constructor(readonly code: number, message: string, options: RpcErrorOptions = {}) {
    super(message);
    this.counts = options.counts ?? true;
    this.extraCost = options.extraCost ?? 0;
    this.disconnect = options.disconnect ?? false;
  }

  /** The JSON-RPC error object. */
  toJSON(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Error 1 (BAD_REQUEST): an argument a handler refuses; counted against the client. */
export function badRequest(message: string): RpcError {
  return new RpcError(ErrorCode.BAD_REQUEST, message);
}

/**
 * Error 1 for a well-formed question whose answer is "no such thing" (a height beyond the
 * tip, a tx not in that block): a wallet racing a new block asks these honestly, so they are
 * not counted towards the error limit.
 */
export function notFound(message: string): RpcError {
  return new RpcError(ErrorCode.BAD_REQUEST, message, { counts: false });
}

/** Error 1, after which the session is closed (bad version, dropped client, no version). */
export function replyAndDisconnect(message: string): RpcError {
  return new RpcError(ErrorCode.BAD_REQUEST, message, { counts: false, disconnect: true });
}

/** -32602 with one of aiorpcX's argument messages. */
export function invalidArgs(message: string): RpcError {
  return new RpcError(ErrorCode.INVALID_ARGS, message);
}

/** -32600. */
export function invalidRequest(message: string): RpcError {
  return new RpcError(ErrorCode.INVALID_REQUEST, message);
}

/** -32601 `unknown method "NAME"`. */
export function unknownMethod(method: string): RpcError {
  return new RpcError(ErrorCode.METHOD_NOT_FOUND, `unknown method "${method}"`);
}

/**
 * Error 2 for a failed bitcoind call, worded as ElectrumX's
 * `daemon error: DaemonError({'code': -5, 'message': '...'})`.
 */
export function daemonError(code: number, message: string): RpcError {
  return new RpcError(
    ErrorCode.DAEMON_ERROR,
    `daemon error: DaemonError({'code': ${code}, 'message': ${pythonRepr(message)}})`,
    { counts: false },
  );
}

/** `internal server error` (-32603): an unexpected exception in a handler. */
export function internalError(): RpcError {
  return new RpcError(ErrorCode.INTERNAL_ERROR, "internal server error", { counts: false });
}

/** `{value} should be ...` style messages use Python's str() of the value. */
export function describe(value: unknown): string {
  return pythonStr(value);
}
