/**
 * An Electrum server against a real index for integration tests: a bcoin regtest node, an
 * IndexStore synced by ChainSync into a temporary directory, a Mempool, and the server
 * listening on free loopback ports. `update()` does what the controller does after a block:
 * catch up, refresh the mempool, notify. `close()` stops everything (call it in `finally`).
 */
import { type Config, loadConfig } from "../../src/config.ts";
import type { PeerSource } from "../../src/electrum/methods.ts";
import { ElectrumServer } from "../../src/electrum/server.ts";
import type { ManagerTuning } from "../../src/electrum/session_manager.ts";
import { Mempool } from "../../src/index/mempool.ts";
import { IndexStore } from "../../src/index/store.ts";
import { ChainSync } from "../../src/index/sync.ts";
import { LogSink, silentLogger } from "../../src/log.ts";
import { type RegtestNode, startRegtestNode } from "../../src/regtest/node.ts";
import { Wallet } from "../../src/regtest/wallet.ts";
import type { ServiceProtocol } from "../../src/service.ts";
import { type ClientTransport, makeTestCertificate, TestClient } from "./client.ts";

/** What to start. */
export interface HarnessOptions {
  /** Services to listen on (port 0 each). Default tcp only. */
  transports?: ClientTransport[];
  /** More environment variables for the configuration. */
  env?: Record<string, string>;
  /** Config fields to override after parsing. */
  config?: Partial<Config>;
  tuning?: Partial<ManagerTuning>;
  /** Builds the chain before the index syncs and the server starts. */
  prepare?: (wallet: Wallet, node: RegtestNode) => Promise<void>;
  /** Wallet seed. */
  seed?: string;
  /** Peer discovery for the server, built once the index is synced. Default: none. */
  peers?: (harness: Harness) => PeerSource;
}

/** A running node, index and server. */
export class Harness {
  readonly clients: TestClient[] = [];
  /** Every log line the server wrote. */
  readonly logLines: string[] = [];
  /** The log sink whose lines {@link logLines} collects. */
  readonly logs = new LogSink("DEBUG", "%(levelname)s:%(name)s:%(message)s", (line) => {
    this.logLines.push(line);
  });
  server!: ElectrumServer;
  config!: Config;
  store!: IndexStore;
  mempool!: Mempool;
  sync!: ChainSync;
  caCert?: string;

  private constructor(readonly node: RegtestNode, readonly wallet: Wallet, readonly dir: string) {}

  /** Starts everything; on failure, stops what was started. */
  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const node = await startRegtestNode();
    const dir = await Deno.makeTempDir({ prefix: "electrumx-electrum-" });
    const harness = new Harness(node, new Wallet(node, { seed: options.seed ?? "electrum" }), dir);
    try {
      await harness.#start(options);
      return harness;
    } catch (error) {
      await harness.close();
      throw error;
    }
  }

  async #start(options: HarnessOptions): Promise<void> {
    if (options.prepare) await options.prepare(this.wallet, this.node);
    const transports = options.transports ?? ["tcp"];
    const env: Record<string, string> = {
      DB_DIRECTORY: `${this.dir}/db`,
      DAEMON_URL: this.node.rpcUrl,
      NET: "regtest",
      PEER_DISCOVERY: "off",
      ...options.env,
    };
    if (transports.some((t) => t === "ssl" || t === "wss")) {
      const cert = await makeTestCertificate(this.dir);
      env.SSL_CERTFILE = cert.certFile;
      env.SSL_KEYFILE = cert.keyFile;
      this.caCert = cert.cert;
    }
    const config = loadConfig(env);
    config.services = transports.map((protocol) => ({
      protocol: protocol as ServiceProtocol,
      host: "127.0.0.1",
      port: 0,
      url: `${protocol}://127.0.0.1:0`,
    }));
    Object.assign(config, options.config);
    this.config = config;
    this.store = IndexStore.open(config.dbDirectory, config.network);
    this.sync = new ChainSync({
      daemon: this.node.daemon,
      store: this.store,
      log: silentLogger(),
      reorgLimit: config.reorgLimit,
      cacheMb: 16,
    });
    await this.sync.catchUp();
    this.mempool = new Mempool(this.store, this.node.daemon, silentLogger(), {
      histogramIntervalMs: 0,
    });
    await this.mempool.refresh();
    const logs = this.logs;
    this.server = new ElectrumServer({
      config,
      store: this.store,
      mempool: this.mempool,
      daemon: this.node.daemon,
      logs,
      tuning: options.tuning,
      peers: options.peers?.(this),
    });
    await this.server.start();
  }

  /** The port of a transport's listener. */
  port(transport: ClientTransport = "tcp"): number {
    const bound = this.server.addresses.find((a) => a.service.protocol === transport);
    if (!bound) throw new Error(`no ${transport} listener`);
    return bound.port;
  }

  /** Connects a client (closed by {@link close}); with `version`, sends server.version first. */
  async connect(
    transport: ClientTransport = "tcp",
    version: unknown[] | false = ["test-client", "1.6"],
  ): Promise<TestClient> {
    const client = await TestClient.connect({
      transport,
      port: this.port(transport),
      caCert: this.caCert,
    });
    this.clients.push(client);
    if (version) await client.request("server.version", version);
    return client;
  }

  /** What the controller does after the daemon moved: catch up, refresh, notify. */
  async update(): Promise<Set<string>> {
    const touched = await this.sync.catchUp();
    const changes = await this.mempool.refresh();
    for (const key of changes.touched) touched.add(key);
    await this.server.notify(touched, this.store.height);
    return touched;
  }

  /** Stops clients, server, index and node, and removes the temporary directory. */
  async close(): Promise<void> {
    for (const client of this.clients) client.close();
    const errors: unknown[] = [];
    const attempt = async (step: () => unknown) => {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    };
    if (this.server) await attempt(() => this.server.stop());
    if (this.store) await attempt(() => this.store.close());
    await attempt(() => this.node.stop());
    await attempt(() => Deno.remove(this.dir, { recursive: true }));
    if (errors.length > 0) throw errors[0];
  }
}
