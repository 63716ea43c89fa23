/**
 * All sessions: ids, the session table, groups and their shared cost, MAX_SESSIONS, idle
 * timeouts, periodic cost recalculation, the consistent-view gate, and the notification
 * fan-out after blocks and mempool refreshes. Also the figures the admin interface reports
 * (docs/admin.md: getinfo, sessions, groups).
 */
import { toHex } from "../chain/bytes.ts";
import type { Config } from "../config.ts";
import type { Daemon } from "../daemon/daemon.ts";
import type { Mempool } from "../index/mempool.ts";
import { ChainQueries } from "../index/queries.ts";
import type { IndexStore } from "../index/store.ts";
import type { Logger, LogSink } from "../log.ts";
import { BlockCache, type CacheStats } from "./caches.ts";
import { ClientSession } from "./client_session.ts";
import type { Connection } from "./connection.ts";
import { clientCostLimits } from "./cost.ts";
import { ErrorCode, RpcError } from "./errors.ts";
import { FeeEstimates } from "./fees.ts";
import { notificationText } from "./framing.ts";
import {
  SUBNET_WEIGHT,
  subnetGroupName,
  TIMESLICE_SECONDS,
  TIMESLICE_WEIGHT,
  timesliceGroupName,
} from "./groups.ts";
import { HeaderProofs } from "./header_proofs.ts";
import { historyLimit, ScriptHistories, type ScriptStatus } from "./history.ts";
import {
  type MethodContext,
  type MethodSession,
  NO_PEERS,
  type NotifiedTip,
  type PeerSource,
  type Subscription,
} from "./methods.ts";
import { withCommas } from "./python.ts";
import { CLOSE_GRACE_MS, type Session, type SessionHost, type SessionOptions } from "./session.ts";

/** Timers and limits that tests shorten. */
export interface ManagerTuning {
  /** How often idle sessions are looked for (ElectrumX: 60 s). */
  idleCheckMs: number;
  /** How often costs are recalculated and decay reset (300 s). */
  recalcMs: number;
  /** A write making no progress this long aborts the connection (20 s). */
  writeTimeoutMs: number;
  /** Consistent-view retries (each waits for the next notification or this long). */
  consistencyWaitMs: number;
  /**
   * Notification fan-out yields to the event loop after this much work (ms). A yield is a
   * timer turn, about 2 ms in Deno whatever else runs, so 10 ms slices cost a fifth of the
   * round; 25 ms ones (the default) a twelfth, and keep requests waiting at most that long.
   */
  fanOutSliceMs: number;
}

/** What one notification round did. */
export interface NotifySummary {
  /** Sessions sent the new tip. */
  headers: number;
  /** Subscribed scripts whose status was recomputed. */
  scripts: number;
  /** Script-hash notifications sent (statuses that changed, per subscriber). */
  statuses: number;
  /** Time spent computing the statuses, before sending anything. */
  statusMs: number;
  /** Duration of the round. */
  ms: number;
}

/** The defaults of {@link ManagerTuning}. */
export const DEFAULT_TUNING: ManagerTuning = {
  idleCheckMs: 60_000,
  recalcMs: 300_000,
  writeTimeoutMs: 20_000,
  consistencyWaitMs: 2_000,
  fanOutSliceMs: 25,
};

/** Times the consistent-view gate retries before giving up. */
const CONSISTENCY_ATTEMPTS = 5;

/** A session group: members share cost. */
export interface SessionGroup {
  readonly name: string;
  readonly weight: number;
  readonly sessions: Set<Session>;
  /** Cost of departed members, decaying. */
  retainedCost: number;
}

/** Makes a session for an accepted connection; the default makes a {@link ClientSession}. */
export type SessionFactory = (options: SessionOptions) => Session;

/** A row of the `sessions` command (docs/admin.md, "sessions"). */
export type SessionRow = [
  id: number,
  flags: string,
  peer: string,
  client: string,
  proto: string,
  cost: number,
  xcost: number,
  reqs: number,
  txs: number,
  subs: number,
  recvCount: number,
  recvBytes: number,
  sentCount: number,
  sentBytes: number,
  ageSeconds: number,
];

