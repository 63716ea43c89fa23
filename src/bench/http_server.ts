/**
 * A minimal HTTP/1.1 server on a TCP listener, as much as a JSON-RPC endpoint needs (requests
 * with a Content-Length body, keep-alive, Expect: 100-continue), written for throughput:
 * replies are written into reused buffers, and each goes out in one socket write. Deno.serve
 * moves large bodies several times slower here (it copies each body into new memory, then
 * writes it in pieces), which would make the replay daemon, not the indexer, the benchmark's
 * bottleneck.
 */

/** A request as the handler sees it. */
export interface HttpRequest {
  method: string;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: Uint8Array;
}

/** What the handler answers. */
export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body: Uint8Array;
}

/**
 * Produces the response to a request. `reserve` hands out a buffer of at least `size` bytes,
 * reused for every reply of the connection, so big bodies need no fresh memory.
 */
export type HttpHandler = (
  request: HttpRequest,
  reserve: (size: number) => Uint8Array,
) => HttpResponse;

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  411: "Length Required",
  413: "Payload Too Large",
  500: "Internal Server Error",
};
/** Room kept at the start of the reply buffer for the status line and headers. */
const HEAD_ROOM = 512;
const MAX_HEAD = 64 * 1024;
const MAX_BODY = 64 * 1024 * 1024;
const MAX_SPARE_BUFFERS = 8;
const NO_BUFFER: Uint8Array = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A request that cannot be served; answered with `status`, then the connection closes. */
class BadRequest extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Bytes read from a connection, consumed from the front. */
class InputBuffer {
  #bytes = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;

  constructor(readonly conn: Deno.Conn) {}

  get available(): Uint8Array {
    return this.#bytes.subarray(this.#start, this.#end);
  }

  consume(count: number): void {
    this.#start += count;
  }

  /** Reads more; false at the end of the stream. */
  async fill(): Promise<boolean> {
    if (this.#start > 0) {
      this.#bytes.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    const read = await this.conn.read(this.#bytes.subarray(this.#end));
    if (read === null) return false;
    this.#end += read;
    return true;
  }
}

/** Index of "\r\n\r\n" in `bytes`, or -1. */
function headEnd(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (
      bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13
    ) {
      return i + 1;
    }
  }
  return -1;
}

/** A running server. */
export class HttpServer {
  readonly #listener: Deno.TcpListener;
  readonly #connections = new Set<Deno.Conn>();
  readonly #done: Promise<void>;
  /**
   * Reply buffers not in use, smallest first. Memory the process has written before is far
   * cheaper to write again than new memory (page faults cost about 15 µs a page on the
   * benchmark machine), so replies reuse these across requests and connections.
   */
  readonly #freeBuffers: Uint8Array[] = [];
  #closing = false;

  constructor(options: { hostname: string; port: number }, readonly handler: HttpHandler) {
    this.#listener = Deno.listen({ hostname: options.hostname, port: options.port });
    this.#done = this.#accept();
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#listener.close();
    for (const conn of this.#connections) {
      try {
        conn.close();
      } catch {
        // already closed by the peer
      }
    }
    await this.#done;
  }

  async #accept(): Promise<void> {
    const served: Promise<void>[] = [];
    try {
      for await (const conn of this.#listener) {
        this.#connections.add(conn);
        served.push(
          this.#serve(conn).catch(() => {}).finally(() => this.#connections.delete(conn)),
        );
      }
    } catch (error) {
      if (!this.#closing) throw error;
    }
    await Promise.all(served);
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const input = new InputBuffer(conn);
    let reply = NO_BUFFER;
    const reserve = (size: number): Uint8Array => {
      if (HEAD_ROOM + size > reply.length) {
        this.#release(reply);
        reply = this.#acquire(HEAD_ROOM + size);
      }
      return reply.subarray(HEAD_ROOM);
    };
    try {
      for (;;) {
        let request: HttpRequest & { keepAlive: boolean };
        try {
          const read = await this.#readRequest(input, conn);
          if (read === undefined) return;
          request = read;
        } catch (error) {
          if (!(error instanceof BadRequest)) throw error;
          const body = encoder.encode(error.message);
          await writeAll(conn, responseHead(error.status, body.length, {}, false));
          await writeAll(conn, body);
          return;
        }
        let response: HttpResponse;
        try {
          response = this.handler(request, reserve);
        } catch (error) {
          const body = encoder.encode(`internal error: ${(error as Error).message}`);
          await writeAll(conn, responseHead(500, body.length, {}, false));
          await writeAll(conn, body);
          return;
        }
        const head = responseHead(
          response.status,
          response.body.length,
          response.headers ?? {},
          request.keepAlive,
        );
        await writeAll(conn, withHead(head, response.body, reply));
        // Back to the pool: an idle connection holds no reply memory.
        this.#release(reply);
        reply = NO_BUFFER;
        if (!request.keepAlive) return;
      }
    } finally {
      this.#release(reply);
      try {
        conn.close();
      } catch {
        // closed by close()
      }
    }
  }

