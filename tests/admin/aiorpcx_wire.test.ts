/**
 * Wire compatibility of `electrumx rpc` with ElectrumX's side of the LocalRPC protocol: our
 * client against an aiorpcX server (what ElectrumX's LocalRPC is built on). The server
 * echoes what aiorpcX decoded, so each command's method and parameters are checked as
 * ElectrumX would see them; an error reply is printed in Python's tuple form. (The other
 * direction, aiorpcX's client against our server, runs in admin_e2e.test.ts.)
 */
import assert from "node:assert/strict";
import { aiorpcxInstalled, AiorpcxServer } from "./aiorpcx.ts";
import { runRpc as rpc } from "../support/rpc_cli.ts";

Deno.test("electrumx rpc against an aiorpcX LocalRPC server", async () => {
  assert.ok(
    aiorpcxInstalled(),
    "Debian's python3-aiorpcx is not installed: run scripts/setup.sh as root, or apt-get install electrum",
  );
  const server = await AiorpcxServer.start();
  try {
    const decoded = async (...args: string[]) => {
      const reply = await rpc(server.port, "--json", ...args);
      assert.equal(reply.code, 0, reply.stdout);
      return JSON.parse(reply.stdout);
    };
    assert.deepEqual(await decoded("getinfo"), { method: "getinfo", params: {} });
    assert.deepEqual(
      await decoded("query", "--limit", "5", "00ff", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
      {
        method: "query",
        params: { items: ["00ff", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"], limit: 5 },
      },
    );
    assert.deepEqual(await decoded("disconnect", "4", "all"), {
      method: "disconnect",
      params: { session_ids: ["4", "all"] },
    });
    assert.deepEqual(await decoded("add_peer", "ecdsa.net v1.4 s110 t"), {
      method: "add_peer",
      params: { real_name: "ecdsa.net v1.4 s110 t" },
    });
    assert.deepEqual(await decoded("reorg", "2"), { method: "reorg", params: { count: 2 } });

    const failure = await rpc(server.port, "log", "fail");
    assert.equal(failure.code, 1);
    assert.equal(failure.stdout, `error making request: (1, "no session with id='x'")\n`);
  } finally {
    await server.stop();
  }
});
