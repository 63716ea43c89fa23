/**
 * The LocalRPC listener: newline-delimited JSON-RPC 2.0 over plain TCP on a loopback address
 * (unless the operator names another), open from process start. Parameters may be named or
 * positional; arity and name errors use aiorpcX's exact messages, as ElectrumX's clients see
 * them.
 */
import type { Logger } from "../log.ts";
import { bindHost, type Service } from "../service.ts";

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

interface JsonRpcError {
  code: number;
  message: string;
}

class RpcFailure extends Error {
  constructor(readonly error: JsonRpcError) {
    super(error.message);
  }
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
      throw new RpcFailure({
        code: -32602,
        message: `${
          plural(params.length, "argument")
        } passed to method "${method}" but it requires ${required.length}`,
      });
    }
    if (params.length > spec.length) {
      throw new RpcFailure({
        code: -32602,
        message: `${
          plural(params.length, "argument")
        } passed to method ${method} taking at most ${spec.length}`,
      });
    }
    spec.forEach((
      p,
      i,
    ) => (args[p.name] = i < params.length ? (params as unknown[])[i] : p.default));
    return args;
  }
  if (typeof params !== "object") {
    throw new RpcFailure({ code: -32602, message: "invalid request arguments" });
  }
  const given = params as Record<string, unknown>;
  const missing = required.filter((p) => !(p.name in given)).map((p) => p.name).sort();
  if (missing.length > 0) {
    throw new RpcFailure({
      code: -32602,
      message: `method "${method}" requires ${missing.length === 1 ? "parameter" : "parameters"} ${
        missing.map((n) => `"${n}"`).join(", ")
      }`,
    });
  }
  const known = new Set(spec.map((p) => p.name));
  const extra = Object.keys(given).filter((name) => !known.has(name)).sort();
  if (extra.length > 0) {
    throw new RpcFailure({
      code: -32602,
      message: `method "${method}" does not take ${
        extra.length === 1 ? "parameter" : "parameters"
      } ${extra.map((n) => `"${n}"`).join(", ")}`,
    });
  }
  for (const p of spec) args[p.name] = p.name in given ? given[p.name] : p.default;
  return args;
}

/** The admin listener. */
export class AdminRpcServer {
  #listener?: Deno.TcpListener;
  #connections = new Set<Deno.Conn>();
  #closed = false;

  constructor(
    readonly service: Service,
    readonly methods: Map<string, AdminMethod>,
    readonly log: Logger,
    readonly options: { maxRecv: number } = { maxRecv: 1_000_000 },
  ) {}

  /** Starts listening; throws if the address cannot be bound. */
  start(): void {
    const hostname = bindHost(this.service);
    this.#listener = Deno.listen({ hostname, port: this.service.port });
    this.log.info(`RPC server listening on ${this.service.host}:${this.service.port}`);
    this.#acceptLoop(this.#listener);
  }

  /** The bound port (useful when configured as 0). */
  get port(): number {
    return (this.#listener?.addr as Deno.NetAddr | undefined)?.port ?? this.service.port;
  }

  /** Stops listening and closes every admin connection. */
  stop(): void {
    this.#closed = true;
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    for (const conn of this.#connections) closeQuietly(conn);
  }

  async #acceptLoop(listener: Deno.TcpListener): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      this.#serve(conn);
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    this.#connections.add(conn);
    const remote = conn.remoteAddr as Deno.NetAddr;
    const peer = remote.hostname.includes(":")
      ? `[${remote.hostname}]:${remote.port}`
      : `${remote.hostname}:${remote.port}`;
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const buffer = new Uint8Array(65536);
    let pending: Uint8Array = new Uint8Array(0);
    let discarding = false;
    try {
      while (true) {
        const count = await conn.read(buffer);
        if (count === null) break;
        pending = join(pending, buffer.subarray(0, count));
        let newline: number;
        while ((newline = pending.indexOf(10)) >= 0) {
          const line = pending.subarray(0, newline);
          pending = pending.slice(newline + 1);
          if (discarding) {
            discarding = false;
            continue;
          }
          const reply = await this.#handleLine(line, decoder, { peer });
          if (reply !== undefined) await writeAll(conn, reply + "\n");
        }
        // Oversized lines are dropped silently, as ElectrumX does.
        if (pending.length > this.options.maxRecv) {
          pending = new Uint8Array(0);
          discarding = true;
        }
      }
    } catch {
      // The client went away mid-exchange; nothing to answer.
    } finally {
      this.#connections.delete(conn);
      closeQuietly(conn);
    }
  }

  async #handleLine(
    line: Uint8Array,
    decoder: TextDecoder,
    info: AdminConnectionInfo,
  ): Promise<string | undefined> {
    let text: string;
    try {
      text = decoder.decode(line);
    } catch {
      return errorReply(null, { code: -32700, message: "messages must be encoded in UTF-8" });
    }
    if (text.trim() === "") return undefined;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return errorReply(null, { code: -32700, message: "invalid JSON" });
    }
    if (Array.isArray(message)) {
      if (message.length === 0) {
        return errorReply(null, { code: -32600, message: "batch is empty" });
      }
      const replies: string[] = [];
      for (const item of message) {
        const reply = await this.#handleRequest(item, info);
        if (reply !== undefined) replies.push(reply);
      }
      return replies.length ? `[${replies.join(",")}]` : undefined;
    }
    return await this.#handleRequest(message, info);
  }

  async #handleRequest(
    message: unknown,
    info: AdminConnectionInfo,
  ): Promise<string | undefined> {
    if (message === null || typeof message !== "object") {
      return errorReply(null, { code: -32600, message: "request must be an object" });
    }
    const request = message as Record<string, unknown>;
    const id = request.id ?? null;
    const isNotification = !("id" in request);
    if (typeof request.method !== "string") {
      return errorReply(id, { code: -32600, message: "missing method" });
    }
    const method = this.methods.get(request.method);
    try {
      if (!method) {
        throw new RpcFailure({ code: -32601, message: `unknown method "${request.method}"` });
      }
      const args = bindParams(request.method, method.params, request.params);
      const result = await method.run(args, info);
      return isNotification ? undefined : JSON.stringify({ jsonrpc: "2.0", result, id });
    } catch (error) {
      if (isNotification) return undefined;
      if (error instanceof RpcFailure) return errorReply(id, error.error);
      if (error instanceof AdminCommandError) {
        return errorReply(id, { code: 1, message: error.message });
      }
      this.log.error(`admin command ${request.method} failed: ${(error as Error).stack ?? error}`);
      return errorReply(id, { code: -32603, message: "internal server error" });
    }
  }
}

function errorReply(id: unknown, error: JsonRpcError): string {
  return JSON.stringify({ jsonrpc: "2.0", error, id });
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function writeAll(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
