/**
 * The running server: owns the daemon client, the index, the admin port and (once caught up)
 * the Electrum listeners, and stops them all cleanly on SIGINT, SIGTERM or `rpc stop`.
 */
import { sha256Engine } from "./chain/hash.ts";
import {
  type AdminBackend,
  adminMethods,
  backupSummary,
  getinfo,
  type PeerCounts,
  type SessionSummary,
} from "./admin/handlers.ts";
import { sessionsTable } from "./cli/tables.ts";
import { AdminCommandError, AdminSession } from "./admin/rpc_server.ts";
import { adminCostLimits } from "./electrum/cost.ts";
import type { Network } from "./chain/networks.ts";
import type { Config } from "./config.ts";
import { Daemon, DaemonClosedError, DaemonRpcError } from "./daemon/daemon.ts";
import { checkDaemon } from "./daemon/checks.ts";
import { DaemonUrlError, parseDaemonUrls } from "./daemon/url.ts";
import { disconnectSessions, toggleSessionLogging } from "./admin/session_commands.ts";
import { formatCacheStats } from "./electrum/caches.ts";
import { ElectrumServer } from "./electrum/server.ts";
import { PeerManager } from "./peers/peer_manager.ts";
import { BackupError, type BackupResult, IndexBackup } from "./index/backup.ts";
import { Mempool } from "./index/mempool.ts";
import { IndexMaintainer } from "./index/maintainer.ts";
import { IndexStore } from "./index/store.ts";
import { ChainSync } from "./index/sync.ts";
import { warmLiveBlockPath } from "./index/warmup.ts";
import type { LogSink } from "./log.ts";
import { PROGRAM_NAME, VERSION } from "./version.ts";

/** SQLite's own page cache, apart from CACHE_MB (which bounds unflushed changes). */
const SQLITE_CACHE_MB = 512;

/** Lifecycle of `serve`. */
export class Controller implements AdminBackend {
  readonly daemon: Daemon;
  readonly startedAt = Date.now();
  readonly #log;
  #stopping = false;
  #wake!: () => void;
  #wakeup: Promise<void>;
  #sync?: ChainSync;
  #store?: IndexStore;
  #maintainer?: IndexMaintainer;
  #pendingReorg?: number;
  #backup?: IndexBackup;
  /** A maintenance round was put off for the backup. */
  #maintenanceOwed = false;
  #electrum?: ElectrumServer;
  #peers?: PeerManager;
  #timers: ReturnType<typeof setInterval>[] = [];

  constructor(readonly config: Config, readonly logs: LogSink) {
    this.#log = logs.logger("Controller");
    this.daemon = new Daemon({
      urls: config.daemonUrls,
      cookieFile: config.daemonCookieFile,
      log: logs.logger("Daemon"),
    });
    this.#wakeup = this.#newWakeup();
  }

