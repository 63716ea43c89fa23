/**
 * An Electrum wallet's session: the version handshake that must open it, the methods of the
 * negotiated protocol version, and the session's subscriptions.
 */
import { replyAndDisconnect, unknownMethod } from "./errors.ts";
import type { Request } from "./framing.ts";
import {
  findMethod,
  type MethodContext,
  type MethodSession,
  type Subscription,
} from "./methods.ts";
import { bindArguments } from "./params.ts";
import { PROTOCOL_MIN, type ProtocolVersion, versionString } from "./protocol.ts";
import { Session, type SessionOptions } from "./session.ts";

/** Where the version handshake stands. */
type Negotiation = "none" | "pending" | "done";

/** A wallet's session. */
export class ClientSession extends Session implements MethodSession {
  protocol: ProtocolVersion = PROTOCOL_MIN;
  clientName = "unknown";
  versionSeen = false;
  headersSubscribed = false;
  readonly subscriptions = new Map<string, Subscription>();
  #negotiation: Negotiation = "none";
  readonly #negotiated: Promise<void>;
  #resolveNegotiated!: () => void;

  constructor(options: SessionOptions, readonly context: MethodContext) {
    super(options);
    this.#negotiated = new Promise((resolve) => (this.#resolveNegotiated = resolve));
  }

  /** The negotiated version as the `sessions` table shows it ("1.4" before negotiation). */
  get protocolString(): string {
    return versionString(this.protocol);
  }

  /** The first request must be `server.version`; others wait for it to finish. */
  protected override admit(request: Request): void {
    if (this.#negotiation !== "none") return;
    if (request.method !== "server.version") {
      throw replyAndDisconnect("use server.version to identify client");
    }
    this.#negotiation = "pending";
  }

  protected override async dispatch(request: Request): Promise<unknown> {
    const { method } = request;
    if (this.#negotiation === "pending" && method !== "server.version") await this.#negotiated;
    const spec = findMethod(method, this.protocol);
    this.countMethod(spec ? method : "invalid method");
    if (!spec) throw unknownMethod(method);
    const args = bindArguments(method, spec.signature, request.params);
    return await spec.run(this.context, this, args);
  }

  /**
   * A `server.version` that failed before its handler ran (timed out, over cost) must not
   * leave later requests waiting for a negotiation that will never finish.
   */
  protected override finished(request: Request): void {
    if (request.method === "server.version" && this.#negotiation === "pending") {
      this.negotiationDone();
    }
  }

  negotiationDone(): void {
    this.#negotiation = "done";
    this.#resolveNegotiated();
  }
}
