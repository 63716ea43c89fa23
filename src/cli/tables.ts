/**
 * The fixed-width tables `electrumx rpc` prints for sessions, groups and peers, column for
 * column as ElectrumX's client: one space between columns (none before the groups table's
 * Recv), widths as minimums, longer values pushing later columns right.
 */
import { formatDuration, withSeparators } from "../admin/format.ts";

interface Column {
  header: string;
  width: number;
  align: "left" | "right";
  /** False for the one column printed without a space before it. */
  space?: boolean;
}

function renderLine(columns: Column[], cells: string[]): string {
  return columns.map((column, i) => {
    const cell = cells[i];
    const padded = column.align === "left"
      ? cell.padEnd(column.width)
      : cell.padStart(column.width);
    return i === 0 || column.space === false ? padded : ` ${padded}`;
  }).join("");
}

function renderTable(columns: Column[], rows: string[][]): string[] {
  return [
    renderLine(columns, columns.map((c) => c.header)),
    ...rows.map((row) => renderLine(columns, row)),
  ];
}

const num = (value: unknown): string => withSeparators(Number(value));
const kb = (value: unknown): string => withSeparators(Math.floor(Number(value) / 1024));

const SESSION_COLUMNS: Column[] = [
  { header: "ID", width: 6, align: "left" },
  { header: "Flags", width: 5, align: "left" },
  { header: "Client", width: 17, align: "right" },
  { header: "Proto", width: 5, align: "right" },
  { header: "Cost", width: 7, align: "right" },
  { header: "XCost", width: 7, align: "right" },
  { header: "Reqs", width: 5, align: "right" },
  { header: "Txs", width: 5, align: "right" },
  { header: "Subs", width: 7, align: "right" },
  { header: "Recv", width: 7, align: "right" },
  { header: "Recv KB", width: 7, align: "right" },
  { header: "Sent", width: 7, align: "right" },
  { header: "Sent KB", width: 7, align: "right" },
  { header: "Time", width: 9, align: "right" },
  { header: "Peer", width: 21, align: "right" },
];

/** Rows `[id, flags, peer, client, proto, cost, xcost, reqs, txs, subs, recv, recv bytes, sent, sent bytes, age]`. */
export function sessionsTable(rows: unknown[][]): string[] {
  return renderTable(
    SESSION_COLUMNS,
    rows.map((r) => [
      String(r[0]),
      String(r[1]),
      String(r[3]),
      String(r[4]),
      num(r[5]),
      num(r[6]),
      num(r[7]),
      num(r[8]),
      num(r[9]),
      num(r[10]),
      kb(r[11]),
      num(r[12]),
      kb(r[13]),
      formatDuration(Number(r[14]), ""),
      String(r[2]),
    ]),
  );
}

const GROUP_COLUMNS: Column[] = [
  { header: "Name", width: 14, align: "left" },
  { header: "Sessions", width: 9, align: "right" },
  { header: "Cost", width: 8, align: "right" },
  { header: "Retained", width: 8, align: "right" },
  { header: "Reqs", width: 6, align: "right" },
  { header: "Txs", width: 6, align: "right" },
  { header: "Subs", width: 8, align: "right" },
  { header: "Recv", width: 7, align: "right", space: false },
  { header: "Recv KB", width: 9, align: "right" },
  { header: "Sent", width: 7, align: "right" },
  { header: "Sent KB", width: 9, align: "right" },
];

/** Rows `[name, sessions, cost, retained, reqs, txs, subs, recv, recv bytes, sent, sent bytes]`. */
export function groupsTable(rows: unknown[][]): string[] {
  return renderTable(
    GROUP_COLUMNS,
    rows.map((r) => [
      String(r[0]),
      num(r[1]),
      num(r[2]),
      num(r[3]),
      num(r[4]),
      num(r[5]),
      num(r[6]),
      num(r[7]),
      kb(r[8]),
      num(r[9]),
      kb(r[10]),
    ]),
  );
}

const PEER_COLUMNS: Column[] = [
  { header: "Host", width: 62, align: "left" },
  { header: "Status", width: 6, align: "left" },
  { header: "TCP", width: 5, align: "right" },
  { header: "SSL", width: 5, align: "right" },
  { header: "Server", width: 17, align: "left" },
  { header: "Min", width: 4, align: "right" },
  { header: "Max", width: 4, align: "right" },
  { header: "Pruning", width: 8, align: "right" },
  { header: "Last Good", width: 11, align: "right" },
  { header: "Last Try", width: 11, align: "right" },
  { header: "Tries", width: 5, align: "right" },
  { header: "Source", width: 20, align: "right" },
  { header: "IP Address", width: 15, align: "left" },
];

/** A peer as the admin `peers` command returns it. */
interface PeerRecord {
  host: string;
  status: string;
  features?: Record<string, unknown> & { hosts?: Record<string, Record<string, unknown>> };
  source: string;
  ip_addr?: string | null;
  last_good: number;
  last_try: number;
  try_count: number;
}

function portCell(value: unknown): string {
  return value ? String(value) : "";
}

function ago(now: number, time: number): string {
  return time ? formatDuration(now - time) : "Never";
}

/** Peers, `now` in Unix seconds (taken once, as the upstream client does). */
export function peersTable(peers: unknown[], now = Date.now() / 1000): string[] {
  return renderTable(
    PEER_COLUMNS,
    (peers as PeerRecord[]).map((peer) => {
      const features = peer.features ?? {};
      const ports = features.hosts?.[peer.host] ?? {};
      return [
        peer.host.slice(0, 62),
        peer.status,
        portCell(ports.tcp_port),
        portCell(ports.ssl_port),
        features.server_version ? String(features.server_version) : "unknown",
        String(features.protocol_min ?? ""),
        String(features.protocol_max ?? ""),
        features.pruning ? String(features.pruning) : "",
        ago(now, peer.last_good),
        ago(now, peer.last_try),
        String(peer.try_count),
        peer.source.slice(0, 20),
        peer.ip_addr ?? "",
      ];
    }),
  );
}
