/**
 * A small SOCKS proxy for tests: SOCKS5 (no authentication) or SOCKS4/4a CONNECT, relaying
 * bytes to the target. Names in `aliases` (e.g. an `.onion` name) are mapped to addresses;
 * other names are connected to as given. Records every target it was asked for.
 */

/** A running proxy. */
export class TestSocksProxy {
  readonly targets: string[] = [];
  readonly #listener: Deno.TcpListener;
  readonly #conns = new Set<Deno.Conn>();
  readonly #serving: Promise<void>;

  private constructor(
    listener: Deno.TcpListener,
    readonly protocol: "SOCKS5" | "SOCKS4",
    readonly aliases: Record<string, string>,
  ) {
    this.#listener = listener;
    this.#serving = this.#serve();
  }

  static start(
    protocol: "SOCKS5" | "SOCKS4",
    aliases: Record<string, string> = {},
  ): TestSocksProxy {
    return new TestSocksProxy(
      Deno.listen({ hostname: "127.0.0.1", port: 0 }),
      protocol,
      aliases,
    );
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  async stop(): Promise<void> {
    this.#listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    await this.#serving;
  }

  async #serve(): Promise<void> {
    const handlers: Promise<void>[] = [];
    try {
      for await (const conn of this.#listener) {
        this.#conns.add(conn);
        handlers.push(this.#handle(conn).catch(() => {}).finally(() => this.#close(conn)));
      }
    } catch {
      // listener closed
    }
    await Promise.all(handlers);
  }

  #close(conn: Deno.Conn): void {
    if (!this.#conns.delete(conn)) return;
    try {
      conn.close();
    } catch {
      // already closed
    }
  }

  async #handle(client: Deno.Conn): Promise<void> {
    const reader = new ConnReader(client);
    const first = await reader.read(1);
    let host: string;
    let port: number;
    if (first[0] === 5 && this.protocol === "SOCKS5") {
      const methods = await reader.read((await reader.read(1))[0]);
      if (!methods.includes(0)) return void await client.write(Uint8Array.of(5, 0xff));
      await client.write(Uint8Array.of(5, 0));
      const head = await reader.read(4);
      if (head[3] === 1) host = (await reader.read(4)).join(".");
      else if (head[3] === 3) {
        host = new TextDecoder().decode(await reader.read((await reader.read(1))[0]));
      } else return void await client.write(Uint8Array.of(5, 8, 0, 1, 0, 0, 0, 0, 0, 0));
      const portBytes = await reader.read(2);
      port = portBytes[0] * 256 + portBytes[1];
    } else if (first[0] === 4 && this.protocol === "SOCKS4") {
      const head = await reader.read(7);
      port = head[1] * 256 + head[2];
      await reader.readUntilZero(); // user id
      host = head[3] === 0 && head[4] === 0 && head[5] === 0 && head[6] !== 0
        ? new TextDecoder().decode(await reader.readUntilZero())
        : head.slice(3, 7).join(".");
    } else {
      return;
    }
    this.targets.push(`${host}:${port}`);
    let target: Deno.Conn;
    try {
      target = await Deno.connect({ hostname: this.aliases[host] ?? host, port });
    } catch {
      await client.write(
        this.protocol === "SOCKS5"
          ? Uint8Array.of(5, 5, 0, 1, 0, 0, 0, 0, 0, 0)
          : Uint8Array.of(0, 0x5b, 0, 0, 0, 0, 0, 0),
      );
      return;
    }
    this.#conns.add(target);
    await client.write(
      this.protocol === "SOCKS5"
        ? Uint8Array.of(5, 0, 0, 1, 127, 0, 0, 1, 0, 0)
        : Uint8Array.of(0, 0x5a, 0, 0, 0, 0, 0, 0),
    );
    const rest = reader.drain();
    if (rest.length > 0) await target.write(rest);
    await Promise.all([
      target.readable.pipeTo(client.writable).catch(() => {}),
      client.readable.pipeTo(target.writable).catch(() => {}),
    ]);
    this.#close(target);
  }
}

/** Exact-count reads from a connection, keeping what was read past the count. */
class ConnReader {
  #buffer = new Uint8Array(0);

  constructor(readonly conn: Deno.Conn) {}

  async read(count: number): Promise<Uint8Array> {
    while (this.#buffer.length < count) await this.#fill();
    const out = this.#buffer.slice(0, count);
    this.#buffer = this.#buffer.slice(count);
    return out;
  }

  async readUntilZero(): Promise<Uint8Array> {
    let zero: number;
    while ((zero = this.#buffer.indexOf(0)) < 0) await this.#fill();
    const out = this.#buffer.slice(0, zero);
    this.#buffer = this.#buffer.slice(zero + 1);
    return out;
  }

  drain(): Uint8Array {
    const out = this.#buffer;
    this.#buffer = new Uint8Array(0);
    return out;
  }

  async #fill(): Promise<void> {
    const chunk = new Uint8Array(4096);
    const n = await this.conn.read(chunk);
    if (n === null) throw new Error("closed");
    const joined = new Uint8Array(this.#buffer.length + n);
    joined.set(this.#buffer);
    joined.set(chunk.subarray(0, n), this.#buffer.length);
    this.#buffer = joined;
  }
}
