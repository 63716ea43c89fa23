import assert from "node:assert/strict";
import { ConfigError, flagName, loadConfig, VARIABLES } from "../src/config.ts";

const BASE = { DB_DIRECTORY: "/tmp/db", DAEMON_URL: "user:pass@127.0.0.1" };

function configError(env: Record<string, string>, overrides = {}): string {
  try {
    loadConfig(env, overrides);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("defaults follow ElectrumX for mainnet", () => {
  const config = loadConfig(BASE);
  assert.equal(config.network.name, "mainnet");
  assert.equal(config.network.className, "BitcoinMainnet");
  assert.deepEqual(config.daemonUrls, ["http://user:pass@127.0.0.1:8332/"]);
  assert.equal(config.reorgLimit, 200);
  assert.equal(config.cacheMb, 1200);
  assert.equal(config.maxSessions, 1000);
  assert.equal(config.maxRecv, 1_000_000);
  assert.equal(config.maxSend, 8_100_000);
  assert.equal(config.costSoftLimit, 1000);
  assert.equal(config.costHardLimit, 10000);
  assert.equal(config.sessionGroupBySubnetIpv4, 24);
  assert.equal(config.sessionGroupBySubnetIpv6, 48);
  assert.equal(config.peerDiscovery, "on");
  assert.equal(config.peerAnnounce, true);
  assert.equal(config.logLevel, "INFO");
  assert.equal(config.blacklistUrl, "https://electrum.org/blacklist.json");
  assert.deepEqual(config.services, []);
  assert.equal(config.adminService.url, "rpc://localhost:8000");
});

Deno.test("each network gets its RPC port and reorg limit", () => {
  const expected = { testnet: 18332, testnet4: 48332, signet: 38332, regtest: 18443 };
  for (const [net, port] of Object.entries(expected)) {
    const config = loadConfig({ ...BASE, NET: ` ${net.toUpperCase()} ` });
    assert.equal(config.network.name, net);
    assert.equal(config.reorgLimit, 8000);
    assert.deepEqual(config.daemonUrls, [`http://user:pass@127.0.0.1:${port}/`]);
  }
});

Deno.test("required variables are named when missing", () => {
  assert.equal(configError({ DAEMON_URL: "u:p@h" }), "required envvar DB_DIRECTORY not set");
  assert.equal(configError({ DB_DIRECTORY: "/d" }), "required envvar DAEMON_URL not set");
});

Deno.test("integers follow Python's int() and errors name variable and value", () => {
  assert.equal(loadConfig({ ...BASE, CACHE_MB: " 2_000 " }).cacheMb, 2000);
  for (const bad of ["1.5", "1e3", "0x10", "abc", ""]) {
    assert.equal(
      configError({ ...BASE, CACHE_MB: bad }),
      `cannot convert envvar CACHE_MB value ${bad} to an integer`,
    );
  }
  assert.match(
    configError({ ...BASE, SESSION_GROUP_BY_SUBNET_IPV4: "33" }),
    /IPV4 value 33 .*0 to 32/,
  );
});

Deno.test("booleans are true when non-empty, as in ElectrumX", () => {
  assert.equal(loadConfig({ ...BASE, ANON_LOGS: "0" }).anonLogs, true);
  assert.equal(loadConfig({ ...BASE, ANON_LOGS: " " }).anonLogs, false);
  assert.equal(loadConfig({ ...BASE, PEER_ANNOUNCE: "" }).peerAnnounce, false);
});

Deno.test("command-line overrides win over the environment", () => {
  const config = loadConfig({ ...BASE, NET: "mainnet" }, { NET: "regtest", CACHE_MB: "64" });
  assert.equal(config.network.name, "regtest");
  assert.equal(config.cacheMb, 64);
});

Deno.test("bad coin, network, engine and log level are refused with their values", () => {
  assert.equal(
    configError({ ...BASE, NET: "moon" }),
    "unknown coin Bitcoin and network moon combination",
  );
  assert.equal(
    configError({ ...BASE, COIN: "Litecoin" }),
    "unknown coin Litecoin and network mainnet combination",
  );
  assert.equal(
    configError({ ...BASE, DB_ENGINE: "leveldb" }),
    "bad value for envvar DB_ENGINE: 'leveldb'. Choose one from: ['sqlite']",
  );
  assert.equal(loadConfig({ ...BASE, DB_ENGINE: "SQLite" }).dbEngine, "sqlite");
  assert.match(configError({ ...BASE, LOG_LEVEL: "loud" }), /LOG_LEVEL: 'loud'/);
});

Deno.test("obsolete variables are listed in ElectrumX's order", () => {
  assert.equal(
    configError({ ...BASE, TCP_PORT: "50001", HOST: "x" }),
    "remove obsolete environment variables ['HOST', 'TCP_PORT']",
  );
});

Deno.test("daemon URLs: failover list, credentials required unless a cookie file is set", () => {
  const config = loadConfig({
    ...BASE,
    DAEMON_URL: "a:b@node1, https://c:d@[::1]:9000/ ,",
  });
  assert.deepEqual(config.daemonUrls, ["http://a:b@node1:8332/", "https://c:d@[::1]:9000/"]);
  assert.match(
    configError({ ...BASE, DAEMON_URL: "localhost:8332" }),
    /invalid daemon URL: "localhost:8332"/,
  );
  const withCookie = loadConfig({
    ...BASE,
    DAEMON_URL: "127.0.0.1",
    DAEMON_COOKIE_FILE: "/home/btc/.bitcoin/.cookie",
  });
  assert.deepEqual(withCookie.daemonUrls, ["http://127.0.0.1:8332/"]);
});

Deno.test("services parse with ElectrumX's defaults and errors", () => {
  const config = loadConfig({
    ...BASE,
    SERVICES: "tcp://:50001,SSL://23.45.67.78:50002,ws://[1234:5678:abcd::5601]:8000,rpc://",
    SSL_CERTFILE: "c.pem",
    SSL_KEYFILE: "k.pem",
  });
  assert.deepEqual(config.services.map((s) => s.url), [
    "tcp://:50001",
    "ssl://23.45.67.78:50002",
    "ws://[1234:5678:abcd::5601]:8000",
  ]);
  assert.equal(config.adminService.url, "rpc://localhost:8000");
  assert.equal(
    loadConfig({ ...BASE, SERVICES: "rpc://[::1]:700" }).adminService.url,
    "rpc://[::1]:700",
  );
  assert.equal(loadConfig({ ...BASE, SERVICES: "rpc" }).adminService.url, "rpc://localhost:8000");
  assert.equal(
    configError({ ...BASE, SERVICES: "tcp://localhost" }),
    'envvar SERVICES: "tcp://localhost" invalid: invalid address string: localhost',
  );
  assert.equal(
    configError({ ...BASE, SERVICES: "host.domain.tld:5151" }),
    'envvar SERVICES: "host.domain.tld:5151" invalid: invalid service string: host.domain.tld:5151',
  );
  assert.equal(
    configError({ ...BASE, SERVICES: "xxx://foo.com:50001" }),
    'envvar SERVICES: "xxx://foo.com:50001" invalid: unknown protocol',
  );
  assert.equal(
    configError({ ...BASE, SERVICES: "tcp://:50001,ws://:50001" }),
    "envvar SERVICES: address :50001 has multiple services",
  );
  assert.equal(
    configError({ ...BASE, SERVICES: "tcp://abc.onion:50001" }),
    "bad host for SERVICES: tcp://abc.onion:50001",
  );
  assert.equal(
    configError({ ...BASE, SERVICES: "ssl://:50002" }),
    "required envvar SSL_CERTFILE not set",
  );
});

Deno.test("report services need every part and a public host", () => {
  const config = loadConfig({ ...BASE, REPORT_SERVICES: "tcp://electrum.example.com:50001" });
  assert.equal(config.reportServices[0].host, "electrum.example.com");
  assert.match(configError({ ...BASE, REPORT_SERVICES: "tcp://:50001" }), /invalid address string/);
  assert.equal(
    configError({ ...BASE, REPORT_SERVICES: "rpc://example.com:8000" }),
    "bad protocol for REPORT_SERVICES: rpc",
  );
  assert.equal(
    configError({ ...BASE, REPORT_SERVICES: "tcp://LocalHost:50001" }),
    "bad host for REPORT_SERVICES: localhost",
  );
  assert.equal(
    configError({ ...BASE, REPORT_SERVICES: "tcp://192.168.1.2:50001" }),
    "bad IP address for REPORT_SERVICES: 192.168.1.2",
  );
  assert.equal(
    loadConfig({ ...BASE, REPORT_SERVICES: "tcp://192.168.1.2:50001", PEER_ANNOUNCE: "" })
      .reportServices.length,
    1,
  );
  assert.equal(
    configError({ ...BASE, REPORT_SERVICES: "tcp://224.0.0.1:50001", PEER_ANNOUNCE: "" }),
    "bad IP address for REPORT_SERVICES: 224.0.0.1",
  );
});

Deno.test("admin port from RPC_HOST and RPC_PORT when no rpc:// service", () => {
  const config = loadConfig({ ...BASE, RPC_PORT: "8123", RPC_HOST: "127.0.0.1" });
  assert.equal(config.adminService.url, "rpc://127.0.0.1:8123");
  assert.match(configError({ ...BASE, RPC_PORT: "70000" }), /RPC_PORT value 70000 is out of range/);
});

Deno.test("cost limits: hard below soft is fatal, equal bumps hard by one", () => {
  assert.equal(
    configError({ ...BASE, COST_SOFT_LIMIT: "500", COST_HARD_LIMIT: "100" }),
    "COST_HARD_LIMIT must be >= COST_SOFT_LIMIT. got (COST_HARD_LIMIT=100 and COST_SOFT_LIMIT=500)",
  );
  assert.equal(
    loadConfig({ ...BASE, COST_SOFT_LIMIT: "500", COST_HARD_LIMIT: "500" }).costHardLimit,
    501,
  );
  assert.equal(
    loadConfig({ ...BASE, COST_SOFT_LIMIT: "0", COST_HARD_LIMIT: "0" }).costHardLimit,
    0,
  );
  assert.equal(loadConfig({ ...BASE, MAX_SEND: "1000" }).maxSend, 350_000);
});

Deno.test("DROP_CLIENT matches at the start of the client name", () => {
  const config = loadConfig({ ...BASE, DROP_CLIENT: "electrum/[23]\\." });
  assert.ok(config.dropClient?.test("electrum/3.3.8"));
  assert.ok(!config.dropClient?.test("my electrum/3.3.8"));
  assert.equal(
    configError({ ...BASE, DROP_CLIENT: "(" }),
    "cannot parse envvar DROP_CLIENT value (",
  );
});

Deno.test("every variable has a unique flag", () => {
  const flags = VARIABLES.map((v) => flagName(v.name));
  assert.equal(new Set(flags).size, flags.length);
  assert.equal(flagName("DB_DIRECTORY"), "--db-directory");
});
