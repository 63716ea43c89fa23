/**
 * Listening sockets for `tcp://`, `ssl://`, `ws://` and `wss://` services: accept, finish the
 * TLS or WebSocket handshake, and hand over a {@link Connection}. Listeners can pause (stop
 * accepting) while MAX_SESSIONS is reached.
 */
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "../log.ts";
import { bindHost, type Service } from "../service.ts";
import {
  type Connection,
  SocketConnection,
  type TransportKind,
  WebSocketConnection,
} from "./connection.ts";

/** TLS certificate chain and key, PEM. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** How a listener is made. */
export interface ListenerOptions {
  /** MAX_RECV. */
  maxRecv: number;
  /** Required for ssl and wss. */
  tls?: TlsFiles;
  /** Receives each connection once its handshakes are done. */
  onConnection: (connection: Connection) => void;
  log: Logger;
  /** A TLS handshake that takes longer is abandoned. Default 30 s. */
  handshakeTimeoutMs?: number;
}

/** One listening service. */
export interface Listener {
  readonly service: Service;
  /** The address bound. */
  readonly hostname: string;
  /** The port bound (the service's, or the one the OS chose for port 0). */
  readonly port: number;
  /** Binds and starts accepting. */
  start(): Promise<void>;
  /** Stops accepting new connections (the socket is closed; existing ones are untouched). */
  pause(): void;
  /** Accepts again after {@link pause}, on the same port. */
  resume(): void;
  /** Stops for good. */
  stop(): Promise<void>;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/** The listener for `service` (tcp, ssl, ws, wss). */
export function createListener(service: Service, options: ListenerOptions): Listener {
  switch (service.protocol) {
    case "tcp":
    case "ssl":
    case "rpc":
      return new StreamListener(service, options);
    case "ws":
    case "wss":
      return new WebSocketListener(service, options);
  }
}

/** `TCP server listening on 127.0.0.1:50001`, as ElectrumX logs it. */
function listeningLine(kind: string, hostname: string, port: number): string {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return `${kind} server listening on ${host}:${port}`;
}

class StreamListener implements Listener {
  readonly hostname: string;
  #port: number;
  #server?: net.Server;
  #stopped = false;

  constructor(readonly service: Service, readonly options: ListenerOptions) {
    this.hostname = bindHost(service);
    this.#port = service.port;
  }

  get port(): number {
    return this.#port;
  }

  /** Binds (node:net, or node:tls for ssl; see SocketConnection for why) and accepts. */
  async #bind(): Promise<void> {
    const transport = this.service.protocol as TransportKind;
    const accept = (socket: net.Socket) => {
      if (this.#stopped) socket.destroy();
      else this.options.onConnection(new SocketConnection(socket, transport, this.options.maxRecv));
    };
    let server: net.Server;
    if (this.service.protocol === "ssl") {
      const files = this.options.tls;
      if (!files) throw new Error(`${this.service.url} needs a certificate and key`);
      server = tls.createServer({
        allowHalfOpen: true,
        cert: files.cert,
        key: files.key,
        handshakeTimeout: this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      }, accept);
      server.on("tlsClientError", (error: Error) => {
        this.options.log.debug(`${this.service.url}: TLS handshake failed: ${error.message}`);
      });
    } else {
      server = net.createServer({ allowHalfOpen: true }, accept);
    }
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: this.hostname, port: this.#port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error: Error) => {
      this.options.log.error(`${this.service.url}: accept failed: ${error.message}`);
    });
    this.#server = server;
    this.#port = (server.address() as net.AddressInfo).port;
  }

  async start(): Promise<void> {
    await this.#bind();
    this.options.log.info(
      listeningLine(this.service.protocol.toUpperCase(), this.hostname, this.#port),
    );
  }

  pause(): void {
    this.#server?.close();
    this.#server = undefined;
  }

  resume(): void {
    if (this.#server || this.#stopped) return;
    this.#bind().catch((error) => {
      this.options.log.error(`${this.service.url}: cannot listen again: ${error.message}`);
    });
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.pause();
    return Promise.resolve();
  }
}

class WebSocketListener implements Listener {
  readonly hostname: string;
  #port: number;
  #server?: Deno.HttpServer<Deno.NetAddr>;
  #abort = new AbortController();
  #paused = false;

  constructor(readonly service: Service, readonly options: ListenerOptions) {
    this.hostname = bindHost(service);
    this.#port = service.port;
  }

  get port(): number {
    return this.#port;
  }

  start(): Promise<void> {
    const secure = this.service.protocol === "wss";
    if (secure && !this.options.tls) {
      throw new Error(`${this.service.url} needs a certificate and key`);
    }
    const base = {
      hostname: this.hostname,
      port: this.#port,
      signal: this.#abort.signal,
      onListen: () => {},
      onError: () => new Response("internal error", { status: 500 }),
    };
    const handler = (request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) =>
      this.#handle(request, info);
    this.#server = secure
      ? Deno.serve({ ...base, cert: this.options.tls!.cert, key: this.options.tls!.key }, handler)
      : Deno.serve(base, handler);
    this.#port = this.#server.addr.port;
    this.options.log.info(
      listeningLine(this.service.protocol.toUpperCase(), this.hostname, this.#port),
    );
    return Promise.resolve();
  }

  #handle(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    if (this.#paused) return new Response("too many sessions\n", { status: 503 });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("this is an Electrum WebSocket server\n", {
        status: 426,
        headers: { upgrade: "websocket" },
      });
    }
    // remoteAddr must be read before the request is handed back.
    const remote = { hostname: info.remoteAddr.hostname, port: info.remoteAddr.port };
    const { socket, response } = Deno.upgradeWebSocket(request);
    const connection = new WebSocketConnection(
      socket,
      this.service.protocol as TransportKind,
      remote,
      this.options.maxRecv,
    );
    connection.opened.then(() => this.options.onConnection(connection), () => {});
    return response;
  }

  /** WebSocket listeners keep the socket and refuse upgrades (HTTP 503) while paused. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  async stop(): Promise<void> {
    this.#paused = true;
    this.#abort.abort();
    if (this.#server) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#server.finished,
        new Promise((resolve) => (timer = setTimeout(resolve, 3000))),
      ]);
      clearTimeout(timer);
    }
  }
}