/** A row of the `groups` command (docs/admin.md, "groups"). */
export type GroupRow = [
  name: string,
  sessionCount: number,
  cost: number,
  retainedCost: number,
  reqs: number,
  txs: number,
  subs: number,
  recvCount: number,
  recvBytes: number,
  sentCount: number,
  sentBytes: number,
];

/** Totals over live sessions, for `getinfo`. */
export interface SessionsSummary {
  count: number;
  countWithSubs: number;
  subs: number;
  errors: number;
  logged: number;
  pendingRequests: number;
  paused: number;
  closing: number;
}

/** One session in detail (`inspect_session`). */
export interface SessionDetail {
  clientName: string;
  requestCounts: Record<string, number>;
  requestTotal: number;
  subs: number;
  errors: number;
  isLogged: boolean;
  pendingRequests: number;
  txsSent: number;
  /** Seconds connected. */
  connTime: number;
}

/** Everything the manager is built from. */
export interface SessionManagerOptions {
  config: Config;
  store: IndexStore;
  mempool: Mempool;
  daemon: Daemon;
  logs: LogSink;
  /** Shared with others (e.g. the admin `query`); made here otherwise. */
  queries?: ChainQueries;
  /** Peer discovery; none (no peers, add_peer refused) otherwise. */
  peers?: PeerSource;
  /** Shorter timers for tests. */
  tuning?: Partial<ManagerTuning>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The session table and everything shared between sessions. */
export class SessionManager implements SessionHost, MethodContext {
  readonly config: Config;
  readonly store: IndexStore;
  readonly mempool: Mempool;
  readonly daemon: Daemon;
  readonly queries: ChainQueries;
  readonly histories: ScriptHistories;
  readonly blocks: BlockCache;
  readonly headerProofs: HeaderProofs;
  readonly fees: FeeEstimates;
  readonly peers: PeerSource;
  /** The SessionManager logger (manager events). */
  readonly log: Logger;
  /** The ElectrumX logger (per-session lines, `[id] ...`). */
  readonly sessionLog: Logger;
  readonly tuning: ManagerTuning;
  readonly anonLogs: boolean;
  /** Unix time the manager was made. */
  readonly startTime = Date.now() / 1000;
  /** Requests dispatched since start, by method ("invalid method" for unknown ones). */
  readonly requestCounts = new Map<string, number>();
  /** Transactions broadcast successfully since start. */
  txsSent = 0;
  /** New sessions start logged (the admin `log new` toggle). */
  logNewSessions = false;
  /** Called with true when MAX_SESSIONS is reached, false when listening may resume. */
  onLimit: (reached: boolean) => void = () => {};

  readonly #sessions = new Map<number, Session>();
  readonly #groups = new Map<string, SessionGroup>();
  readonly #groupsOf = new Map<Session, SessionGroup[]>();
  readonly #subscribers = new Map<string, Set<ClientSession>>();
  /** Subscribed scripts whose last status included mempool transactions. */
  readonly #mempoolStatuses = new Set<string>();
  #nextId = 0;
  #tip: NotifiedTip;
  #tipWaiters: (() => void)[] = [];
  #notifying: Promise<void> = Promise.resolve();
  #limitReached = false;
  #timers: ReturnType<typeof setInterval>[] = [];
  #closed = false;

  constructor(options: SessionManagerOptions) {
    this.config = options.config;
    this.store = options.store;
    this.mempool = options.mempool;
    this.daemon = options.daemon;
    this.queries = options.queries ?? new ChainQueries(options.store, options.mempool);
    this.histories = new ScriptHistories(this.queries, historyLimit(options.config.maxSend));
    this.blocks = new BlockCache(options.store);
    this.headerProofs = new HeaderProofs(options.store, options.config.reorgLimit);
    this.fees = new FeeEstimates(options.daemon);
    this.peers = options.peers ?? NO_PEERS;
    this.log = options.logs.logger("SessionManager");
    this.sessionLog = options.logs.logger("ElectrumX");
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.anonLogs = options.config.anonLogs;
    this.#tip = this.#readTip();
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /** Starts the periodic tasks (idle check, cost recalculation). */
  start(): void {
    if (this.#timers.length > 0) return;
    this.#tip = this.#readTip();
    this.#timers.push(setInterval(() => this.#closeIdle(), this.tuning.idleCheckMs));
    this.#timers.push(setInterval(() => this.recalcAll(), this.tuning.recalcMs));
    const { writeTimeoutMs } = this.tuning;
    this.#timers.push(setInterval(() => {
      const now = performance.now();
      for (const session of this.#sessions.values()) session.checkWrite(now, writeTimeoutMs);
    }, Math.min(1000, Math.max(50, writeTimeoutMs / 4))));
  }

