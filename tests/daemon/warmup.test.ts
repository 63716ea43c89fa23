/**
 * A daemon still warming up (Bitcoin Core answers every request with error -28, "Loading block
 * index…", and HTTP 503 until it is ready) is waited for, not treated as an error; any other
 * error object reaches the caller at once. bcoin has no warm-up phase, so a small HTTP server
 * speaks Core's warm-up answers here.
 */
import assert from "node:assert/strict";
import { Daemon, DaemonRpcError } from "../../src/daemon/daemon.ts";
import { LogSink } from "../../src/log.ts";

/** A server answering `warmups` requests with -28, then getblockcount with 812,345. */
function warmingDaemon(warmups: number) {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const call = await req.json() as { id: number; method: string };
    requests++;
    if (requests <= warmups) {
      return Response.json({
        result: null,
        error: { code: -28, message: "Loading block index…" },
        id: call.id,
      }, { status: 503 });
    }
    if (call.method === "getblockcount") {
      return Response.json({ result: 812_345, error: null, id: call.id });
    }
    return Response.json({
      result: null,
      error: { code: -32601, message: "Method not found" },
      id: call.id,
    }, { status: 404 });
  });
  return { server, requests: () => requests };
}

Deno.test("a daemon warming up is waited for, then answers", async () => {
  const { server, requests } = warmingDaemon(3);
  const lines: string[] = [];
  const log = new LogSink("DEBUG", "%(levelname)s:%(name)s:%(message)s", (l) => lines.push(l))
    .logger("Daemon");
  const daemon = new Daemon({ urls: [`http://u:p@127.0.0.1:${server.addr.port}/`], log });
  try {
    assert.equal(await daemon.getBlockCount(), 812_345);
    assert.equal(requests(), 4, "three -28 answers, then the real one");
    assert.ok(lines.some((l) => /not ready: Loading block index/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /connection to daemon .* restored/.test(l)), lines.join("\n"));
    // Any other error object is the caller's to handle, without retries.
    const before = requests();
    await assert.rejects(
      daemon.call("nosuchmethod"),
      (error) => error instanceof DaemonRpcError && error.code === -32601,
    );
    assert.equal(requests(), before + 1);
  } finally {
    daemon.close();
    await server.shutdown();
  }
});