  #newWakeup(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /**
   * Compiles the live-block code before the first block (index/warmup.ts). It only saves time,
   * so a failure (no writable temporary directory, say) is a warning, not a reason to stop.
   */
  async #warmUp(network: Network): Promise<void> {
    try {
      const { milliseconds } = await warmLiveBlockPath(network);
      this.#log.info(
        `live-block code warmed up on synthetic blocks in ${Math.round(milliseconds)} ms`,
      );
    } catch (error) {
      this.#log.warning(`could not warm up the live-block code: ${(error as Error).message}`);
    }
  }

  /** Runs until stopped; returns the exit status. */
  async run(): Promise<number> {
    const { config } = this;
    this.#log.info(`${PROGRAM_NAME} ${VERSION} starting`);
    this.#log.info(
      `coin: ${config.network.className}, daemon: ${this.daemon.display}, ` +
        `database: ${config.dbDirectory}, SHA-256: ${sha256Engine.name}`,
    );
    try {
      const store = IndexStore.open(config.dbDirectory, config.network, {
        cacheMb: SQLITE_CACHE_MB,
      });
      this.#store = store;
      this.#maintainer = new IndexMaintainer(store.path, this.logs.logger("DB"));
      this.#log.info(
        `index at height ${store.height.toLocaleString("en-US")}, ` +
          `${store.txCount.toLocaleString("en-US")} transactions`,
      );
      // The session manager exists from the start: admin connections are sessions too.
      const mempool = new Mempool(store, this.daemon, this.logs.logger("Mempool"));
      const peers = new PeerManager({ config, store, log: this.logs.logger("PeerManager") });
      this.#peers = peers;
      const electrum = new ElectrumServer({
        config,
        store,
        mempool,
        daemon: this.daemon,
        logs: this.logs,
        peers,
      });
      this.#electrum = electrum;
      const methods = adminMethods(this);
      await electrum.listenAdmin(config.adminService, (options) =>
        new AdminSession(
          { ...options, limits: adminCostLimits(), maxSend: 0 },
          methods,
        ));
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
      await this.#warmUp(config.network);
      await mempool.refresh();
      this.#log.info(`mempool: ${mempool.size} transactions`);
      if (this.#stopping) return 0;
      await electrum.start();
      peers.start();
      this.#startSessionLog(electrum);
      await this.#followDaemon(sync, store, mempool, electrum, this.#maintainer);
      return 0;
    } catch (error) {
      if (error instanceof DaemonClosedError && this.#stopping) return 0;
      this.#log.critical((error as Error).message);
      return 1;
    } finally {
      this.#backup?.cancel("the server is stopping");
      for (const timer of this.#timers) clearInterval(timer);
      await this.#peers?.stop();
      await this.#electrum?.stop();
      this.daemon.close();
      await this.#maintainer?.close();
      this.#closeStore();
      this.#log.info("shutdown complete");
    }
  }

  /** Merges what is still journaled (leaving a file whose tables hold it all), then closes. */
  #closeStore(): void {
    const store = this.#store;
    if (!store) return;
    try {
      store.mergeJournal();
    } catch (error) {
      // The next start merges it.
      this.#log.warning(`could not merge the journal: ${(error as Error).message}`);
    }
    store.close();
  }

  /**
   * Every LOG_SESSIONS seconds: the sessions table (peers anonymised with ANON_LOGS) and the
   * getinfo object as one compact JSON line, as ElectrumX logs them.
   */
  #startSessionLog(electrum: ElectrumServer): void {
    if (this.config.logSessionsS <= 0) return;
    const log = this.logs.logger("SessionManager");
    const timer = setInterval(() => {
      const rows = electrum.manager.sessionRows().map((row) =>
        this.config.anonLogs ? row.map((cell, i) => (i === 2 ? "xx.xx.xx.xx:xx" : cell)) : row
      );
      for (const line of sessionsTable(rows)) log.info(line);
      log.info(JSON.stringify(getinfo(this)));
    }, this.config.logSessionsS * 1000);
    this.#timers.push(timer);
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
    this.#wake();
  }

  /**
   * Live mode. Blocks and mempool are handled in one loop, so the mempool is always synced
   * against the index's current tip: poll the best block hash (catching up when it moves),
   * refresh the mempool on its interval and after every new block, then hand everything
   * touched in the round to the listeners at once.
   */
  async #followDaemon(
    sync: ChainSync,
    store: IndexStore,
    mempool: Mempool,
    electrum: ElectrumServer,
    maintainer: IndexMaintainer,
  ): Promise<void> {
    let nextMempoolAt = 0;
    // What the sessions have not been told yet. Kept across rounds: a daemon error between a
    // block and its notification must not lose the block's changes.
    let touched = new Set<string>();
    let notifiedTip = store.blockHash(store.height);
    while (!this.#stopping) {
      try {
        if (this.#pendingReorg !== undefined) {
          const count = this.#pendingReorg;
          this.#pendingReorg = undefined;
          await maintainer.idle();
          for (const key of await sync.simulateReorg(count)) touched.add(key);
        }
        const round = new RoundTimes();
        if ((await this.daemon.getBestBlockHash()) !== store.blockHash(store.height)) {
          // The index is written on this thread only while no merge runs on the other.
          await maintainer.idle();
          for (const key of await sync.catchUp()) touched.add(key);
        }
        round.lap("blocks");
        const tipChanged = store.blockHash(store.height) !== notifiedTip;
        if (tipChanged || Date.now() >= nextMempoolAt) {
          nextMempoolAt = Date.now() + this.config.daemonPollMempoolMs;
          // The mempool is only meaningful against the daemon's tip; if the daemon moved on
          // meanwhile, the next round catches up first.
          if ((await this.daemon.getBlockCount()) === store.height) {
            for (const key of (await mempool.refresh()).touched) touched.add(key);
          }
        }
        round.lap("mempool");
        if (touched.size > 0 || tipChanged) {
          const summary = await electrum.notify(touched, store.height);
          notifiedTip = store.blockHash(store.height);
          const told = touched.size;
          touched = new Set();
          round.lap("notifications");
          const line = `height ${store.height}: told ${summary.headers} sessions of the tip, ` +
            `${summary.statuses} status changes of ${summary.scripts} subscribed scripts ` +
            `(${told} touched); ${round} (statuses ${Math.round(summary.statusMs)} ms)`;
          if (tipChanged) this.#log.info(line);
          else this.#log.debug(line);
        }
        if (tipChanged) this.#maintain(store, maintainer);
      } catch (error) {
        if (!(error instanceof DaemonRpcError)) throw error;
        this.#log.warning(`${error.message}; retrying`);
      }
      const pause = Math.min(
        this.config.daemonPollBlocksMs,
        Math.max(0, nextMempoolAt - Date.now()),
      );
      await Promise.race([new Promise((resolve) => setTimeout(resolve, pause)), this.#wakeup]);
      this.#wakeup = this.#newWakeup();
    }
  }

  /**
   * Off the path from block to notification, and off this thread: the journaled blocks into the
   * tables, the WAL back into the database. Not while a backup runs: the round's checkpoint
   * would wait for the backup's read snapshot for its busy timeout (5 s) and the next block for
   * the round, so the round comes after the backup.
   */
  #maintain(store: IndexStore, maintainer: IndexMaintainer): void {
    if (this.#backup) {
      this.#maintenanceOwed = true;
      return;
    }
    maintainer.request(store.journalSeq).then(
      ({ merged }) => store.journalMerged(merged.seq),
      () => {},
    );
  }

  // ---- AdminBackend --------------------------------------------------------------------

  get network(): Network {
    return this.config.network;
  }

  get reorgLimit(): number {
    return this.config.reorgLimit;
  }

  get store(): IndexStore {
    if (!this.#store) throw new AdminCommandError("the index is not open yet");
    return this.#store;
  }

  daemonDisplay(): string {
    return this.daemon.display;
  }

  daemonHeight(): number | null {
    return this.#sync?.daemonHeight ?? null;
  }

  caughtUp(): boolean {
    return this.#sync?.caughtUp === true && this.#store?.state.firstSync === false;
  }

  sessionSummary(): SessionSummary {
    const manager = this.#electrum?.manager;
    if (!manager) {
      return {
        closing: 0,
        errors: 0,
        groups: 0,
        logged: 0,
        paused: 0,
        requests: 0,
        sessions: 0,
        sessionsWithSubs: 0,
        subs: 0,
        txsSent: 0,
      };
    }
    const summary = manager.summary();
    return {
      closing: summary.closing,
      errors: summary.errors,
      groups: manager.groups().length,
      logged: summary.logged,
      paused: summary.paused,
      requests: summary.pendingRequests,
      sessions: summary.count,
      sessionsWithSubs: summary.countWithSubs,
      subs: summary.subs,
      txsSent: manager.txsSent,
    };
  }

  sessionsTable(): unknown[][] {
    return this.#electrum?.manager.sessionRows() ?? [];
  }

  groupsTable(): unknown[][] {
    return this.#electrum?.manager.groupRows() ?? [];
  }

  disconnect(items: string[]): string[] {
    const manager = this.#electrum?.manager;
    if (!manager) return items.map((item) => `unknown session: ${item}`);
    return disconnectSessions(manager, items);
  }

  toggleLogging(items: string[]): string[] {
    const manager = this.#electrum?.manager;
    if (!manager) return items.map((item) => `unknown session: ${item}`);
    return toggleSessionLogging(manager, items);
  }

  peerCounts(): PeerCounts {
    return this.#peers?.counts() ?? { bad: 0, good: 0, never: 0, stale: 0, total: 0 };
  }

  peersList(): unknown[] {
    return this.#peers?.records() ?? [];
  }

  addPeer(realName: string): void {
    this.#peers?.addRealName(realName);
  }

  setDaemonUrl(text: string): string {
    const source = text.trim() === "" ? this.config.daemonUrls.join(",") : text;
    try {
      this.daemon.setUrls(
        parseDaemonUrls(source, this.config.network.rpcPort, {
          allowNoAuth: this.config.daemonCookieFile !== undefined,
        }),
      );
    } catch (error) {
      if (error instanceof DaemonUrlError) {
        throw new AdminCommandError(`an error occurred: ${error.message}`);
      }
      throw error;
    }
    return this.daemon.display;
  }

  scheduleReorg(count: number): void {
    this.#pendingReorg = count;
    this.#wake();
  }

  async backup(path: string): Promise<BackupResult> {
    const store = this.store;
    if (this.#stopping) throw new AdminCommandError("the server is stopping");
    if (this.#backup) throw new AdminCommandError(`a backup to ${this.#backup.path} is running`);
    let backup: IndexBackup;
    try {
      backup = IndexBackup.start(store.path, path);
    } catch (error) {
      if (error instanceof BackupError) throw new AdminCommandError(error.message);
      throw error;
    }
    this.#backup = backup;
    this.#log.info(`backing up the index to ${path}`);
    try {
      const result = await backup.done;
      this.#log.info(backupSummary(result));
      return result;
    } catch (error) {
      this.#log.warning(`backup to ${path} failed: ${(error as Error).message}`);
      if (error instanceof BackupError) throw new AdminCommandError(error.message);
      throw error;
    } finally {
      this.#backup = undefined;
      if (this.#maintenanceOwed && !this.#stopping && this.#maintainer) {
        this.#maintenanceOwed = false;
        this.#maintain(store, this.#maintainer);
      }
    }
  }

  extraInfo(): Record<string, unknown> {
    const manager = this.#electrum?.manager;
    const info: Record<string, unknown> = {
      coin: this.config.network.className,
      version: `${PROGRAM_NAME} ${VERSION}`,
    };
    if (manager) {
      info.caches = Object.fromEntries(
        Object.entries(manager.cacheStats()).map((
          [name, stats],
        ) => [name, formatCacheStats(stats)]),
      );
      info["request counts"] = Object.fromEntries(manager.requestCounts);
      info["request total"] = [...manager.requestCounts.values()].reduce((sum, n) => sum + n, 0);
    }
    return info;
  }
}

/** Durations of the phases of one live round, for its log line. */
class RoundTimes {
  #at = performance.now();
  #laps: string[] = [];

  lap(name: string): void {
    const now = performance.now();
    this.#laps.push(`${name} ${Math.round(now - this.#at)} ms`);
    this.#at = now;
  }

  toString(): string {
    return this.#laps.join(", ");
  }
}
