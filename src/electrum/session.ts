/**
 * A JSON-RPC session over one connection, whatever it serves: reading and framing, the
 * dialect, batches, concurrency and cost throttling, request timeouts, error counting,
 * response size limits, counters, logging and closing (docs/sessions.md).
 * Subclasses say which methods exist and run them ({@link Session.dispatch}).
 */
import type { Logger } from "../log.ts";
import type {
  Connection,
  Incoming,
  OutgoingMessage,
  RemoteAddress,
  TransportKind,
} from "./connection.ts";
import { utf8Length, WriteTimeoutError } from "./connection.ts";
import {
  Concurrency,
  type CostLimits,
  CostMeter,
  ERROR_BASE_COST,
  ExcessiveCostError,
} from "./cost.ts";
import { ErrorCode, internalError, RpcError } from "./errors.ts";
import {
  decodeMessage,
  detectDialect,
  type Dialect,
  errorText,
  isBadRequest,
  isStray,
  parseRequest,
  type Request,
  type RequestId,
  responseTooLarge,
  resultMessage,
} from "./framing.ts";
import { HIGH_WATER, LOW_WATER, Outbox } from "./outbox.ts";
import { withCommas } from "./python.ts";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
/** Bytes at the end of a response searched for its id. */
const ID_TAIL_BYTES = 4096;
/** Answers longer than this are encoded once up front (see #sendResponse). */
const LARGE_MESSAGE = 64 * 1024;

/** ElectrumX's documented rule: a session is disconnected when its error count reaches this. */
export const MAX_ERRORS = 10;
/** Requests received and not yet answered above which reading pauses. */
export const MAX_UNANSWERED = 500;
/** Grace before a closing session is forced shut, by reason. */
export const CLOSE_GRACE_MS = { normal: 30_000, quick: 1_000 } as const;

/** Session kinds as logs and the admin interface name them. */
export const KIND_NAMES: Readonly<Record<TransportKind, string>> = {
  tcp: "TCP",
  ssl: "SSL",
  ws: "WS",
  wss: "WSS",
  rpc: "RPC",
};

/** Flag letters of the `sessions` table. */
export const KIND_LETTERS: Readonly<Record<TransportKind, string>> = {
  tcp: "T",
  ssl: "S",
  ws: "W",
  wss: "W",
  rpc: "R",
};

/** What a session needs from whoever keeps the session table. */
export interface SessionHost {
  /** Where session lines (`[id] ...`) go. */
  readonly sessionLog: Logger;
  readonly anonLogs: boolean;
  /** Cost the session's groups add to its own. */
  xcost(session: Session): number;
  /** Counts a dispatched method (unknown ones as "invalid method") server-wide. */
  countRequest(method: string): void;
  /** Names of the session's groups, for the over-cost log line. */
  groupNames(session: Session): string[];
  /** Called once when the session has ended. */
  closed(session: Session): void;
}

/** How a session is made. */
export interface SessionOptions {
  id: number;
  connection: Connection;
  host: SessionHost;
  limits: CostLimits;
  /** Largest response in bytes; 0 for no limit (admin sessions). */
  maxSend: number;
  /** Log every incoming message (the `L` flag). */
  logMe?: boolean;
}

/** Per-method request counts. */
export type MethodCounts = Map<string, number>;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A JSON-RPC session; see the module comment. */
export abstract class Session {
  readonly id: number;
  readonly connection: Connection;
  readonly host: SessionHost;
  readonly transport: TransportKind;
  readonly remote?: RemoteAddress;
  readonly meter: CostMeter;
  /** Unix time (seconds) of the connection. */
  readonly startTime = Date.now() / 1000;
  /** performance.now() of the last complete message. */
  lastRecv = performance.now();
  recvCount = 0;
  recvSize = 0;
  sendCount = 0;
  sendSize = 0;
  /** Errors counted against the client (ill-formed or protocol-breaking requests). */
  errors = 0;
  txsSent = 0;
  /** Requests (and notifications) received and not finished. */
  unanswered = 0;
  readonly methodCounts: MethodCounts = new Map();
  logMe: boolean;
  #gateClosed = false;
  #closing = false;
  readonly #slots: Concurrency;
  readonly #outbox: Outbox;
  readonly #maxSend: number;
  #dialect?: Dialect;
  #forceTimer?: ReturnType<typeof setTimeout>;
  #ended?: Promise<void>;
  #unansweredDrop?: () => void;
  #idleWaiters: (() => void)[] = [];

