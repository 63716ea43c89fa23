/**
 * The LocalRPC client side: one connection, one newline-terminated JSON-RPC 2.0 request with
 * id 0 and named parameters (byte-for-byte what ElectrumX's `electrumx_rpc` sends), one reply.
 */

/** The server answered with a JSON-RPC error object. */
export class AdminRpcError extends Error {
  override name = "AdminRpcError";

  constructor(readonly code: number, readonly rpcMessage: string) {
    super(`${code}: ${rpcMessage}`);
  }
}

/** No server could be reached on the port. */
export class AdminConnectError extends Error {
  override name = "AdminConnectError";
}

/** The whole operation took longer than the timeout. */
export class AdminTimeoutError extends Error {
  override name = "AdminTimeoutError";

  constructor(readonly seconds: number) {
    super(`task timed out after ${seconds}s`);
  }
}

/** The exact request line: key order jsonrpc, method, id, params; no whitespace. */
export function adminRequestLine(method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: "2.0", method, id: 0, params }) + "\n";
}

/** Hosts `localhost` resolves to, tried in order. */
const LOCALHOST_ADDRESSES = ["127.0.0.1", "::1"];

async function connectLocalhost(port: number): Promise<Deno.TcpConn> {
  let lastError: unknown;
  for (const hostname of LOCALHOST_ADDRESSES) {
    try {
      return await Deno.connect({ hostname, port });
    } catch (error) {
      lastError = error;
    }
  }
  throw new AdminConnectError(`cannot connect to localhost:${port}: ${String(lastError)}`);
}

async function readLine(conn: Deno.Conn): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(65536);
  while (true) {
    const count = await conn.read(buffer);
    if (count === null) break;
    const chunk = buffer.slice(0, count);
    const newline = chunk.indexOf(10);
    if (newline >= 0) {
      chunks.push(chunk.subarray(0, newline));
      break;
    }
    chunks.push(chunk);
  }
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (total === 0) throw new AdminConnectError("connection closed without a reply");
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(joined);
}

/** Sends one admin command to localhost:`port` and returns its result. */
export async function callAdmin(
  port: number,
  method: string,
  params: Record<string, unknown>,
  options: { timeoutSeconds?: number } = {},
): Promise<unknown> {
  const seconds = options.timeoutSeconds ?? 30;
  let conn: Deno.TcpConn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      conn?.close();
      conn = undefined;
      reject(new AdminTimeoutError(seconds));
    }, seconds * 1000);
  });
  const exchange = (async () => {
    conn = await connectLocalhost(port);
    try {
      await conn.write(new TextEncoder().encode(adminRequestLine(method, params)));
      const reply = JSON.parse(await readLine(conn));
      if (reply.error) {
        throw new AdminRpcError(Number(reply.error.code), String(reply.error.message));
      }
      return reply.result;
    } finally {
      conn?.close();
      conn = undefined;
    }
  })();
  try {
    return await Promise.race([exchange, timeout]);
  } finally {
    clearTimeout(timer);
    exchange.catch(() => {});
  }
}
