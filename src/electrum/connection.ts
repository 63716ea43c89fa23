/**
 * Connections of every transport behind one interface: incoming messages pulled by the
 * session (a session that stops pulling stops reading the socket, which is how a slow client
 * is paused), outgoing messages framed for the transport, graceful close and abort.
 * Stream transports (tcp, ssl, rpc) frame with newlines; WebSocket sends one text frame per
 * message.
 */
import type net from "node:net";
import { formatIp, parseIp, unmapIpv4 } from "../ip.ts";
import { type FramerEvent, LineFramer } from "./framing.ts";

/** The transport a connection arrived on. */
export type TransportKind = "tcp" | "ssl" | "ws" | "wss" | "rpc";

/** The peer's address. */
export interface RemoteAddress {
  hostname: string;
  port: number;
}

/** What a connection reads: raw byte counts (for accounting) and framed messages. */
export type Incoming =
  | { type: "bytes"; size: number }
  | FramerEvent
  | { type: "text"; data: string };

/** A write did not complete in time: the client stopped reading. */
export class WriteTimeoutError extends Error {
  override name = "WriteTimeoutError";
}

/**
 * An outgoing JSON text. Large ones travel as their UTF-8 bytes: they were encoded once to
 * measure them against MAX_SEND.
 */
export type OutgoingMessage = string | Uint8Array;

/** One client connection. */
export interface Connection {
  readonly transport: TransportKind;
  readonly remote?: RemoteAddress;
  /** Largest incoming message in bytes (MAX_RECV). */
  readonly maxRecv: number;
  /**
   * Incoming events, one array per read. Ends when the peer closes or the connection is
   * closed. Not pulling stops reading (TCP flow control then slows the client).
   */
  incoming(): AsyncIterable<Incoming[]>;
  /**
   * Writes messages (JSON texts, or their UTF-8 bytes), framed for the transport. Resolves
   * once the OS (or the WebSocket) accepted them, calling `onProgress` whenever the peer
   * took part of them; rejects with the socket's error or once the connection is closed.
   * A peer that stops reading leaves the write pending: no timer per write (with thousands
   * of sessions they cost more than the writes); the session manager closes connections
   * whose writes stall (Outbox.stalledMs).
   */
  write(messages: OutgoingMessage[], onProgress: () => void): Promise<void>;
  /** Closes the socket (pending writes are the caller's business). Idempotent. */
  close(): void;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Largest piece handed to the socket at once: a big answer reports progress as it goes. */
const WRITE_SLICE = 256 * 1024;
/** Received chunks held for a session that is not reading before the socket is paused. */
const MAX_QUEUED_READS = 2;

/**
 * A newline-framed connection over a node:net (or node:tls) socket. Not Deno.Conn: with
 * hundreds of sockets waiting to be read, Deno's read operations serve them unevenly (some
 * wait seconds while others are served at once), where node:net's data events come in turn;
 * its writes are cheaper too (measured: 1,000 sessions against a saturated server, p99 2.2 s
 * against 109 ms; 10,000 small writes, 230 against 165 ms).
 */
export class SocketConnection implements Connection {
  #closed = false;
  #readEnded = false;
  #queue: Incoming[][] = [];
  #wake?: () => void;
  readonly remote?: RemoteAddress;
  readonly #framer: LineFramer;

