/**
 * Outgoing connections to peer servers (docs/peers.md, "Verification"): TCP or TLS (without
 * certificate or host-name checks: peers use self-signed certificates), directly or through a
 * SOCKS proxy, speaking newline-delimited JSON-RPC 2.0 with a timeout per request. Incoming
 * notifications are ignored and incoming requests answered "method not found".
 */
import { lookup } from "node:dns/promises";
import type net from "node:net";
import tls from "node:tls";
import { LineFramer } from "../electrum/framing.ts";
import { parseIp } from "../ip.ts";
import { withTimeout } from "../timeout.ts";
import { connectTcp, socksConnect, type SocksProxy } from "./socks.ts";

/** Largest message accepted from a peer. */
const MAX_MESSAGE_BYTES = 1_000_000;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** The peer answered a request with a JSON-RPC error. */
export class PeerRpcError extends Error {
  override name = "PeerRpcError";
  constructor(readonly code: unknown, message: string) {
    super(message);
  }
}

/** A request got no answer in time, or the connection failed. */
export class PeerConnectionError extends Error {
  override name = "PeerConnectionError";
}

/** Where and how to connect. */
export interface PeerConnectOptions {
  host: string;
  port: number;
  ssl: boolean;
  /** Address family for a direct connection to a host name. */
  family?: 4 | 6;
  /** Local address to bind a direct connection to. */
  localAddress?: string;
  /** Connect through this proxy (onion names are resolved by the proxy, others locally). */
  proxy?: SocksProxy;
  timeoutMs: number;
  /** Abandons the attempt (shutdown). */
  signal?: AbortSignal;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** An open JSON-RPC connection to a peer. */
export class PeerConnection {
  readonly #socket: net.Socket;
  readonly #framer = new LineFramer(MAX_MESSAGE_BYTES);
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closedError?: Error;

  private constructor(socket: net.Socket, readonly remoteIp: string | undefined) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      for (const event of this.#framer.push(chunk)) {
        if (event.type === "message") this.#receive(event.data);
      }
    });
    socket.on("error", (error: Error) => this.#fail(error));
    socket.on("close", () => this.#fail(new PeerConnectionError("connection closed")));
  }

  /** Connects (and, for SSL, completes the TLS handshake). */
  static async open(options: PeerConnectOptions): Promise<PeerConnection> {
    const { host, proxy, signal } = options;
    const isOnion = host.endsWith(".onion");
    // Through a proxy, onion names are resolved by the proxy and others here.
    const target = proxy && !isOnion
      ? (await lookup(host, { family: options.family ?? 0 })).address
      : host;
    let socket = proxy
      ? await connectTcp({ host: proxy.host, port: proxy.port }, options.timeoutMs, signal)
      : await connectTcp(
        {
          host,
          port: options.port,
          family: options.family ?? 0,
          localAddress: options.localAddress,
        },
        options.timeoutMs,
        signal,
      );
    const remoteIp = proxy ? (isOnion ? undefined : target) : socket.remoteAddress;
    const abandon = () => socket.destroy();
    signal?.addEventListener("abort", abandon, { once: true });
    try {
      if (proxy) {
        await withTimeout(
          socksConnect(socket, proxy.protocol, target, options.port),
          options.timeoutMs,
          () => new PeerConnectionError("SOCKS handshake timed out"),
        );
      }
      if (options.ssl) socket = await startTls(socket, options);
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      signal?.removeEventListener("abort", abandon);
    }
    return new PeerConnection(socket, remoteIp);
  }

  /** Sends a request; resolves with its result, rejects on an error reply or timeout. */
  request(method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new PeerConnectionError(`${method} timed out after ${timeoutMs / 1000}s`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#send({ jsonrpc: "2.0", method, params, id });
    });
  }

  close(): void {
    this.#fail(new PeerConnectionError("connection closed"));
    this.#socket.destroy();
  }

  #send(message: unknown): void {
    this.#socket.write(ENCODER.encode(JSON.stringify(message) + "\n"));
  }

  #receive(data: Uint8Array): void {
    let message: unknown;
    try {
      message = JSON.parse(DECODER.decode(data));
    } catch {
      return this.#fail(new PeerConnectionError("peer sent invalid JSON"));
    }
    for (const item of Array.isArray(message) ? message : [message]) {
      if (typeof item !== "object" || item === null) continue;
      const { id, method, result, error } = item as Record<string, unknown>;
      if (typeof method === "string") {
        // Notifications (headers) are ignored; we serve no methods to peers.
        if (id !== undefined && id !== null) {
          this.#send({
            jsonrpc: "2.0",
            error: { code: -32601, message: `unknown method "${method}"` },
            id,
          });
        }
        continue;
      }
      const pending = typeof id === "number" ? this.#pending.get(id) : undefined;
      if (!pending) continue;
      this.#pending.delete(id as number);
      clearTimeout(pending.timer);
      if (error !== undefined && error !== null) {
        const { code, message: text } = error as Record<string, unknown>;
        pending.reject(new PeerRpcError(code, typeof text === "string" ? text : String(text)));
      } else {
        pending.resolve(result);
      }
    }
  }

  #fail(error: Error): void {
    this.#closedError ??= error;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }
}

function startTls(socket: net.Socket, options: PeerConnectOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      rejectUnauthorized: false,
      servername: parseIp(options.host) || options.host.endsWith(".onion")
        ? undefined
        : options.host,
    });
    const timer = setTimeout(
      () => fail(new PeerConnectionError("TLS handshake timed out")),
      options.timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      secure.destroy();
      socket.destroy();
      reject(error);
    };
    const closed = () => fail(new PeerConnectionError("connection closed during TLS handshake"));
    secure.once("error", fail);
    secure.once("close", closed);
    secure.once("secureConnect", () => {
      clearTimeout(timer);
      secure.off("error", fail);
      secure.off("close", closed);
      resolve(secure);
    });
  });
}
