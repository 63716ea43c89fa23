/**
 * An in-memory connection: lets tests open thousands of sessions (from any address) without
 * sockets. Lines pushed in are what the client sends; `sent` is what the server wrote.
 */
import type { Connection, Incoming, RemoteAddress } from "../../src/electrum/connection.ts";

/** A connection with no socket behind it. */
export class FakeConnection implements Connection {
  readonly transport = "tcp" as const;
  readonly maxRecv = 1_000_000;
  /** Messages the server wrote, parsed, in order. */
  // deno-lint-ignore no-explicit-any
  readonly sent: any[] = [];
  #queue: Incoming[][] = [];
  #wake?: () => void;
  #closed = false;

  constructor(readonly remote: RemoteAddress) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Queues one message from the client. */
  push(message: unknown): void {
    const data = new TextEncoder().encode(JSON.stringify(message));
    this.#queue.push([{ type: "bytes", size: data.length + 1 }, { type: "message", data }]);
    this.#wake?.();
  }

  async *incoming(): AsyncIterable<Incoming[]> {
    while (!this.#closed) {
      const events = this.#queue.shift();
      if (events) {
        yield events;
        continue;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  write(messages: string[]): Promise<void> {
    for (const message of messages) this.sent.push(JSON.parse(message));
    return Promise.resolve();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }
}
