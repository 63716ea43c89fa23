/**
 * Peer discovery between real servers on loopback: two of our servers over one regtest index,
 * B on 127.0.0.1 (TCP and SSL) and A on 127.0.0.2 (TCP). Each verifies itself through its own
 * listeners; A is told about B by the admin `add_peer`, verifies it over SSL, and announces
 * itself with `server.add_peer`, which B checks (A's host resolves to A's address) and
 * verifies in turn. A peer on another network is marked bad, an unreachable one stays
 * "never", and a peer whose tip or headers differ from ours fails verification. Loopback
 * addresses are not public, so the managers here count any valid host as public.
 */
import assert from "node:assert/strict";
import { NETWORKS } from "../../src/chain/networks.ts";
import { peersTable } from "../../src/cli/tables.ts";
import type { Config } from "../../src/config.ts";
import { SERVER_VERSION } from "../../src/electrum/protocol.ts";
import { type BoundService, ElectrumServer } from "../../src/electrum/server.ts";
import { Peer } from "../../src/peers/peer.ts";
import { PeerConnection } from "../../src/peers/peer_client.ts";
import { PeerManager } from "../../src/peers/peer_manager.ts";
import { detectSocksProxy } from "../../src/peers/socks.ts";
import { BadPeerError, type VerifyContext, verifyPeer } from "../../src/peers/verify.ts";
import { toHex } from "../../src/chain/bytes.ts";
import type { IndexStore } from "../../src/index/store.ts";
import { LogSink } from "../../src/log.ts";
import { Harness } from "../electrum/harness.ts";
import { TestSocksProxy } from "../support/socks_proxy.ts";

const anyValidHost = (peer: Peer) => peer.isValid;

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A peer manager over `store` logging into `lines`, counting any valid host as public. */
function loggingManager(config: Config, store: IndexStore) {
  const lines: string[] = [];
  const logs = new LogSink("DEBUG", "%(message)s", (line: string) => lines.push(line));
  const manager = new PeerManager({
    config,
    store,
    log: logs.logger("PeerManager"),
    isPublic: anyValidHost,
  });
  return { manager, lines, logs };
}

function reportServices(addresses: BoundService[]): Config["reportServices"] {
  return addresses.map(({ service, hostname, port }) => ({
    protocol: service.protocol,
    host: hostname,
    port,
    url: `${service.protocol}://${hostname}:${port}`,
  }));
}