  /** Closes every session (forced after 1 s) and stops the periodic tasks. */
  async stop(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    const ending = [...this.#sessions.values()].map((session) => {
      session.close(CLOSE_GRACE_MS.quick);
      return session.run();
    });
    await Promise.allSettled(ending);
  }

  /** Live sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** A session by id. */
  session(id: number): Session | undefined {
    return this.#sessions.get(id);
  }

  /** Live sessions, oldest first. */
  sessions(): Session[] {
    return [...this.#sessions.values()];
  }

  /** Groups in creation order. */
  groups(): SessionGroup[] {
    return [...this.#groups.values()];
  }

  /**
   * Takes a new connection: makes its session (a wallet session unless `factory` says
   * otherwise), registers it with its groups and serves it until it closes.
   */
  accept(connection: Connection, factory?: SessionFactory): Session {
    const options: SessionOptions = {
      id: this.#nextId++,
      connection,
      host: this,
      limits: clientCostLimits(this.config),
      maxSend: this.config.maxSend,
      logMe: this.logNewSessions,
    };
    const session = factory ? factory(options) : new ClientSession(options, this);
    const before = this.#sessions.size;
    this.#sessions.set(session.id, session);
    this.#join(session);
    this.sessionLog.info(
      `[${session.id}] ${session.kind} ${session.remoteAddressString(true)}, ${
        withCommas(before)
      } total`,
    );
    this.#checkLimit();
    if (this.#closed) session.close(CLOSE_GRACE_MS.quick);
    session.run();
    return session;
  }

  #checkLimit(): void {
    const max = this.config.maxSessions;
    const count = this.#sessions.size;
    if (!this.#limitReached && count >= max) {
      this.#limitReached = true;
      const resume = Math.floor((max * 19) / 20);
      this.log.info(
        `maximum sessions ${withCommas(max)} reached, stopping new connections until ` +
          `count drops to ${withCommas(resume)}`,
      );
      this.onLimit(true);
    } else if (this.#limitReached && count <= Math.floor((max * 19) / 20)) {
      this.#limitReached = false;
      this.log.info("resuming listening for incoming connections");
      this.onLimit(false);
    }
  }

  /** True while new connections are refused because of MAX_SESSIONS. */
  get limitReached(): boolean {
    return this.#limitReached;
  }

  // ---- SessionHost ----------------------------------------------------------------------

  xcost(session: Session): number {
    let xcost = 0;
    for (const group of this.#groupsOf.get(session) ?? []) {
      xcost += (this.#groupCost(group) - session.meter.cost) * group.weight;
    }
    return xcost;
  }

  countRequest(method: string): void {
    this.requestCounts.set(method, (this.requestCounts.get(method) ?? 0) + 1);
  }

  groupNames(session: Session): string[] {
    return (this.#groupsOf.get(session) ?? []).map((group) => group.name);
  }

  closed(session: Session): void {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    for (const group of this.#groupsOf.get(session) ?? []) {
      group.sessions.delete(session);
      group.retainedCost += session.meter.cost;
    }
    this.#groupsOf.delete(session);
    if (session instanceof ClientSession) {
      for (const hashX of session.subscriptions.keys()) this.#removeSubscriber(hashX, session);
    }
    this.#checkLimit();
  }

  // ---- groups ---------------------------------------------------------------------------

  #group(name: string, weight: number): SessionGroup {
    let group = this.#groups.get(name);
    if (!group) {
      group = { name, weight, sessions: new Set(), retainedCost: 0 };
      this.#groups.set(name, group);
    }
    return group;
  }

  #join(session: Session): void {
    const groups = [
      this.#group(timesliceGroupName(session.startTime - this.startTime), TIMESLICE_WEIGHT),
    ];
    const subnet = subnetGroupName(session.remote?.hostname, {
      ipv4: this.config.sessionGroupBySubnetIpv4,
      ipv6: this.config.sessionGroupBySubnetIpv6,
    });
    if (subnet !== undefined) groups.push(this.#group(subnet, SUBNET_WEIGHT));
    for (const group of groups) group.sessions.add(session);
    this.#groupsOf.set(session, groups);
  }

  #groupCost(group: SessionGroup): number {
    let cost = group.retainedCost;
    for (const member of group.sessions) cost += member.meter.cost;
    return cost;
  }

  /**
   * The periodic recalculation: decay rates from subscription counts, every session's cost
   * and throttle, retained group cost decay, and removal of empty groups.
   */
  recalcAll(): void {
    for (const session of this.#sessions.values()) {
      session.meter.resetDecay(session instanceof ClientSession ? session.subscriptions.size : 0);
      session.meter.recalc();
    }
    const decay = (TIMESLICE_SECONDS * this.config.costHardLimit) / 5000;
    for (const [name, group] of this.#groups) {
      group.retainedCost = Math.max(0, group.retainedCost - decay);
      if (group.sessions.size === 0 && group.retainedCost === 0) this.#groups.delete(name);
    }
  }

  #closeIdle(): void {
    const limitMs = this.config.sessionTimeoutS * 1000;
    const now = performance.now();
    const stale = [...this.#sessions.values()].filter((session) =>
      !session.closing && now - session.lastRecv > limitMs
    );
    if (stale.length === 0) return;
    this.log.info(`closing stale session ids ${stale.map((s) => s.id).join(", ")}`);
    for (const session of stale) session.close(CLOSE_GRACE_MS.quick);
  }

  // ---- MethodContext --------------------------------------------------------------------

  tip(): NotifiedTip {
    return this.#tip;
  }

  #readTip(): NotifiedTip {
    const height = this.store.height;
    const header = height >= 0 ? this.store.header(height) : undefined;
    return { height, hex: header ? toHex(header) : "", hash: this.store.state.tip };
  }

