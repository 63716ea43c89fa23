/** Peer records, real names, host checks, client selection and the blacklist. */
import assert from "node:assert/strict";
import { Peer, STALE_SECONDS } from "../../src/peers/peer.ts";
import { choosePeersForClients } from "../../src/peers/peer_manager.ts";
import { Blacklist } from "../../src/peers/blacklist.ts";

const MAINNET_PORTS = { ssl: 50002, tcp: 50001 };

Deno.test("real names: tokens set ports, versions and pruning; bare letters take the defaults", () => {
  const peer = Peer.fromRealName("ecdsa.net v1.4 s110 t", "coins.py", MAINNET_PORTS);
  assert.deepEqual(peer.host, "ecdsa.net");
  assert.deepEqual(peer.ssl_port, 110);
  assert.deepEqual(peer.tcp_port, 50001);
  assert.deepEqual(peer.protocol_min, "1.4");
  assert.deepEqual(peer.protocol_max, "1.4");
  assert.deepEqual(peer.features, {
    protocol_min: "1.4",
    protocol_max: "1.4",
    ssl_port: 110,
    tcp_port: 50001,
    hosts: { "ecdsa.net": { ssl_port: "110", tcp_port: 50001 } },
    pruning: null,
    server_version: null,
  });
  assert.deepEqual(peer.realName(), "ecdsa.net v1.4 s110 t50001");
  assert.deepEqual(peer.subscribeEntry(), ["ecdsa.net", "ecdsa.net", ["v1.4", "s110", "t50001"]]);

  const pruned = Peer.fromRealName("  a.example.com   p10 x9 v1 t51001 ", "RPC", MAINNET_PORTS);
  assert.deepEqual(pruned.pruning, 10);
  assert.deepEqual(pruned.protocol_max, "1.0", "one component is padded");
  assert.deepEqual(pruned.ssl_port, null);
  assert.deepEqual(pruned.realName(), "a.example.com v1.0 p10 t51001");

  const empty = Peer.fromRealName("", "RPC", MAINNET_PORTS);
  assert.deepEqual(empty.host, "nohost");
  assert.deepEqual(empty.protocol_max, "0.0");
  assert.deepEqual(empty.tcp_port, null);
});

Deno.test("features: ports must be 1-65535, versions well formed, pruning positive", () => {
  const peer = new Peer("h.example", {
    hosts: { "h.example": { tcp_port: "70000", ssl_port: 0 } },
    protocol_min: "1.x",
    protocol_max: 1.4,
    pruning: -3,
    server_version: 7,
    genesis_hash: "00ff",
  }, "x");
  assert.deepEqual([peer.tcp_port, peer.ssl_port], [null, null]);
  assert.deepEqual([peer.protocol_min, peer.protocol_max], ["0.0", "0.0"]);
  assert.deepEqual([peer.pruning, peer.server_version], [null, null]);
  assert.deepEqual(peer.features.genesis_hash, "00ff", "other keys are kept");
  assert.deepEqual(peer.connectionChoices(), []);
});

Deno.test("validity and publicness of hosts", () => {
  const check = (host: string) => {
    const peer = new Peer(host, { hosts: { [host]: {} } }, "x");
    return [peer.isValid, peer.isPublic];
  };
  assert.deepEqual(check("electrum.example.com"), [true, true]);
  assert.deepEqual(check("electrum.example.com."), [true, true]);
  assert.deepEqual(check("localhost"), [true, false]);
  assert.deepEqual(check("93.184.215.14"), [true, true]);
  assert.deepEqual(check("2a01:4f8::1"), [true, true]);
  assert.deepEqual(check("192.168.1.2"), [true, false]);
  assert.deepEqual(check("127.0.0.1"), [true, false]);
  assert.deepEqual(check("100.64.0.1"), [false, false], "shared address space is neither");
  assert.deepEqual(check("224.0.0.1"), [false, false], "multicast");
  assert.deepEqual(check("0.0.0.0"), [false, false], "unspecified");
  assert.deepEqual(check("bad_-.example.com"), [false, false]);
  assert.deepEqual(check("example.123"), [false, false], "numeric last label");
  assert.deepEqual(check("-a.example"), [false, false]);
  assert.deepEqual(check("x".repeat(64) + ".example"), [false, false], "label over 63");
  assert.deepEqual(check("abc.onion"), [true, true]);
});