  /** A reply buffer of at least `size` bytes, from those released earlier when one fits. */
  #acquire(size: number): Uint8Array {
    const free = this.#freeBuffers;
    let best = -1;
    for (let i = 0; i < free.length; i++) {
      if (free[i].length >= size && (best < 0 || free[i].length < free[best].length)) best = i;
    }
    if (best >= 0) return free.splice(best, 1)[0];
    // Drop a smaller spare so the pool stays a few buffers of the sizes in use.
    if (free.length >= MAX_SPARE_BUFFERS) free.shift();
    return new Uint8Array(Math.max(size, 64 * 1024));
  }

  #release(buffer: Uint8Array): void {
    if (buffer.length === 0) return;
    this.#freeBuffers.push(buffer);
    this.#freeBuffers.sort((a, b) => a.length - b.length);
    if (this.#freeBuffers.length > MAX_SPARE_BUFFERS) this.#freeBuffers.shift();
  }

  async #readRequest(
    input: InputBuffer,
    conn: Deno.Conn,
  ): Promise<(HttpRequest & { keepAlive: boolean }) | undefined> {
    let end: number;
    while ((end = headEnd(input.available)) < 0) {
      if (input.available.length > MAX_HEAD) throw new BadRequest(400, "request head too large");
      if (!(await input.fill())) {
        if (input.available.length === 0) return undefined;
        throw new BadRequest(400, "connection closed inside a request head");
      }
    }
    const lines = decoder.decode(input.available.subarray(0, end - 4)).split("\r\n");
    input.consume(end);
    const [method, , version] = lines[0].split(" ");
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) {
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    if (headers.has("transfer-encoding")) throw new BadRequest(411, "send a Content-Length body");
    const length = Number(headers.get("content-length") ?? 0);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new BadRequest(400, "bad Content-Length");
    }
    if (length > MAX_BODY) throw new BadRequest(413, "request body too large");
    if (headers.get("expect")?.toLowerCase() === "100-continue") {
      await writeAll(conn, encoder.encode("HTTP/1.1 100 Continue\r\n\r\n"));
    }
    while (input.available.length < length) {
      if (!(await input.fill())) {
        throw new BadRequest(400, "connection closed inside a request body");
      }
    }
    const body = input.available.slice(0, length);
    input.consume(length);
    const connection = headers.get("connection")?.toLowerCase();
    const keepAlive = version === "HTTP/1.0" ? connection === "keep-alive" : connection !== "close";
    return { method, headers, body, keepAlive };
  }
}

function responseHead(
  status: number,
  length: number,
  headers: Record<string, string>,
  keepAlive: boolean,
): Uint8Array {
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  head += `Content-Length: ${length}\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`;
  return encoder.encode(head);
}

/**
 * Head and body as one buffer: in place when the body sits at HEAD_ROOM of the connection's
 * reply buffer (the handler used `reserve`), else a copy.
 */
function withHead(head: Uint8Array, body: Uint8Array, reply: Uint8Array): Uint8Array {
  if (
    body.buffer === reply.buffer && body.byteOffset === reply.byteOffset + HEAD_ROOM &&
    head.length <= HEAD_ROOM
  ) {
    const start = HEAD_ROOM - head.length;
    reply.set(head, start);
    return reply.subarray(start, HEAD_ROOM + body.length);
  }
  const joined = new Uint8Array(head.length + body.length);
  joined.set(head);
  joined.set(body, head.length);
  return joined;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}
