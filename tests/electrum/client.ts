/**
 * A small Electrum client for tests, over each transport (tcp, ssl, ws, wss): raw sends and
 * ordered reception of every message, requests matched by id, notifications, and a way to see
 * the server close the connection.
 */

/** A JSON-RPC message as received. */
// deno-lint-ignore no-explicit-any
export type Message = any;

/** Transports the client speaks. */
export type ClientTransport = "tcp" | "ssl" | "ws" | "wss";

/** Where and how to connect. */
export interface ClientOptions {
  transport: ClientTransport;
  port: number;
  /** PEM of the server's (self-signed) certificate, for ssl and wss. */
  caCert?: string;
}

/** An error answer, thrown by {@link TestClient.request}. */
export class RpcReplyError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const ENCODER = new TextEncoder();

/** A test client. */
export class TestClient {
  /** Messages received and not yet taken. */
  readonly inbox: Message[] = [];
  /** Raw texts received (lines or frames), in order. */
  readonly raw: string[] = [];
  #waiters: (() => void)[] = [];
  #nextId = 1000;
  #closed = false;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  #conn?: Deno.Conn;
  #ws?: WebSocket;
  #httpClient?: Deno.HttpClient;

  private constructor(readonly options: ClientOptions) {
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  /** Connects (and completes the TLS or WebSocket handshake). */
  static async connect(options: ClientOptions): Promise<TestClient> {
    const client = new TestClient(options);
    await client.#open();
    return client;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  async #open(): Promise<void> {
    const { transport, port, caCert } = this.options;
    if (transport === "tcp" || transport === "ssl") {
      this.#conn = transport === "tcp"
        ? await Deno.connect({ hostname: "127.0.0.1", port })
        : await Deno.connectTls({ hostname: "localhost", port, caCerts: [caCert!] });
      this.#readStream(this.#conn);
      return;
    }
    const scheme = transport === "ws" ? "ws" : "wss";
    const host = transport === "ws" ? "127.0.0.1" : "localhost";
    if (transport === "wss") this.#httpClient = Deno.createHttpClient({ caCerts: [caCert!] });
    const ws = new WebSocket(
      `${scheme}://${host}:${port}/`,
      this.#httpClient ? { client: this.#httpClient } : undefined,
    );
    this.#ws = ws;
    ws.onmessage = (event) => this.#receive(String(event.data));
    ws.onclose = () => this.#end();
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("websocket failed to open"));
    });
    ws.onerror = () => this.#end();
  }

  async #readStream(conn: Deno.Conn): Promise<void> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(65536);
    let pending = "";
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        pending += decoder.decode(buffer.subarray(0, n), { stream: true });
        let newline: number;
        while ((newline = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          this.#receive(line);
        }
      }
    } catch {
      // Reset by the server.
    }
    this.#end();
  }

  #receive(text: string): void {
    this.raw.push(text);
    this.inbox.push(JSON.parse(text));
    this.#wake();
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#resolveClosed();
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Sends raw text: a line (newline added for tcp/ssl) or one WebSocket frame. */
  async sendRaw(text: string | Uint8Array): Promise<void> {
    if (this.#ws) {
      this.#ws.send(text);
      return;
    }
    const bytes = typeof text === "string" ? ENCODER.encode(text + "\n") : text;
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn!.write(bytes.subarray(offset));
  }

  /** Sends a JSON value as one message. */
  send(message: unknown): Promise<void> {
    return this.sendRaw(JSON.stringify(message));
  }

  /**
   * The next message matching `match` (taken from the inbox), waiting up to `timeoutMs`.
   * Rejects on timeout or if the connection closes first.
   */
  async next(match: (m: Message) => boolean = () => true, timeoutMs = 10_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const index = this.inbox.findIndex(match);
      if (index >= 0) return this.inbox.splice(index, 1)[0];
      if (this.#closed) throw new Error("connection closed while waiting for a message");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Sends a request and returns the whole response object. */
  async call(method: string, params: unknown = [], id?: unknown): Promise<Message> {
    const requestId = id ?? this.#nextId++;
    await this.send({ jsonrpc: "2.0", method, params, id: requestId });
    return await this.next((m) => "id" in m && m.id === requestId && !("method" in m));
  }

  /** Sends a request; returns its result or throws {@link RpcReplyError}. */
  async request(method: string, params: unknown = []): Promise<Message> {
    const response = await this.call(method, params);
    if (response.error) throw new RpcReplyError(response.error.code, response.error.message);
    return response.result;
  }

  /** The next notification of `method`. */
  notification(method: string, timeoutMs = 10_000): Promise<Message> {
    return this.next((m) => m.method === method && !("id" in m), timeoutMs);
  }

  /** Waits until the server closes the connection (or the timeout passes). */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return result;
  }

  /** Closes the client's side. */
  close(): void {
    if (this.#closed && !this.#conn && !this.#ws) return;
    try {
      this.#conn?.close();
    } catch {
      // Already closed.
    }
    try {
      this.#ws?.close();
    } catch {
      // Already closed.
    }
    try {
      this.#httpClient?.close();
    } catch {
      // Closed before.
    }
    this.#httpClient = undefined;
    this.#end();
  }
}

/** Generates a self-signed certificate (CA:FALSE, SAN localhost and 127.0.0.1) in `dir`. */
export async function makeTestCertificate(
  dir: string,
): Promise<{ certFile: string; keyFile: string; cert: string }> {
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const output = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return { certFile, keyFile, cert: await Deno.readTextFile(certFile) };
}