Deno.test("peer discovery between two servers on loopback", async (t) => {
  let peersB!: PeerManager;
  const harness = await Harness.start({
    transports: ["tcp", "ssl"],
    env: { PEER_DISCOVERY: "on" },
    peers: (h) =>
      peersB = new PeerManager({
        config: h.config,
        store: h.store,
        log: h.logs.logger("PeerManager"),
        isPublic: anyValidHost,
      }),
  });
  const configA: Config = {
    ...harness.config,
    services: [{ protocol: "tcp", host: "127.0.0.2", port: 0, url: "tcp://127.0.0.2:0" }],
    reportServices: [],
  };
  const { manager: peersA, lines: linesA, logs: logsA } = loggingManager(configA, harness.store);
  const serverA = new ElectrumServer({
    config: configA,
    store: harness.store,
    mempool: harness.mempool,
    daemon: harness.node.daemon,
    logs: logsA,
    peers: peersA,
  });
  const others: PeerManager[] = [];
  try {
    const tcpB = harness.port("tcp");
    const sslB = harness.port("ssl");

    await t.step("each server verifies itself through its own listeners", async () => {
      harness.config.reportServices = reportServices(harness.server.addresses);
      peersB.start();
      await serverA.start();
      configA.reportServices = reportServices(serverA.addresses);
      peersA.start();
      await waitFor("B to verify itself", () => peersB.counts().good === 1);
      await waitFor("A to verify itself", () => peersA.counts().good === 1);
      // TOR_PROXY_HOST is "localhost": sessions from the address it resolves to count as Tor.
      await waitFor(
        "the proxy host's addresses",
        () => peersB.viaTorProxy({ hostname: "127.0.0.1", port: 1 }),
      );
      assert.equal(peersB.viaTorProxy({ hostname: "127.0.0.2", port: 1 }), false);
      const client = await harness.connect();
      assert.deepEqual(await client.request("server.peers.subscribe", []), [
        ["127.0.0.1", "127.0.0.1", ["v1.6.0", `s${sslB}`, `t${tcpB}`]],
      ]);
    });

    await t.step("A verifies B over SSL and announces itself; B verifies A", async () => {
      peersA.addRealName(`127.0.0.1 s${sslB} t${tcpB}`);
      await waitFor("A to verify B", () => peersA.counts().good === 2);
      const recordB = peersA.records().find((record) => record.host === "127.0.0.1")!;
      assert.equal(recordB.status, "good");
      assert.equal(recordB.source, "peer");
      assert.equal(recordB.ip_addr, "127.0.0.1");
      assert.equal(recordB.try_count, 0);
      assert.equal(recordB.features.server_version, SERVER_VERSION);
      assert.equal(recordB.features.genesis_hash, NETWORKS.regtest.genesisHash);
      assert.deepEqual(recordB.features.hosts, {
        "127.0.0.1": { tcp_port: tcpB, ssl_port: sslB },
      });
      assert.ok(linesA.some((line) => line.includes(`[127.0.0.1:${sslB} SSL] verified in`)));
      assert.ok(linesA.includes("registering ourself with 127.0.0.1"));

      await waitFor("B to verify A", () => peersB.counts().good === 2);
      assert.ok(harness.logLines.includes(
        "INFO:PeerManager:accepted add_peer request from 127.0.0.2 for 127.0.0.2",
      ));
      const recordA = peersB.records().find((record) => record.host === "127.0.0.2")!;
      assert.equal(recordA.ip_addr, "127.0.0.2", "A's outgoing connections bind to its address");
      const client = await harness.connect();
      const entries = await client.request("server.peers.subscribe", []) as unknown[][];
      assert.deepEqual(entries.map((entry) => entry[1]).sort(), ["127.0.0.1", "127.0.0.2"]);
      // Announced again with another SSL port: A re-checks B at once, not in 10,200 s.
      const verifiedB = () =>
        linesA.filter((line) => line.includes(`[127.0.0.1:${sslB} SSL] verified in`)).length;
      assert.equal(verifiedB(), 1);
      peersA.addRealName(`127.0.0.1 s1 t${tcpB}`);
      assert.ok(linesA.includes("ports changed for 127.0.0.1"));
      await waitFor("A to re-check B", () => verifiedB() === 2);

      const table = peersTable(peersB.records());
      assert.equal(table.length, 3);
      assert.match(table[1], /^127\.0\.0\.\d +good /);
    });

    await t.step(
      "server.add_peer refusals: rate limit per bucket, unresolvable hosts",
      async () => {
        const client = await harness.connect();
        const features = (host: string) => ({ hosts: { [host]: { tcp_port: 1 } } });
        assert.equal(
          await client.request("server.add_peer", [features("127.0.0.9")]),
          false,
          "IP hosts share one bucket, used by A's announcement moments ago",
        );
        assert.equal(
          await client.request("server.add_peer", [features("x.example.invalid")]),
          false,
        );
        assert.ok(harness.logLines.includes(
          "WARNING:PeerManager:rejected add_peer request from 127.0.0.1 for x.example.invalid " +
            "(address resolution failure)",
        ));
        assert.equal(await client.request("server.add_peer", [{ hosts: [] }]), false);
        assert.equal(peersB.counts().total, 2);
      },
    );

    await t.step(
      "a peer on another network is marked bad; an unreachable one is never good",
      async () => {
        const { manager: other, lines } = loggingManager(
          { ...harness.config, network: NETWORKS.testnet, peerDiscovery: "off" },
          harness.store,
        );
        others.push(other);
        other.addRealName(`127.0.0.1 t${tcpB}`);
        other.addRealName("127.0.0.3 t1");
        await waitFor("both attempts", () => other.records().every((r) => r.last_try > 0));
        await waitFor("the bad mark", () => other.counts().bad === 1);
        assert.deepEqual(other.counts(), { bad: 1, good: 0, never: 1, stale: 0, total: 2 });
        assert.ok(lines.includes(`[127.0.0.1:${tcpB} TCP] marking bad: (incorrect genesis hash)`));
        assert.deepEqual(other.records().map((r) => [r.host, r.status, r.try_count]), [
          ["127.0.0.3", "never", 1],
          ["127.0.0.1", "bad", 1],
        ]);
        assert.ok(lines.some((line) => line.startsWith("[127.0.0.3:1 TCP] ")));
      },
    );

    await t.step("a peer whose tip or headers differ from ours fails verification", async () => {
      const store = harness.store;
      const base: VerifyContext = {
        genesisHash: NETWORKS.regtest.genesisHash,
        versionRequest: ["test", ["1.4", "1.6"]],
        dbHeight: () => store.height,
        headerHex: (height) => toHex(store.header(height)!),
        isBlacklisted: () => false,
        recentGoodPeers: () => [],
        requestTimeoutMs: 10_000,
        candidateFromEntry: (name, source) => Peer.fromRealName(name, source, { ssl: 0, tcp: 0 }),
      };
      const attempt = async (context: VerifyContext) => {
        const peer = Peer.fromRealName(
          `127.0.0.1 t${tcpB}`,
          "test",
          { ssl: 0, tcp: 0 },
        );
        const connection = await PeerConnection.open({
          host: "127.0.0.1",
          port: tcpB,
          ssl: false,
          timeoutMs: 10_000,
        });
        try {
          await verifyPeer(connection, peer, context, Date.now() / 1000);
          return "verified";
        } catch (error) {
          assert.ok(error instanceof BadPeerError, String(error));
          return error.message;
        } finally {
          connection.close();
        }
      };
      const height = store.height;
      assert.equal(
        await attempt({ ...base, dbHeight: () => height + 6 }),
        `bad height ${height} (ours: ${height + 6})`,
      );
      assert.match(
        await attempt({ ...base, headerHex: () => "00".repeat(80) }),
        new RegExp(`^our header ${"00".repeat(80)} and theirs [0-9a-f]{160} differ$`),
      );
      assert.equal(
        await attempt({ ...base, isBlacklisted: () => true }),
        "blacklisted",
      );
      assert.equal(await attempt(base), "verified");
    });

    await t.step("through a SOCKS proxy: detection, FORCE_PROXY and onion names", async () => {
      const socks5 = TestSocksProxy.start("SOCKS5", { "abcdefgh.onion": "127.0.0.1" });
      const socks4 = TestSocksProxy.start("SOCKS4");
      try {
        assert.deepEqual(await detectSocksProxy("127.0.0.1", socks5.port), {
          host: "127.0.0.1",
          port: socks5.port,
          protocol: "SOCKS5",
        });
        assert.equal(
          (await detectSocksProxy("127.0.0.1", socks4.port))?.protocol,
          "SOCKS4a",
          "a refusal to connect still proves a proxy",
        );
        assert.equal(await detectSocksProxy("127.0.0.1", tcpB, 500), undefined, "not a proxy");

        const { manager: viaProxy, lines } = loggingManager({
          ...harness.config,
          reportServices: [],
          forceProxy: true,
          torProxyHost: "127.0.0.1",
          torProxyPort: socks5.port,
        }, harness.store);
        others.push(viaProxy);
        viaProxy.start();
        await waitFor("proxy detection", () => lines.some((line) => line.startsWith("detected")));
        assert.ok(lines.includes(`detected SOCKS5 proxy at 127.0.0.1:${socks5.port}`));
        viaProxy.addRealName(`127.0.0.1 s${sslB}`);
        viaProxy.addRealName(`abcdefgh.onion t${tcpB}`);
        await waitFor("three verifications", () => {
          const counts = viaProxy.counts();
          return counts.good + counts.bad === 3;
        });
        assert.deepEqual(viaProxy.records().map((r) => [r.host, r.status, r.ip_addr]).sort(), [
          ["127.0.0.1", "good", "127.0.0.1"],
          ["127.0.0.2", "good", "127.0.0.2"],
          ["abcdefgh.onion", "bad", null],
        ]);
        assert.ok(lines.includes("accepted new peer 127.0.0.2 from 127.0.0.1"), "B's list");
        assert.deepEqual(socks5.targets.filter((t) => !t.startsWith("8.8.8.8")).sort(), [
          `127.0.0.1:${sslB}`,
          `127.0.0.2:${serverA.addresses[0].port}`,
          `abcdefgh.onion:${tcpB}`,
        ]);
        assert.ok(lines.includes(
          `[abcdefgh.onion:${tcpB} TCP] marking bad: (not listed in own hosts list ['127.0.0.1'])`,
        ));
      } finally {
        await socks5.stop();
        await socks4.stop();
      }
    });
  } finally {
    for (const other of others) await other.stop();
    await peersA.stop();
    await peersB.stop();
    await serverA.stop();
    await harness.close();
  }
});
