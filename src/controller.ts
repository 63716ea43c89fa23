/**
 * The running server: owns the daemon client, the index and (as they are built) the Electrum
 * listeners and the admin port, and stops them all cleanly on SIGINT, SIGTERM or `rpc stop`.
 */
import type { Config } from "./config.ts";
import { Daemon, DaemonClosedError, DaemonRpcError } from "./daemon/daemon.ts";
import { checkDaemon } from "./daemon/checks.ts";
import { IndexStore } from "./index/store.ts";
import { ChainSync } from "./index/sync.ts";
import type { LogSink } from "./log.ts";
import { PROGRAM_NAME, VERSION } from "./version.ts";

/** SQLite's own page cache, apart from CACHE_MB (which bounds unflushed changes). */
const SQLITE_CACHE_MB = 512;

/** Lifecycle of `serve`. */
export class Controller {
  readonly daemon: Daemon;
  readonly #log;
  #stopping = false;
  #stopped: Promise<void>;
  #resolveStopped!: () => void;
  #sync?: ChainSync;

  constructor(readonly config: Config, readonly logs: LogSink) {
    this.#log = logs.logger("Controller");
    this.daemon = new Daemon({
      urls: config.daemonUrls,
      cookieFile: config.daemonCookieFile,
      log: logs.logger("Daemon"),
    });
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
  }

  /** Runs until stopped; returns the exit status. */
  async run(): Promise<number> {
    const { config } = this;
    this.#log.info(`${PROGRAM_NAME} ${VERSION} starting`);
    this.#log.info(
      `coin: ${config.network.className}, daemon: ${this.daemon.display}, ` +
        `database: ${config.dbDirectory}`,
    );
    let store: IndexStore | undefined;
    try {
      store = IndexStore.open(config.dbDirectory, config.network, { cacheMb: SQLITE_CACHE_MB });
      this.#log.info(
        `index at height ${store.height.toLocaleString("en-US")}, ` +
          `${store.txCount.toLocaleString("en-US")} transactions`,
      );
      await checkDaemon(this.daemon, config.network, this.logs.logger("Daemon"));
      const sync = new ChainSync({
        daemon: this.daemon,
        store,
        log: this.logs.logger("BlockProcessor"),
        reorgLimit: config.reorgLimit,
        cacheMb: config.cacheMb,
      });
      this.#sync = sync;
      await sync.catchUp();
      await this.#followDaemon(sync, store);
      return 0;
    } catch (error) {
      if (error instanceof DaemonClosedError && this.#stopping) return 0;
      this.#log.critical((error as Error).message);
      return 1;
    } finally {
      this.daemon.close();
      store?.close();
      this.#log.info("shutdown complete");
    }
  }

  /** Asks the server to stop; `run` flushes and returns. */
  stop(reason: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info(`stopping: ${reason}`);
    this.#sync?.stop();
    // Aborts daemon calls (a daemon that is down would otherwise keep us retrying); the sync
    // flushes the blocks it completed before returning.
    this.daemon.close();
    this.#resolveStopped();
  }

  /** Live mode: polls the daemon's best block and catches up whenever it moves. */
  async #followDaemon(sync: ChainSync, store: IndexStore): Promise<void> {
    while (!this.#stopping) {
      const tick = new Promise((resolve) => setTimeout(resolve, this.config.daemonPollBlocksMs));
      await Promise.race([tick, this.#stopped]);
      if (this.#stopping) break;
      let best: string;
      try {
        best = await this.daemon.getBestBlockHash();
      } catch (error) {
        if (!(error instanceof DaemonRpcError)) throw error;
        this.#log.warning(`${error.message}; retrying`);
        continue;
      }
      if (best !== store.blockHash(store.height)) await sync.catchUp();
    }
  }
}
