/**
 * A lean Electrum client for load generation: one TCP connection, newline-delimited JSON-RPC,
 * any number of requests in flight, each answer timed. Thousands of these run in one process.
 */

/** An answer with the time it took. */
export interface TimedReply {
  result?: unknown;
  error?: { code: number; message: string };
  /** From the request's write to the answer's last byte. */
  ms: number;
  /** Bytes of the answer's line. */
  size: number;
}

/** Options of a load client. */
export interface LoadClientOptions {
  /**
   * Answers longer than this are not decoded: their id is read from the end of the line and
   * `result` is left undefined (a load generator parsing ten 1 MB answers at once would time
   * its own parsing). Error answers are always decoded.
   */
  decodeUpTo?: number;
}

/** `…,"id":12}` at the end of a JSON-RPC answer. */
const TRAILING_ID = /"id":(\d+)\}\s*$/;

const ENCODER = new TextEncoder();

export class LoadClient {
  #nextId = 1;
  #waiting = new Map<number, { started: number; resolve(reply: TimedReply): void }>();
  #closed = false;
  /** Called with the method and params of each notification. */
  onNotification: (method: string, params: unknown[]) => void = () => {};

  private constructor(readonly conn: Deno.TcpConn, readonly options: LoadClientOptions) {
    this.#read();
  }

  static async connect(port: number, options: LoadClientOptions = {}): Promise<LoadClient> {
    return new LoadClient(await Deno.connect({ hostname: "127.0.0.1", port }), options);
  }

  /** Sends a request; resolves with its answer and latency (rejects if the connection ends). */
  request(method: string, params: unknown[] = []): Promise<TimedReply> {
    if (this.#closed) return Promise.reject(new Error("connection closed"));
    const id = this.#nextId++;
    const reply = new Promise<TimedReply>((resolve) => {
      this.#waiting.set(id, { started: performance.now(), resolve });
    });
    this.#write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
    return reply;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  async #write(text: string): Promise<void> {
    const bytes = ENCODER.encode(text);
    try {
      for (let at = 0; at < bytes.length;) at += await this.conn.write(bytes.subarray(at));
    } catch {
      this.#end();
    }
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    // Pieces of the line being received: a multi-megabyte answer arrives in many chunks, and
    // only each new chunk is searched for the end of the line.
    let pieces: string[] = [];
    // Plain reads into one buffer: a ReadableStream per socket costs too much with thousands.
    const buffer = new Uint8Array(65536);
    try {
      while (true) {
        const count = await this.conn.read(buffer);
        if (count === null) break;
        let text = decoder.decode(buffer.subarray(0, count), { stream: true });
        let newline: number;
        while ((newline = text.indexOf("\n")) >= 0) {
          pieces.push(text.slice(0, newline));
          const line = pieces.join("");
          pieces = [];
          text = text.slice(newline + 1);
          if (line.trim()) this.#receiveLine(line);
        }
        if (text) pieces.push(text);
      }
    } catch {
      // connection reset
    }
    this.#end();
  }

  #receiveLine(line: string): void {
    const receivedAt = performance.now();
    const limit = this.options.decodeUpTo ?? Infinity;
    const id = line.length > limit && !line.includes('"error":') &&
      TRAILING_ID.exec(line.slice(-32))?.[1];
    if (id) {
      this.#resolve(Number(id), {}, receivedAt, line.length);
      return;
    }
    const message = JSON.parse(line);
    if (message.method !== undefined && message.id === undefined) {
      this.onNotification(message.method, message.params ?? []);
      return;
    }
    this.#resolve(message.id, message, receivedAt, line.length);
  }

  #resolve(
    id: number,
    answer: { result?: unknown; error?: { code: number; message: string } },
    receivedAt: number,
    size: number,
  ): void {
    const waiter = this.#waiting.get(id);
    if (!waiter) return;
    this.#waiting.delete(id);
    waiter.resolve({
      result: answer.result,
      error: answer.error,
      ms: receivedAt - waiter.started,
      size,
    });
  }

  #end(): void {
    this.#closed = true;
    for (const waiter of this.#waiting.values()) {
      waiter.resolve({ error: { code: -1, message: "connection closed" }, ms: 0, size: 0 });
    }
    this.#waiting.clear();
  }
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