  constructor(
    readonly socket: net.Socket,
    readonly transport: TransportKind,
    readonly maxRecv: number,
  ) {
    this.#framer = new LineFramer(maxRecv);
    if (socket.remoteAddress !== undefined && socket.remotePort !== undefined) {
      this.remote = { hostname: unmappedHost(socket.remoteAddress), port: socket.remotePort };
    }
    socket.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    // The peer shut its side: no more requests, but the answers still go out (the listener
    // allows half-open sockets).
    socket.on("end", () => this.#endReading());
    socket.on("close", () => this.#end());
    // Errors end the connection ("close" follows); the session sees its end.
    socket.on("error", () => {});
  }

  #onData(chunk: Uint8Array): void {
    const events: Incoming[] = [{ type: "bytes", size: chunk.length }];
    for (const event of this.#framer.push(chunk)) events.push(event);
    this.#queue.push(events);
    // A session that stops pulling stops the reading (TCP flow control then slows the peer).
    if (this.#queue.length >= MAX_QUEUED_READS) this.socket.pause();
    this.#wake?.();
  }

  #endReading(): void {
    this.#readEnded = true;
    this.#wake?.();
  }

  #end(): void {
    this.#closed = true;
    this.#endReading();
  }

  async *incoming(): AsyncIterable<Incoming[]> {
    while (true) {
      const events = this.#queue.shift();
      if (events) {
        yield events;
        continue;
      }
      if (this.#readEnded) return;
      if (this.socket.isPaused()) this.socket.resume();
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  async write(messages: OutgoingMessage[], onProgress: () => void): Promise<void> {
    for (const bytes of frameLines(messages)) {
      for (let at = 0; at < bytes.length; at += WRITE_SLICE) {
        if (this.#closed) throw new Error("connection closed");
        await new Promise<void>((resolve, reject) => {
          this.socket.write(
            bytes.subarray(at, at + WRITE_SLICE),
            (error) => error ? reject(error) : resolve(),
          );
        });
        onProgress();
      }
    }
  }

  close(): void {
    if (this.#closed && this.socket.destroyed) return;
    this.#closed = true;
    this.#readEnded = true;
    this.socket.destroy();
    this.#wake?.();
  }
}

/** An IPv4-mapped IPv6 peer address (a dual-stack listener's) as plain IPv4. */
function unmappedHost(host: string): string {
  const bytes = parseIp(host);
  if (!bytes || bytes.length !== 16) return host;
  const unmapped = unmapIpv4(bytes);
  return unmapped.length === 4 ? formatIp(unmapped) : host;
}

const NEWLINE = new Uint8Array([0x0a]);

/**
 * Messages as newline-terminated UTF-8 lines, in as few buffers as possible without copying
 * messages that are already bytes (large answers).
 */
function frameLines(messages: OutgoingMessage[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let texts: string[] = [];
  for (const message of messages) {
    if (typeof message === "string") {
      texts.push(message);
      continue;
    }
    if (texts.length > 0) chunks.push(ENCODER.encode(texts.join("\n") + "\n"));
    texts = [];
    chunks.push(message, NEWLINE);
  }
  if (texts.length > 0) chunks.push(ENCODER.encode(texts.join("\n") + "\n"));
  return chunks;
}

/** Bytes of a string in UTF-8, without encoding it when it is ASCII. */
export function utf8Length(text: string): number {
  // deno-lint-ignore no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) return text.length;
  return ENCODER.encode(text).length;
}

/** How much an unread WebSocket may buffer before writes wait. */
const WS_HIGH_WATER = 1024 * 1024;
/** Poll interval while waiting for a WebSocket's buffer to drain. */
const WS_DRAIN_POLL_MS = 5;

/**
 * A WebSocket connection (server side of `Deno.upgradeWebSocket`). WebSocket has no read
 * flow control, so messages are queued here; a peer that keeps sending while its session is
 * paused is cut off once the queue passes `maxQueued` bytes.
 */
export class WebSocketConnection implements Connection {
  #queue: Incoming[][] = [];
  #queuedBytes = 0;
  #wake?: () => void;
  #closed = false;
  readonly opened: Promise<void>;

  constructor(
    readonly socket: WebSocket,
    readonly transport: TransportKind,
    readonly remote: RemoteAddress | undefined,
    readonly maxRecv: number,
    readonly maxQueued: number = Math.max(4 * maxRecv, 4 * 1024 * 1024),
  ) {
    socket.binaryType = "arraybuffer";
    this.opened = new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve());
      socket.addEventListener("close", () => reject(new Error("closed before opening")));
    });
    this.opened.catch(() => {});
    socket.addEventListener("message", (event) => this.#onMessage(event.data));
    socket.addEventListener("close", () => this.#end());
    socket.addEventListener("error", () => this.#end());
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    let size: number;
    let message: Incoming;
    if (typeof data === "string") {
      size = utf8Length(data);
      message = { type: "text", data };
    } else {
      const bytes = new Uint8Array(data as ArrayBuffer);
      size = bytes.length;
      message = { type: "message", data: bytes };
    }
    const events: Incoming[] = [{ type: "bytes", size }];
    events.push(size > this.maxRecv ? { type: "oversize", size } : message);
    this.#queue.push(events);
    this.#queuedBytes += size;
    if (this.#queuedBytes > this.maxQueued) {
      this.close();
      return;
    }
    this.#wake?.();
  }

  #end(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *incoming(): AsyncIterable<Incoming[]> {
    while (true) {
      const events = this.#queue.shift();
      if (events) {
        for (const event of events) if (event.type === "bytes") this.#queuedBytes -= event.size;
        yield events;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  async write(messages: OutgoingMessage[], onProgress: () => void): Promise<void> {
    if (this.#closed) throw new Error("connection closed");
    for (const message of messages) {
      // Text frames either way: Electrum over WebSocket is JSON text.
      this.socket.send(typeof message === "string" ? message : DECODER.decode(message));
    }
    let last = this.socket.bufferedAmount;
    while (this.socket.bufferedAmount > WS_HIGH_WATER) {
      if (this.#closed) throw new Error("connection closed");
      await new Promise((resolve) => setTimeout(resolve, WS_DRAIN_POLL_MS));
      if (this.socket.bufferedAmount < last) {
        last = this.socket.bufferedAmount;
        onProgress();
      }
    }
  }

  close(): void {
    if (this.#closed && this.socket.readyState === WebSocket.CLOSED) return;
    this.#end();
    try {
      this.socket.close();
    } catch {
      // Not open (yet).
    }
  }
}
