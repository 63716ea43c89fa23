/**
 * bitcoind JSON-RPC over HTTP: basic auth (user:pass or a cookie file), single and batched
 * calls, a cap on requests in flight, and ElectrumX's retry policy — transient failures
 * (connection, timeout, non-JSON reply, warm-up) are retried with backoff from 0.25 s to 4 s,
 * failing over round-robin across the configured URLs, logged at most once a minute.
 */
import { type Logger, RateLimitedLog, silentLogger } from "../log.ts";
import { type DaemonEndpoint, daemonEndpoint } from "./url.ts";
import { parseJsonWithHexBlobs, readBody } from "./hex_json.ts";

/** An error object returned by the daemon for a call (not a transport failure). */
export class DaemonRpcError extends Error {
  override name = "DaemonRpcError";

  constructor(readonly method: string, readonly code: number, message: string) {
    super(`daemon error ${code} in ${method}: ${message}`);
  }

  /** The daemon's own message, without our prefix. */
  get daemonMessage(): string {
    return this.message.replace(/^daemon error -?\d+ in \S+: /, "");
  }
}

/** Raised to callers still waiting when the client is closed. */
export class DaemonClosedError extends Error {
  override name = "DaemonClosedError";

  constructor() {
    super("daemon client closed");
  }
}

/** Raised when `maxRetryMs` passes without a usable answer. */
export class DaemonUnavailableError extends Error {
  override name = "DaemonUnavailableError";
}

/** A transient failure: retried, never surfaced unless retrying gives up. */
class TransientError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
  }
}

/** RPC error codes that mean "try again later". */
const RETRY_CODES = new Set([-28, -32700]);
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 4000;

export interface RpcClientOptions {
  /** Normalised URLs (see url.ts); the first is used until failover. */
  urls: string[];
  /** bitcoind's `.cookie` file, for URLs given without credentials; re-read on 401. */
  cookieFile?: string;
  log?: Logger;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Give up retrying after this long (default: never, as ElectrumX). */
  maxRetryMs?: number;
  /** Requests in flight at most (bitcoind's work queue is 16 by default). */
  maxInFlight?: number;
}

interface JsonRpcReply {
  result?: unknown;
  error?: { code: number; message: string } | null;
  id?: unknown;
}

/** One request of a batch: its params, and the reply's result or error. */
export type BatchOutcome<T> = { ok: true; result: T } | { ok: false; error: DaemonRpcError };

/** Low-level JSON-RPC client with retry and failover. */
export class RpcClient {
  #endpoints: DaemonEndpoint[];
  #current = 0;
  #nextId = 1;
  #closed = false;
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #aborter = new AbortController();
  #failing = false;
  #cookieAuth?: string;
  readonly #log: Logger;
  readonly #rateLimit = new RateLimitedLog(60_000);

  constructor(readonly options: RpcClientOptions) {
    this.#endpoints = options.urls.map(daemonEndpoint);
    if (this.#endpoints.length === 0) throw new RangeError("no daemon URL given");
    this.#log = options.log ?? silentLogger("Daemon");
  }

  /** The current daemon as logs show it (no credentials). */
  get display(): string {
    return this.#endpoints[this.#current].display;
  }

  /** Replaces the URL list and switches to its first entry (admin `daemon_url`). */
  setUrls(urls: string[]): void {
    if (urls.length === 0) throw new RangeError("no daemon URL given");
    this.#endpoints = urls.map(daemonEndpoint);
    this.#current = 0;
    this.#log.info(`daemon URL set to ${this.display}`);
  }

  /** Stops retries and aborts requests in flight; waiting callers get DaemonClosedError. */
  close(): void {
    this.#closed = true;
    this.#aborter.abort();
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** One call; an RPC error object becomes a DaemonRpcError, anything transient is retried. */
  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const reply = await this.#withRetry(
      method,
      (endpoint) =>
        this.#post(endpoint, { jsonrpc: "1.0", id: this.#nextId++, method, params }, false),
    ) as JsonRpcReply;
    return unwrap<T>(method, reply);
  }