  constructor(options: SessionOptions) {
    this.id = options.id;
    this.connection = options.connection;
    this.host = options.host;
    this.transport = options.connection.transport;
    this.remote = options.connection.remote;
    this.logMe = options.logMe ?? false;
    this.#maxSend = options.maxSend;
    this.meter = new CostMeter(
      options.limits,
      () => this.host.xcost(this),
      (target) => (this.#slots.target = target),
    );
    this.#slots = new Concurrency(this.meter.concurrencyTarget);
    this.#outbox = new Outbox(this.connection, (error) => this.#writeFailed(error));
  }

  /** `TCP`, `SSL`, `WS`, `WSS` or `RPC`. */
  get kind(): string {
    return KIND_NAMES[this.transport];
  }

  get closing(): boolean {
    return this.#closing;
  }

  /**
   * The client does not read its answers fast enough: more than {@link HIGH_WATER} is
   * waiting to be written. Reading and request processing wait until it drains.
   */
  get paused(): boolean {
    return this.#gateClosed || this.#outbox.buffered > HIGH_WATER;
  }

  /** Concurrent requests allowed now (the digit of the flags). */
  get concurrencyTarget(): number {
    return this.#slots.target;
  }

  /** Characters waiting to be written to the client. */
  get outgoingBuffered(): number {
    return this.#outbox.buffered;
  }

  /** `ip:port`, IPv6 as `[addr]:port`; `xx.xx.xx.xx:xx` with ANON_LOGS when `forLog`. */
  remoteAddressString(forLog = false): string {
    if (forLog && this.host.anonLogs) return "xx.xx.xx.xx:xx";
    if (!this.remote) return "unknown";
    const { hostname, port } = this.remote;
    return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  }

  /** The flags column: kind letter, `C` if closing, `L` if logged, concurrency target. */
  flags(): string {
    return KIND_LETTERS[this.transport] + (this.#closing ? "C" : "") + (this.logMe ? "L" : "") +
      String(this.concurrencyTarget);
  }

  /** Adds cost for work done. */
  bumpCost(delta: number): void {
    this.meter.bump(delta);
  }

  /**
   * Serves the connection until it closes: reads, frames, dispatches. Resolves after the
   * session has been removed from its host.
   */
  run(): Promise<void> {
    this.#ended ??= this.#run();
    return this.#ended;
  }

  async #run(): Promise<void> {
    this.meter.recalc();
    try {
      for await (const events of this.connection.incoming()) {
        for (const event of events) this.#onIncoming(event);
        if (this.#closing) break;
        await this.#readGate();
        if (this.#closing) break;
      }
    } catch (error) {
      this.host.sessionLog.debug(`[${this.id}] read failed: ${(error as Error).message}`);
    } finally {
      // A client that sent its requests and then shut its side (`nc -q`) still gets the
      // answers: requests in progress finish first (bounded by the request timeout).
      if (!this.#closing && this.unanswered > 0) await this.#allAnswered();
      // Answers already queued still go out (the force timer bounds the wait).
      this.close();
      await this.#outbox.drained();
      clearTimeout(this.#forceTimer);
      this.connection.close();
      this.host.closed(this);
    }
  }

  /** Resolves once no request is in progress (or after the request timeout). */
  async #allAnswered(): Promise<void> {
    const limit = this.meter.limits.requestTimeoutMs || CLOSE_GRACE_MS.normal;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)));
    while (this.unanswered > 0 && !this.#closing) {
      const settled = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      if (await Promise.race([settled.then(() => false), timeout.then(() => true)])) break;
    }
    clearTimeout(timer);
    // Answers are sent from promise callbacks; let them all run.
    await delay(0);
  }

  /** Waits while the client does not read (queue above high water) or too much is pending. */
  async #readGate(): Promise<void> {
    if (this.#outbox.buffered > HIGH_WATER) {
      this.#gateClosed = true;
      await this.#outbox.drained(LOW_WATER);
      this.#gateClosed = false;
    }
    while (this.unanswered >= MAX_UNANSWERED && !this.#closing) {
      await new Promise<void>((resolve) => (this.#unansweredDrop = resolve));
    }
  }

  #onIncoming(event: Incoming): void {
    switch (event.type) {
      case "bytes":
        this.recvSize += event.size;
        this.meter.bump(event.size * this.meter.limits.bandwidthCostPerByte);
        return;
      case "oversize":
        this.host.sessionLog.warning(
          `[${this.id}] dropping message over ${withCommas(this.connection.maxRecv)} ` +
            "bytes and re-synchronizing",
        );
        return;
      case "message":
      case "text":
        this.#onMessage(event.data);
    }
  }

  #onMessage(data: Uint8Array | string): void {
    if (this.#closing) return;
    this.recvCount++;
    this.lastRecv = performance.now();
    if (this.logMe) {
      const text = typeof data === "string" ? data : new TextDecoder().decode(data);
      this.host.sessionLog.info(`[${this.id}] processing ${text}`);
    }
    let payload: unknown;
    try {
      payload = decodeMessage(data);
    } catch (error) {
      this.#countError(error as RpcError);
      this.#send(errorText(null, error as RpcError));
      return;
    }
    this.#dialect ??= detectDialect(payload);
    if (Array.isArray(payload)) {
      if (this.#dialect === "1.0") {
        this.#rejectMessage(new RpcError(ErrorCode.INVALID_REQUEST, "batches are not supported"));
      } else if (payload.length === 0) {
        this.#rejectMessage(new RpcError(ErrorCode.INVALID_REQUEST, "batch is empty"));
      } else {
        this.#processBatch(payload);
      }
      return;
    }
    const answer = this.#start(payload);
    if (answer instanceof Promise) {
      answer.then((text) => {
        if (text !== undefined) this.#sendResponse(text);
      });
    } else if (answer !== undefined) {
      this.#sendResponse(answer);
    }
  }

  #rejectMessage(error: RpcError): void {
    this.#countError(error);
    this.#send(errorText(null, error));
  }

