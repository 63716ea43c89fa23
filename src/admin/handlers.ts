/**
 * The admin commands, server side, with the semantics and result strings of ElectrumX's
 * documented RPC interface (docs/admin.md).
 * They act through AdminBackend, which the controller implements; they never touch sockets.
 */
import type { Network } from "../chain/networks.ts";
import type { BackupResult } from "../index/backup.ts";
import type { IndexStore } from "../index/store.ts";
import { formatDuration, withSeparators } from "./format.ts";
import { queryLines } from "./query.ts";
import { AdminCommandError, type AdminMethod } from "./rpc_server.ts";

/** Counts of the session layer for getinfo (zeros until sessions exist). */
export interface SessionSummary {
  closing: number;
  errors: number;
  groups: number;
  logged: number;
  paused: number;
  requests: number;
  sessions: number;
  sessionsWithSubs: number;
  subs: number;
  txsSent: number;
}

/** Peer counts by status. */
export interface PeerCounts {
  bad: number;
  good: number;
  never: number;
  stale: number;
  total: number;
}

/** What the admin commands need from the running server. */
export interface AdminBackend {
  network: Network;
  reorgLimit: number;
  store: IndexStore;
  startedAt: number;
  daemonDisplay(): string;
  daemonHeight(): number | null;
  /** True once the index has caught up with the daemon. */
  caughtUp(): boolean;
  sessionSummary(): SessionSummary;
  sessionsTable(): unknown[][];
  groupsTable(): unknown[][];
  /** Session-id, group-name and special-word commands; result lines as docs/admin.md gives them. */
  disconnect(items: string[]): string[];
  toggleLogging(items: string[]): string[];
  peerCounts(): PeerCounts;
  peersList(): unknown[];
  addPeer(realName: string): void;
  /** Replaces the daemon URLs (empty: the configured DAEMON_URL); returns the current one. */
  setDaemonUrl(text: string): string;
  scheduleReorg(count: number): void;
  /** Copies the index into the new file `path` (index/backup.ts); throws AdminCommandError. */
  backup(path: string): Promise<BackupResult>;
  stop(reason: string): void;
  /** Extra getinfo keys (version, coin, request counts, …). */
  extraInfo(): Record<string, unknown>;
}

function sessionIdList(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new AdminCommandError("expected a list of session IDs");
  }
  return value as string[];
}

/** Parses a count given as a JSON integer or a numeric string. */
function nonNegativeInteger(value: unknown): number {
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 0) {
    throw new AdminCommandError(`${JSON.stringify(value)} should be a non-negative integer`);
  }
  return number;
}

/** What a finished backup is reported as, to the operator and in the log. */
export function backupSummary(result: BackupResult): string {
  return `backup of height ${withSeparators(result.height)} written to ${result.path}: ` +
    `${withSeparators(result.bytes)} bytes in ${(result.milliseconds / 1000).toFixed(1)} s`;
}

/** The getinfo object: the keys ElectrumX documents, then extras (docs/admin.md, getinfo). */
export function getinfo(backend: AdminBackend): Record<string, unknown> {
  const s = backend.sessionSummary();
  return {
    ...backend.extraInfo(),
    closing: s.closing,
    daemon: backend.daemonDisplay(),
    daemon_height: backend.daemonHeight(),
    db_height: backend.store.height,
    errors: s.errors,
    groups: s.groups,
    logged: s.logged,
    paused: s.paused,
    peers: backend.peerCounts(),
    pid: Deno.pid,
    requests: s.requests,
    sessions: s.sessions,
    sessions_with_subs: s.sessionsWithSubs,
    subs: s.subs,
    txs_sent: s.txsSent,
    uptime: formatDuration((Date.now() - backend.startedAt) / 1000),
  };
}

/** Every admin method, by name. */
export function adminMethods(backend: AdminBackend): Map<string, AdminMethod> {
  const methods: [string, AdminMethod][] = [
    ["getinfo", { params: [], run: () => getinfo(backend) }],
    ["sessions", { params: [], run: () => backend.sessionsTable() }],
    ["groups", { params: [], run: () => backend.groupsTable() }],
    ["peers", { params: [], run: () => backend.peersList() }],
    [
      "disconnect",
      {
        params: [{ name: "session_ids" }],
        run: (a) => backend.disconnect(sessionIdList(a.session_ids)),
      },
    ],
    [
      "log",
      {
        params: [{ name: "session_ids" }],
        run: (a) => backend.toggleLogging(sessionIdList(a.session_ids)),
      },
    ],
    [
      "add_peer",
      {
        params: [{ name: "real_name" }],
        run: (a) => {
          if (typeof a.real_name !== "string") {
            throw new AdminCommandError("real_name must be a string");
          }
          backend.addPeer(a.real_name);
          return `peer '${a.real_name}' added`;
        },
      },
    ],
    [
      "daemon_url",
      {
        params: [{ name: "daemon_url", default: "" }],
        run: (a) => {
          if (typeof a.daemon_url !== "string") {
            throw new AdminCommandError("daemon_url must be a string");
          }
          return `now using daemon at ${backend.setDaemonUrl(a.daemon_url)}`;
        },
      },
    ],
    [
      "query",
      {
        params: [{ name: "items" }, { name: "limit", default: 1000 }],
        run: (a) =>
          queryLines(backend.store, backend.network, {
            items: a.items as string[],
            limit: a.limit as number,
          }),
      },
    ],
    [
      "reorg",
      {
        params: [{ name: "count", default: 3 }],
        run: (a) => {
          const count = nonNegativeInteger(a.count);
          if (!backend.caughtUp()) throw new AdminCommandError("still catching up with daemon");
          const store = backend.store;
          const haveUndo = count === 0 || store.undo(store.height - count + 1) !== undefined;
          if (count > backend.reorgLimit || count > store.height || !haveUndo) {
            throw new AdminCommandError(
              `cannot reorg ${count} blocks: undo data is kept for the last ` +
                `${backend.reorgLimit} blocks (REORG_LIMIT) indexed since the server caught up`,
            );
          }
          backend.scheduleReorg(count);
          return `scheduled a reorg of ${count.toLocaleString("en-US")} blocks`;
        },
      },
    ],
    [
      "backup",
      {
        params: [{ name: "path" }],
        run: async (a) => {
          if (typeof a.path !== "string") throw new AdminCommandError("path must be a string");
          // During the initial sync each flush ends with a checkpoint on the server's thread,
          // which would wait for the backup's snapshot.
          if (backend.store.state.firstSync) {
            throw new AdminCommandError("the index is still in its initial sync");
          }
          return backupSummary(await backend.backup(a.path));
        },
      },
    ],
    [
      "stop",
      {
        params: [],
        run: () => {
          // Answer first; the shutdown starts once the reply is on its way.
          setTimeout(() => backend.stop("received rpc stop"), 0);
          return "stopping";
        },
      },
    ],
  ];
  return new Map(methods);
}