  #inSync(): boolean {
    return this.store.height === this.#tip.height && this.store.state.tip === this.#tip.hash;
  }

  async consistent<T>(session: MethodSession, read: () => T | Promise<T>): Promise<T> {
    for (let attempt = 0;; attempt++) {
      if (this.#inSync()) return await read();
      if (attempt >= CONSISTENCY_ATTEMPTS) {
        throw new RpcError(
          ErrorCode.BAD_REQUEST,
          "chaintip moved too many times, or DB not in sync with daemon, while processing request",
          { counts: false },
        );
      }
      session.bumpCost(0.1);
      await Promise.race([
        new Promise<void>((resolve) => this.#tipWaiters.push(resolve)),
        sleep(this.tuning.consistencyWaitMs),
      ]);
    }
  }

  subscribe(
    session: MethodSession,
    hashX: string,
    subscription: Subscription,
    status: ScriptStatus,
  ): void {
    const client = session as ClientSession;
    // A request that finishes after its session ended must not leave a subscription behind.
    if (this.#sessions.get(client.id) !== client) return;
    client.subscriptions.set(hashX, subscription);
    let set = this.#subscribers.get(hashX);
    if (!set) this.#subscribers.set(hashX, set = new Set());
    set.add(client);
    this.histories.keep(hashX, status);
    if (status.hasMempool) this.#mempoolStatuses.add(hashX);
  }

  unsubscribe(session: MethodSession, hashX: string): boolean {
    const client = session as ClientSession;
    if (!client.subscriptions.delete(hashX)) return false;
    this.#removeSubscriber(hashX, client);
    return true;
  }

  #removeSubscriber(hashX: string, session: ClientSession): void {
    const set = this.#subscribers.get(hashX);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) {
      this.#subscribers.delete(hashX);
      this.#mempoolStatuses.delete(hashX);
      this.histories.forget(hashX);
    }
  }

  recordTxsSent(count: number): void {
    this.txsSent += count;
  }

  // ---- notifications --------------------------------------------------------------------

  /**
   * Tells sessions about a new state: call after the index and the mempool are both
   * synchronised to `height` (after a block: catch-up, then mempool refresh, then notify with
   * the union of both touched sets; after a mempool refresh alone: its touched set). Header
   * subscribers get the new tip if the tip block changed; each subscribed script that was
   * touched (and, on a new tip, each whose status involved the mempool) gets its new status
   * if it changed. Calls are serialised; await one before changing the index again.
   */
  notify(touched: Set<string>, height: number): Promise<NotifySummary> {
    const run = this.#notifying.then(() => this.#notify(touched, height));
    this.#notifying = run.then(() => {}, (error) => {
      this.log.error(`notification failed: ${(error as Error)?.stack ?? error}`);
    });
    return run;
  }

  async #notify(touched: Set<string>, height: number): Promise<NotifySummary> {
    const started = performance.now();
    const summary = { headers: 0, scripts: 0, statuses: 0, statusMs: 0, ms: 0 };
    const previous = this.#tip;
    const tip = this.#readTip();
    if (tip.height !== height) {
      this.log.debug(`notified for height ${height} with the index at ${tip.height}`);
    }
    const tipChanged = tip.hash !== previous.hash;
    this.#tip = tip;
    const waiters = this.#tipWaiters;
    this.#tipWaiters = [];
    for (const wake of waiters) wake();

    // Both loops yield to the event loop every few milliseconds: with thousands of sessions
    // a round takes a while, and requests must not stall meanwhile.
    let sliceStart = performance.now();
    const pace = async () => {
      if (performance.now() - sliceStart <= this.tuning.fanOutSliceMs) return;
      await sleep(0);
      sliceStart = performance.now();
    };

    // Statuses first, so that each session then gets its header and statuses in one write.
    const candidates: string[] = [];
    for (const hashX of touched) if (this.#subscribers.has(hashX)) candidates.push(hashX);
    if (tipChanged) {
      for (const hashX of this.#mempoolStatuses) {
        if (!touched.has(hashX) && this.#subscribers.has(hashX)) candidates.push(hashX);
      }
    }
    const outgoing = new Map<ClientSession, string[]>();
    for (const hashX of candidates) {
      summary.statuses += this.#statusNotifications(hashX, outgoing);
      await pace();
    }
    summary.scripts = candidates.length;
    summary.statusMs = performance.now() - started;

    const header = tipChanged
      ? notificationText("blockchain.headers.subscribe", [{ hex: tip.hex, height: tip.height }])
      : undefined;
    const recipients = header ? [...this.#sessions.values()] : [...outgoing.keys()];
    for (let i = 0; i < recipients.length; i++) {
      const session = recipients[i];
      if (!(session instanceof ClientSession)) continue;
      if (header && session.headersSubscribed) {
        session.sendNotificationText(header);
        summary.headers++;
      }
      for (const text of outgoing.get(session) ?? []) session.sendNotificationText(text);
      if ((i & 63) === 63) await pace();
    }
    summary.ms = performance.now() - started;
    return summary;
  }

  /**
   * Recomputes one script's status and queues a notification in `outgoing` for each
   * subscriber whose last status differs. Returns the notifications queued.
   */
  #statusNotifications(hashX: string, outgoing: Map<ClientSession, string[]>): number {
    const subscribers = this.#subscribers.get(hashX);
    if (!subscribers) return 0;
    let status: ScriptStatus | undefined;
    try {
      status = this.histories.status(hashX);
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
    }
    if (status) this.histories.keep(hashX, status);
    if (status?.hasMempool) this.#mempoolStatuses.add(hashX);
    else this.#mempoolStatuses.delete(hashX);
    let queued = 0;
    // Subscribers of a script share its status and nearly always spell its script hash alike:
    // one notification text serves them all.
    let shared: { scriptHash: string; value: string | null; text: string } | undefined;
    const queue = (session: ClientSession, scriptHash: string, value: string | null) => {
      if (shared?.scriptHash !== scriptHash || shared.value !== value) {
        const text = notificationText("blockchain.scripthash.subscribe", [scriptHash, value]);
        shared = { scriptHash, value, text };
      }
      const { text } = shared;
      const texts = outgoing.get(session);
      if (texts) texts.push(text);
      else outgoing.set(session, [text]);
      queued++;
    };
    // Without a status each subscription is dropped, which changes the set: iterate a copy.
    for (const session of status ? subscribers : [...subscribers]) {
      const subscription = session.subscriptions.get(hashX);
      if (!subscription) continue;
      if (!status) {
        // The history grew too large: drop the subscription and say so with a null status.
        session.bumpCost(0.2);
        this.unsubscribe(session, hashX);
        queue(session, subscription.scriptHash, null);
        continue;
      }
      session.bumpCost(status.cost);
      if (subscription.status === status.status) continue;
      subscription.status = status.status;
      queue(session, subscription.scriptHash, status.status);
    }
    return queued;
  }

  // ---- figures for the admin interface --------------------------------------------------

  /** The `sessions` rows, oldest first. */
  sessionRows(): SessionRow[] {
    const now = Date.now() / 1000;
    return [...this.#sessions.values()]
      .sort((a, b) => a.startTime - b.startTime)
      .map((session) => {
        const client = session instanceof ClientSession;
        return [
          session.id,
          session.flags(),
          session.remoteAddressString(),
          client ? session.clientName.slice(0, 17) : "RPC",
          client ? session.protocolString : "RPC",
          session.meter.cost,
          this.xcost(session),
          session.unanswered,
          session.txsSent,
          client ? session.subscriptions.size : 0,
          session.recvCount,
          session.recvSize,
          session.sendCount,
          session.sendSize,
          now - session.startTime,
        ];
      });
  }

  /** The `groups` rows, in creation order. */
  groupRows(): GroupRow[] {
    return [...this.#groups.values()].map((group) => {
      const row: GroupRow = [
        group.name,
        group.sessions.size,
        0,
        group.retainedCost,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
      ];
      for (const s of group.sessions) {
        row[2] += s.meter.cost;
        row[4] += s.unanswered;
        row[5] += s.txsSent;
        row[6] += s instanceof ClientSession ? s.subscriptions.size : 0;
        row[7] += s.recvCount;
        row[8] += s.recvSize;
        row[9] += s.sendCount;
        row[10] += s.sendSize;
      }
      return row;
    });
  }

  /** Totals over live sessions. */
  summary(): SessionsSummary {
    const summary: SessionsSummary = {
      count: 0,
      countWithSubs: 0,
      subs: 0,
      errors: 0,
      logged: 0,
      pendingRequests: 0,
      paused: 0,
      closing: 0,
    };
    for (const session of this.#sessions.values()) {
      summary.count++;
      const subs = session instanceof ClientSession ? session.subscriptions.size : 0;
      summary.subs += subs;
      if (subs > 0) summary.countWithSubs++;
      summary.errors += session.errors;
      if (session.logMe) summary.logged++;
      summary.pendingRequests += session.unanswered;
      if (session.paused) summary.paused++;
      if (session.closing) summary.closing++;
    }
    return summary;
  }

  /** One session's details, or undefined if there is no such live session. */
  inspect(id: number): SessionDetail | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const counts = Object.fromEntries(session.methodCounts);
    return {
      clientName: session instanceof ClientSession ? session.clientName : "RPC",
      requestCounts: counts,
      requestTotal: Object.values(counts).reduce((sum, n) => sum + n, 0),
      subs: session instanceof ClientSession ? session.subscriptions.size : 0,
      errors: session.errors,
      isLogged: session.logMe,
      pendingRequests: session.unanswered,
      txsSent: session.txsSent,
      connTime: Date.now() / 1000 - session.startTime,
    };
  }

  /** Statistics of the caches, under `getinfo`'s names. */
  cacheStats(): Record<string, CacheStats> {
    return {
      "estimatefee": this.fees.cache.stats,
      "history": this.histories.cache.stats,
      "merkle txid": this.blocks.trees.stats,
      "txids": this.blocks.txids.stats,
      "txo status": { lookups: 0, hits: 0, entries: 0 },
    };
  }

  /** Closes sessions by id (graceful, forced after 1 s); returns the ids that existed. */
  closeSessions(ids: Iterable<number>): number[] {
    const closed: number[] = [];
    for (const id of ids) {
      const session = this.#sessions.get(id);
      if (!session) continue;
      session.close(CLOSE_GRACE_MS.quick);
      closed.push(id);
    }
    return closed;
  }
}