  /**
   * Starts one item: invalid ones are answered at once (a string), requests run (a promise
   * of the answer text; undefined for notifications).
   */
  #start(item: unknown): OutgoingMessage | undefined | Promise<OutgoingMessage | undefined> {
    const parsed = parseRequest(item, this.#dialect ?? "loose");
    if (isStray(parsed)) {
      this.#countError(new RpcError(ErrorCode.INVALID_REQUEST, "unexpected response"));
      return undefined;
    }
    if (isBadRequest(parsed)) {
      this.#countError(parsed.error);
      return parsed.id === undefined ? undefined : errorText(parsed.id, parsed.error);
    }
    try {
      this.admit(parsed);
    } catch (error) {
      return this.#answerError(parsed, error);
    }
    return this.#run1(parsed);
  }

  async #run1(request: Request): Promise<OutgoingMessage | undefined> {
    this.unanswered++;
    try {
      const result = await this.#execute(request);
      return request.id === undefined ? undefined : resultMessage(request.id, result);
    } catch (error) {
      return this.#answerError(request, error);
    } finally {
      this.unanswered--;
      if (this.unanswered < MAX_UNANSWERED) this.#unansweredDrop?.();
      if (this.unanswered === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const wake of waiters) wake();
      }
      this.finished(request);
    }
  }

  /** Turns a failure into the answer text, charging and counting the error. */
  #answerError(request: Request, error: unknown): string | undefined {
    let rpcError: RpcError;
    if (error instanceof ExcessiveCostError) {
      rpcError = new RpcError(ErrorCode.EXCESSIVE_RESOURCE_USAGE, "excessive resource usage", {
        counts: false,
        disconnect: true,
      });
      this.host.sessionLog.info(
        `closing session over res usage. ip: ${this.remoteAddressString(true)}. groups: [${
          this.host.groupNames(this).join(", ")
        }]`,
      );
    } else if (error instanceof RpcError) {
      rpcError = error;
      this.bumpCost(ERROR_BASE_COST + error.extraCost);
    } else {
      this.host.sessionLog.error(
        `[${this.id}] exception handling ${request.method}: ${
          (error as Error)?.stack ?? String(error)
        }`,
      );
      rpcError = internalError();
      this.bumpCost(ERROR_BASE_COST);
    }
    if (rpcError.counts) this.errors++;
    const disconnect = rpcError.disconnect || this.errors >= MAX_ERRORS;
    const text = request.id === undefined ? undefined : errorText(request.id, rpcError);
    if (disconnect) {
      if (text !== undefined) this.#sendResponse(text);
      if (this.errors >= MAX_ERRORS && !rpcError.disconnect) {
        this.host.sessionLog.info(`[${this.id}] disconnecting: ${this.errors} errors`);
      }
      this.close();
      return undefined;
    }
    return text;
  }

  /** Counts and charges an error that is answered outside a request (parse errors etc.). */
  #countError(error: RpcError): void {
    this.bumpCost(ERROR_BASE_COST + error.extraCost);
    if (error.counts) this.errors++;
    if (this.errors >= MAX_ERRORS) {
      this.host.sessionLog.info(`[${this.id}] disconnecting: ${this.errors} errors`);
      // The answer goes out first: close() flushes what is queued.
      queueMicrotask(() => this.close());
    }
  }

  /** Slot, throttle delay and handler, bounded by the request timeout. */
  async #execute(request: Request): Promise<unknown> {
    const timeoutMs = this.meter.limits.requestTimeoutMs;
    const state: { cancelled: boolean; release?: () => void } = { cancelled: false };
    if (!(timeoutMs > 0)) return await this.#throttled(request, state);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        this.#throttled(request, state),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            state.cancelled = true;
            state.release?.();
            reject(
              new RpcError(ErrorCode.SERVER_BUSY, "server busy - request timed out", {
                counts: false,
              }),
            );
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #throttled(
    request: Request,
    state: { cancelled: boolean; release?: () => void },
  ): Promise<unknown> {
    await this.#slots.acquire();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#slots.release();
    };
    state.release = release;
    try {
      // A client that does not read its answers gets no new ones until they drain.
      if (this.#outbox.buffered > HIGH_WATER) await this.#outbox.drained(HIGH_WATER);
      if (state.cancelled) return undefined;
      const sleepMs = this.meter.sleepMs;
      if (sleepMs > 0) await delay(sleepMs);
      if (state.cancelled) return undefined;
      return await this.dispatch(request);
    } finally {
      release();
    }
  }

  #processBatch(items: unknown[]): void {
    const answers: string[] = [];
    let total = 2;
    const add = (message: OutgoingMessage | undefined, id: RequestId | undefined) => {
      if (message === undefined) return;
      // Batches are joined as text.
      let text = typeof message === "string" ? message : DECODER.decode(message);
      const size = utf8Length(text) + 1;
      if (this.#maxSend > 0 && total + size > this.#maxSend) {
        text = errorText(id, responseTooLarge(this.#maxSend));
      }
      total += utf8Length(text) + 1;
      answers.push(text);
    };
    const running: Promise<void>[] = [];
    for (const item of items) {
      const id = itemId(item);
      const answer = this.#start(item);
      if (answer instanceof Promise) running.push(answer.then((text) => add(text, id)));
      else add(answer, id);
    }
    Promise.all(running).then(() => {
      if (answers.length > 0) this.#send("[" + answers.join(",") + "]");
    });
  }

  /** Sends a single response, replacing it by an error when over MAX_SEND. */
  #sendResponse(message: OutgoingMessage): void {
    let bytes: Uint8Array;
    if (typeof message === "string") {
      // A UTF-8 character takes at most 4 bytes, so shorter texts are within MAX_SEND.
      const mayExceed = this.#maxSend > 0 && message.length > this.#maxSend / 4;
      if (!mayExceed && message.length <= LARGE_MESSAGE) {
        this.#send(message);
        return;
      }
      // Encoded once: the bytes give the exact size and are what gets written.
      bytes = ENCODER.encode(message);
    } else {
      bytes = message;
    }
    if (this.#maxSend > 0 && bytes.length > this.#maxSend) {
      this.#send(errorText(responseId(bytes), responseTooLarge(this.#maxSend)));
    } else {
      this.#send(bytes, bytes.length);
    }
  }

  /** Queues a message, counting it and charging bandwidth. */
  #send(
    message: OutgoingMessage,
    size = typeof message === "string" ? utf8Length(message) : message.length,
  ): void {
    if (this.#closing) return;
    this.sendCount++;
    this.sendSize += size;
    this.meter.bump(size * this.meter.limits.bandwidthCostPerByte);
    this.#outbox.push(message, size);
  }

  /** Sends a notification (already serialised) unless the session is closing. */
  sendNotificationText(text: string): void {
    if (this.#closing) return;
    this.#send(text);
  }

  /** Aborts the connection if a write has made no progress for `timeoutMs`. */
  checkWrite(now: number, timeoutMs: number): void {
    if (this.#outbox.stalledMs(now) > timeoutMs) {
      this.#outbox.fail(new WriteTimeoutError(`write blocked for ${timeoutMs} ms`));
    }
  }

  #writeFailed(error: Error): void {
    this.host.sessionLog.info(`[${this.id}] closing: ${error.message}`);
    this.#closing = true;
    this.connection.close();
  }

  /**
   * Closes the session: stops reading, writes what is queued, then closes the socket; forced
   * after `graceMs`.
   */
  close(graceMs: number = CLOSE_GRACE_MS.normal): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#unansweredDrop?.();
    this.#outbox.drained().then(() => this.connection.close());
    this.#forceTimer = setTimeout(() => this.connection.close(), graceMs);
  }

  /** Closes the socket at once. */
  abort(): void {
    this.#closing = true;
    this.connection.close();
  }

  /**
   * Checks a request as it arrives, before it queues for a slot (requests are admitted in
   * arrival order). Throws an RpcError to answer at once.
   */
  protected admit(_request: Request): void {}

  /** Called when a request has been answered (or failed), whatever happened. */
  protected finished(_request: Request): void {}

  /** Runs a request's method; throws RpcError for an error answer. */
  protected abstract dispatch(request: Request): Promise<unknown>;

  /** Counts a dispatched method for this session and server-wide. */
  protected countMethod(method: string): void {
    this.methodCounts.set(method, (this.methodCounts.get(method) ?? 0) + 1);
    this.host.countRequest(method);
  }
}

function itemId(item: unknown): RequestId | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return null;
  const id = (item as Record<string, unknown>).id;
  return id === undefined ? undefined : (id as RequestId);
}

/** The id of a serialised response (for replacing an oversized one). */
function responseId(bytes: Uint8Array): RequestId {
  // The id comes last; a longer one than this is answered with a null id.
  const text = DECODER.decode(bytes.subarray(Math.max(0, bytes.length - ID_TAIL_BYTES)));
  const at = text.lastIndexOf(',"id":');
  if (at < 0) return null;
  try {
    return JSON.parse(text.slice(at + 6, -1)) as RequestId;
  } catch {
    return null;
  }
}
