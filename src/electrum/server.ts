/**
 * The Electrum server as the controller sees it: built from the configuration and the index,
 * started once the index has caught up, told about new blocks and mempool changes, stopped at
 * shutdown.
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Service } from "../service.ts";
import { createListener, type Listener, type TlsFiles } from "./listeners.ts";
import {
  type NotifySummary,
  type SessionFactory,
  SessionManager,
  type SessionManagerOptions,
} from "./session_manager.ts";

/** What the server is built from: the session manager's parts, and the TLS handshake limit. */
export interface ElectrumServerOptions extends SessionManagerOptions {
  /** A TLS handshake taking longer is abandoned (default 30 s). */
  handshakeTimeoutMs?: number;
}

/** A bound listener's address. */
export interface BoundService {
  service: Service;
  hostname: string;
  port: number;
}

/** Listeners plus the session manager. */
export class ElectrumServer {
  readonly manager: SessionManager;
  readonly #log: Logger;
  #listeners: Listener[] = [];
  #admin?: Listener;
  #started = false;

  constructor(readonly options: ElectrumServerOptions) {
    this.manager = new SessionManager(options);
    this.#log = options.logs.logger("SessionManager");
    this.manager.onLimit = (reached) => {
      for (const listener of this.#listeners) {
        if (reached) listener.pause();
        else listener.resume();
      }
    };
  }

  /**
   * Opens every client service of the configuration (`tcp`, `ssl`, `ws`, `wss`) and starts
   * serving. Call once the index has caught up and the mempool was refreshed: the current
   * index tip is what `blockchain.headers.subscribe` answers until the first {@link notify}.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { config } = this.options;
    const services = config.services.filter((s) => s.protocol !== "rpc");
    const tls = services.some((s) => s.protocol === "ssl" || s.protocol === "wss")
      ? await readTlsFiles(config)
      : undefined;
    this.manager.start();
    for (const service of services) {
      const listener = createListener(service, {
        maxRecv: config.maxRecv,
        tls,
        log: this.#log,
        onConnection: (connection) => this.manager.accept(connection),
        handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      });
      try {
        await listener.start();
        this.#listeners.push(listener);
      } catch (error) {
        // As ElectrumX: a service that cannot listen (port in use, …) is logged, not fatal.
        this.#log.error(
          `${service.protocol.toUpperCase()} server failed to listen on ${service.host}:${service.port}: ${
            (error as Error).message
          }`,
        );
      }
    }
    // Header proofs need chunk roots over the whole chain; build them in the background.
    this.manager.headerProofs.warm().catch((error) =>
      this.#log.warning(`header proof cache: ${(error as Error).message}`)
    );
  }

  /** The addresses listened on (ports resolved when a service asked for port 0). */
  get addresses(): BoundService[] {
    return this.#listeners.map((l) => ({ service: l.service, hostname: l.hostname, port: l.port }));
  }

  /**
   * Opens the LocalRPC port, whose connections become sessions made by `factory`. Called at
   * process start, before the index has caught up; the port stays open when MAX_SESSIONS is
   * reached. A port that cannot be bound is logged, not fatal, as ElectrumX does.
   */
  async listenAdmin(service: Service, factory: SessionFactory): Promise<void> {
    const listener = createListener(service, {
      maxRecv: this.options.config.maxRecv,
      log: this.#log,
      onConnection: (connection) => this.manager.accept(connection, factory),
    });
    try {
      await listener.start();
      this.#admin = listener;
    } catch (error) {
      this.#log.error(
        `RPC server failed to listen on ${service.host}:${service.port}: ${
          (error as Error).message
        }`,
      );
    }
  }

  /** The LocalRPC port, once listening. */
  get adminPort(): number | undefined {
    return this.#admin?.port;
  }

  /** See {@link SessionManager.notify}. */
  notify(touched: Set<string>, height: number): Promise<NotifySummary> {
    return this.manager.notify(touched, height);
  }

  /** Stops listening, then closes every session (forced after 1 s). */
  async stop(): Promise<void> {
    const listeners = this.#admin ? [...this.#listeners, this.#admin] : this.#listeners;
    this.#listeners = [];
    this.#admin = undefined;
    for (const listener of listeners) listener.pause();
    await this.manager.stop();
    await Promise.allSettled(listeners.map((listener) => listener.stop()));
  }
}

/** Reads SSL_CERTFILE and SSL_KEYFILE. */
async function readTlsFiles(config: Config): Promise<TlsFiles> {
  if (!config.sslCertFile || !config.sslKeyFile) {
    throw new Error("ssl:// and wss:// services need SSL_CERTFILE and SSL_KEYFILE");
  }
  return {
    cert: await Deno.readTextFile(config.sslCertFile),
    key: await Deno.readTextFile(config.sslKeyFile),
  };
}
