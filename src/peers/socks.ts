/**
 * A SOCKS client for peer connections (docs/peers.md, "The proxy"): the SOCKS5 (no authentication),
 * SOCKS4a and SOCKS4 CONNECT handshakes on a socket already connected to the proxy, and
 * proxy detection, which asks a candidate proxy to connect somewhere and counts any
 * SOCKS-level answer, even a refusal, as "this is a proxy".
 */
import net from "node:net";
import { parseIp } from "../ip.ts";
import { withTimeout } from "../timeout.ts";

/** SOCKS protocol versions, in the order detection tries them. */
export const SOCKS_PROTOCOLS = ["SOCKS5", "SOCKS4a", "SOCKS4"] as const;
export type SocksProtocol = typeof SOCKS_PROTOCOLS[number];

/** A detected proxy. */
export interface SocksProxy {
  host: string;
  port: number;
  protocol: SocksProtocol;
}

/** The proxy answered, but not with success (it is still a proxy). */
export class SocksRefusedError extends Error {
  override name = "SocksRefusedError";
}

/** The other end does not speak SOCKS, or the exchange failed. */
export class SocksError extends Error {
  override name = "SocksError";
}

/** Reads exact byte counts from a socket until released. */
class SocketReader {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #wake?: () => void;
  #failure?: Error;
  readonly #onData = (chunk: Uint8Array) => {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    this.#wake?.();
  };
  readonly #onEnd = () => this.#fail(new SocksError("proxy closed the connection"));
  readonly #onError = (error: Error) => this.#fail(error);

  constructor(readonly socket: net.Socket) {
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onEnd);
    socket.on("error", this.#onError);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#wake?.();
  }

  async read(count: number): Promise<Uint8Array> {
    while (this.#size < count) {
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const all = new Uint8Array(this.#size);
    let offset = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    this.#chunks = count < all.length ? [all.subarray(count)] : [];
    this.#size = all.length - count;
    return all.subarray(0, count);
  }

  release(): void {
    this.socket.off("data", this.#onData);
    this.socket.off("end", this.#onEnd);
    this.socket.off("close", this.#onEnd);
    this.socket.off("error", this.#onError);
  }
}

function portBytes(port: number): number[] {
  return [port >> 8, port & 0xff];
}

const ENCODER = new TextEncoder();

async function socks5(reader: SocketReader, host: string, port: number): Promise<void> {
  reader.socket.write(Uint8Array.of(5, 1, 0));
  const choice = await reader.read(2);
  if (choice[0] !== 5) throw new SocksError("not a SOCKS5 proxy");
  if (choice[1] !== 0) throw new SocksRefusedError("SOCKS5 proxy requires authentication");
  const ip = parseIp(host);
  const address = ip?.length === 4
    ? [1, ...ip]
    : ip
    ? [4, ...ip]
    : [3, ENCODER.encode(host).length, ...ENCODER.encode(host)];
  reader.socket.write(Uint8Array.of(5, 1, 0, ...address, ...portBytes(port)));
  const head = await reader.read(4);
  if (head[0] !== 5) throw new SocksError("bad SOCKS5 reply");
  if (head[1] !== 0) throw new SocksRefusedError(`SOCKS5 proxy refused: code ${head[1]}`);
  const addressLength = head[3] === 1 ? 4 : head[3] === 4 ? 16 : (await reader.read(1))[0];
  await reader.read(addressLength + 2);
}

async function socks4(
  reader: SocketReader,
  host: string,
  port: number,
  protocol: "SOCKS4" | "SOCKS4a",
): Promise<void> {
  const ip = parseIp(host);
  let request: number[];
  if (protocol === "SOCKS4a" && ip?.length !== 4) {
    request = [4, 1, ...portBytes(port), 0, 0, 0, 1, 0, ...ENCODER.encode(host), 0];
  } else if (ip?.length === 4) {
    request = [4, 1, ...portBytes(port), ...ip, 0];
  } else {
    throw new SocksError(`SOCKS4 needs an IPv4 address, not ${host}`);
  }
  reader.socket.write(Uint8Array.of(...request));
  const reply = await reader.read(8);
  if (reply[0] !== 0) throw new SocksError("bad SOCKS4 reply");
  if (reply[1] !== 0x5a) throw new SocksRefusedError(`SOCKS4 proxy refused: code ${reply[1]}`);
}

/** Performs the CONNECT handshake to `host:port` on `socket` (connected to the proxy). */
export async function socksConnect(
  socket: net.Socket,
  protocol: SocksProtocol,
  host: string,
  port: number,
): Promise<void> {
  const reader = new SocketReader(socket);
  try {
    if (protocol === "SOCKS5") await socks5(reader, host, port);
    else await socks4(reader, host, port, protocol);
  } finally {
    reader.release();
  }
}

/** Opens a TCP connection; rejects on error, after `timeoutMs`, or when `signal` aborts. */
export function connectTcp(
  options: net.NetConnectOpts & { host: string; port: number },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SocksError("connection abandoned"));
    const socket = net.connect(options);
    const fail = (error: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(new SocksError("connection abandoned"));
    const timer = setTimeout(
      () => fail(new SocksError(`timed out connecting to ${options.host}:${options.port}`)),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", fail);
    socket.once("connect", () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", fail);
      resolve(socket);
    });
  });
}

/** Where detection asks each protocol to connect to. */
const PROBE_TARGETS: Record<SocksProtocol, [string, number]> = {
  SOCKS5: ["8.8.8.8", 53],
  SOCKS4a: ["www.apple.com", 80],
  SOCKS4: ["8.8.8.8", 53],
};

/**
 * The first protocol `host:port` answers as a SOCKS proxy, trying SOCKS5, SOCKS4a, SOCKS4;
 * undefined if it is not one (or cannot be reached).
 */
export async function detectSocksProxy(
  host: string,
  port: number,
  timeoutMs = 10_000,
): Promise<SocksProxy | undefined> {
  for (const protocol of SOCKS_PROTOCOLS) {
    let socket: net.Socket | undefined;
    try {
      socket = await connectTcp({ host, port }, timeoutMs);
      const [targetHost, targetPort] = PROBE_TARGETS[protocol];
      await withTimeout(
        socksConnect(socket, protocol, targetHost, targetPort),
        timeoutMs,
        () => new SocksError("timed out"),
      );
      return { host, port, protocol };
    } catch (error) {
      if (error instanceof SocksRefusedError) return { host, port, protocol };
    } finally {
      socket?.destroy();
    }
  }
  return undefined;
}