  /**
   * Many calls of one method in one HTTP request; outcomes in the order of `paramsList`. With
   * `hexBlobs`, long hex string results arrive as Uint8Array (see parseJsonWithHexBlobs).
   */
  async batch<T>(
    method: string,
    paramsList: unknown[][],
    options: { hexBlobs?: boolean } = {},
  ): Promise<BatchOutcome<T>[]> {
    if (paramsList.length === 0) return [];
    const firstId = this.#nextId;
    this.#nextId += paramsList.length;
    const body = paramsList.map((params, i) => ({
      jsonrpc: "1.0",
      id: firstId + i,
      method,
      params,
    }));
    const replies = await this.#withRetry(
      method,
      (endpoint) => this.#post(endpoint, body, options.hexBlobs ?? false),
    );
    if (!Array.isArray(replies)) {
      const single = replies as JsonRpcReply;
      // A daemon that rejects the whole batch answers with one error object.
      unwrap(method, single);
      throw new DaemonRpcError(method, -32603, "batch answered with a single reply");
    }
    const byId = new Map<unknown, JsonRpcReply>();
    for (const reply of replies as JsonRpcReply[]) byId.set(reply.id, reply);
    return paramsList.map((_, i) => {
      const reply = byId.get(firstId + i);
      if (!reply) {
        return {
          ok: false,
          error: new DaemonRpcError(method, -32603, "no reply for batch item"),
        };
      }
      try {
        return { ok: true, result: unwrap<T>(method, reply) };
      } catch (error) {
        if (error instanceof DaemonRpcError) return { ok: false, error };
        throw error;
      }
    });
  }

  async #withRetry(
    method: string,
    attempt: (endpoint: DaemonEndpoint) => Promise<unknown>,
  ): Promise<unknown> {
    const started = Date.now();
    let delay = FIRST_RETRY_MS;
    while (true) {
      if (this.#closed) throw new DaemonClosedError();
      const endpoint = this.#endpoints[this.#current];
      try {
        const reply = await this.#limited(() => attempt(endpoint));
        if (this.#failing) {
          this.#failing = false;
          this.#rateLimit.reset();
          this.#log.info(`connection to daemon ${endpoint.display} restored`);
        }
        return reply;
      } catch (error) {
        if (this.#closed) throw new DaemonClosedError();
        if (!(error instanceof TransientError)) throw error;
        this.#failing = true;
        if (this.#rateLimit.allow(error.kind)) {
          this.#log.error(`${error.message} (${method}); retrying`);
        }
        const maxRetryMs = this.options.maxRetryMs ?? Infinity;
        if (Date.now() - started + delay > maxRetryMs) {
          throw new DaemonUnavailableError(
            `daemon ${endpoint.display} unavailable: ${error.message}`,
          );
        }
        await this.#sleep(delay);
        if (delay >= MAX_RETRY_MS && this.#endpoints.length > 1) {
          this.#current = (this.#current + 1) % this.#endpoints.length;
          this.#log.info(`failing over to daemon ${this.display}`);
          delay = FIRST_RETRY_MS;
        } else {
          delay = Math.min(delay * 2, MAX_RETRY_MS);
        }
      }
    }
  }

  async #limited<T>(run: () => Promise<T>): Promise<T> {
    const max = this.options.maxInFlight ?? 10;
    while (this.#inFlight >= max) {
      await new Promise<void>((wake) => this.#waiters.push(wake));
      if (this.#closed) throw new DaemonClosedError();
    }
    this.#inFlight++;
    try {
      return await run();
    } finally {
      this.#inFlight--;
      this.#waiters.shift()?.();
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#aborter.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  async #authorization(endpoint: DaemonEndpoint, refreshCookie: boolean): Promise<string> {
    if (endpoint.user !== undefined) {
      return "Basic " + btoa(`${endpoint.user}:${endpoint.password ?? ""}`);
    }
    const cookieFile = this.options.cookieFile;
    if (!cookieFile) return "";
    if (!this.#cookieAuth || refreshCookie) {
      try {
        this.#cookieAuth = "Basic " + btoa((await Deno.readTextFile(cookieFile)).trim());
      } catch (error) {
        throw new TransientError(
          "cookie",
          `cannot read daemon cookie file ${cookieFile}: ${(error as Error).message}`,
        );
      }
    }
    return this.#cookieAuth;
  }

  /**
   * Where and how the next request would go: the current endpoint's URL and headers. For a
   * helper thread that makes its own requests and falls back to this client on any failure.
   */
  async requestTarget(): Promise<{ url: string; headers: Record<string, string> }> {
    const endpoint = this.#endpoints[this.#current];
    return { url: endpoint.endpoint, headers: await this.#headers(endpoint, false) };
  }

  async #headers(
    endpoint: DaemonEndpoint,
    refreshCookie: boolean,
  ): Promise<Record<string, string>> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const authorization = await this.#authorization(endpoint, refreshCookie);
    if (authorization) headers.authorization = authorization;
    return headers;
  }

  async #post(
    endpoint: DaemonEndpoint,
    body: unknown,
    hexBlobs: boolean,
    retriedAuth = false,
  ): Promise<unknown> {
    const headers = await this.#headers(endpoint, retriedAuth);
    const signal = AbortSignal.any([
      this.#aborter.signal,
      AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
    ]);
    let response: Response;
    try {
      response = await fetch(endpoint.endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      const reason = (error as Error).name === "TimeoutError"
        ? "timed out"
        : (error as Error).message;
      throw new TransientError("connect", `cannot reach daemon ${endpoint.display}: ${reason}`);
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      if (!retriedAuth && endpoint.user === undefined && this.options.cookieFile) {
        return this.#post(endpoint, body, hexBlobs, true);
      }
      throw new TransientError(
        "auth",
        `daemon ${endpoint.display} refused our credentials (HTTP ${response.status})`,
      );
    }
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("json")) {
      const text = (await response.text()).slice(0, 200).trim();
      throw new TransientError(
        "refused",
        `daemon ${endpoint.display} refused service (HTTP ${response.status}${
          text ? `: ${text}` : ""
        })`,
      );
    }
    let parsed: unknown;
    try {
      parsed = hexBlobs ? parseJsonWithHexBlobs(await readBody(response)) : await response.json();
    } catch (error) {
      throw new TransientError(
        "json",
        `daemon ${endpoint.display} sent invalid JSON: ${(error as Error).message}`,
      );
    }
    const single = parsed as JsonRpcReply;
    if (!Array.isArray(parsed) && single?.error && RETRY_CODES.has(single.error.code)) {
      throw new TransientError(
        `code${single.error.code}`,
        `daemon ${endpoint.display} is not ready: ${single.error.message}`,
      );
    }
    return parsed;
  }
}

function unwrap<T>(method: string, reply: JsonRpcReply): T {
  if (reply === null || typeof reply !== "object") {
    throw new DaemonRpcError(method, -32603, "reply is not a JSON-RPC object");
  }
  if (reply.error) {
    throw new DaemonRpcError(method, reply.error.code, String(reply.error.message));
  }
  return reply.result as T;
}