Deno.test("matching, statuses and buckets", () => {
  const a = Peer.fromRealName("Host.Example s", "x", MAINNET_PORTS);
  const b = Peer.fromRealName("host.example t", "y", MAINNET_PORTS);
  assert(a.matches(b) && b.matches(a), "host names compare case-insensitively");
  const byIp = Peer.fromRealName("93.184.215.14 s", "z", MAINNET_PORTS);
  a.ipAddr = "93.184.215.14";
  assert(byIp.matches(a), "a host equal to the other's address");
  assert(a.matches(byIp), "an address equal to the other's host");

  const now = 1_000_000;
  assert.deepEqual(b.status(now), "never");
  b.lastGood = now - 10;
  assert.deepEqual(b.status(now), "good");
  b.lastGood = now - STALE_SECONDS - 1;
  assert.deepEqual(b.status(now), "stale");
  b.bad = true;
  assert.deepEqual(b.status(now), "bad");

  assert.deepEqual(a.internalBucket(), "93.184.215.14");
  assert.deepEqual(a.externalBucket(), "93.184.0.0/16");
  b.ipAddr = "2a01:4f8:10a:1::5";
  assert.deepEqual(b.internalBucket(), "2a01:4f8:10a:1::/64");
  assert.deepEqual(b.externalBucket(), "2a01:4f8:10a::/56");
  assert.deepEqual(Peer.fromRealName("x.onion t", "x", MAINNET_PORTS).externalBucket(), "onion");
  assert.deepEqual(Peer.fromRealName("x.example t", "x", MAINNET_PORTS).internalBucket(), "");
});

Deno.test("changed ports are remembered and tried once after the registered ones", () => {
  const known = Peer.fromRealName("h.example s50002 t50001", "x", MAINNET_PORTS);
  assert.ok(!known.rememberOtherPorts(Peer.fromRealName("h.example s t", "y", MAINNET_PORTS)));
  assert(known.rememberOtherPorts(Peer.fromRealName("h.example s443 t", "y", MAINNET_PORTS)));
  assert.deepEqual(known.connectionChoices(), [
    { kind: "SSL", port: 50002 },
    { kind: "TCP", port: 50001 },
    { kind: "SSL", port: 443 },
  ]);
  assert.deepEqual(known.connectionChoices().length, 2, "alternatives are consumed");
});

Deno.test("clients get two peers per /16, onions capped, and our own entries", () => {
  const now = 1_000_000;
  const good = (host: string, ip?: string) => {
    const peer = Peer.fromRealName(`${host} s t`, "peer", MAINNET_PORTS);
    peer.ipAddr = ip ?? null;
    peer.lastGood = now;
    return peer;
  };
  const sameSlash16 = [1, 2, 3, 4].map((n) => good(`p${n}.example`, `93.184.${n}.1`));
  const elsewhere = good("q.example", "198.100.1.1");
  const onions = Array.from({ length: 30 }, (_, n) => good(`o${n}.onion`));
  const me = good("me.example", "5.6.7.8");
  const chosen = choosePeersForClients(
    [me],
    [...sameSlash16, elsewhere, ...onions],
    false,
    () => 0.5,
  );
  assert.deepEqual(chosen.filter((p) => sameSlash16.includes(p)).length, 2);
  assert(chosen.includes(elsewhere) && chosen.includes(me));
  assert.deepEqual(chosen.filter((p) => p.isTor).length, 10, "max(10, 4 / 4)");
  const viaTor = choosePeersForClients([], onions, true, Math.random);
  assert.deepEqual(viaTor.length, 30, "up to 50 through the Tor proxy");
});

Deno.test("the blacklist is fetched over HTTP and matches hosts, domains and addresses", async () => {
  let body = JSON.stringify(["Evil.Example", "*.bad.org", "93.184.215.14"]);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(body, { headers: { "content-type": "application/json" } }),
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}/blacklist.json`;
    const blacklist = new Blacklist();
    await blacklist.refresh(url);
    assert.deepEqual(blacklist.size, 3);
    const peer = (host: string, ip: string | null = null) => {
      const p = Peer.fromRealName(`${host} t`, "x", MAINNET_PORTS);
      p.ipAddr = ip;
      return p;
    };
    assert(blacklist.has(peer("evil.example")));
    assert(blacklist.has(peer("a.b.bad.org")), "wildcard on the last two labels");
    assert(blacklist.has(peer("fine.example", "93.184.215.14")), "by address");
    assert.ok(!blacklist.has(peer("fine.example", "93.184.215.15")));

    body = "{not json";
    let failed = false;
    await blacklist.refresh(url).catch(() => failed = true);
    assert(failed, "a bad body is an error");
    assert.deepEqual(blacklist.size, 3, "and the previous list is kept");
  } finally {
    await server.shutdown();
  }
});
