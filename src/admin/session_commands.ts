/**
 * `disconnect` and `log` over the session manager, with ElectrumX's documented result strings
 * (`disconnected 2`, `log 3: True`, `unknown session: 5`). As extensions, an item may also be
 * a group name, a client IP address (disconnect, as Fulcrum allows), or the words `all`,
 * `none` and `new` (log).
 */
import type { Session } from "../electrum/session.ts";
import type { SessionManager } from "../electrum/session_manager.ts";

/** The IP address part of a session's remote address (`1.2.3.4:5`, `[::1]:5`). */
function sessionIp(session: Session): string {
  const address = session.remoteAddressString();
  const match = /^\[(.*)\]:\d+$/.exec(address) ?? /^(.*):\d+$/.exec(address);
  return match ? match[1] : address;
}

/** Sessions an item names: an id, a group name, or (with `byIp`) a client IP address. */
function resolve(manager: SessionManager, item: string, byIp: boolean): Session[] | undefined {
  if (/^\d+$/.test(item)) {
    const session = manager.session(Number(item));
    return session ? [session] : undefined;
  }
  const group = manager.groups().find((g) => g.name === item);
  if (group) return [...group.sessions].sort((a, b) => a.id - b.id);
  if (byIp) {
    const matches = manager.sessions().filter((s) => sessionIp(s) === item);
    if (matches.length > 0) return matches.sort((a, b) => a.id - b.id);
  }
  return undefined;
}

/** `disconnect`: closes the named sessions. */
export function disconnectSessions(manager: SessionManager, items: string[]): string[] {
  const lines: string[] = [];
  const ids: number[] = [];
  for (const item of items) {
    const sessions = item.toLowerCase() === "all"
      ? manager.sessions().sort((a, b) => a.id - b.id)
      : resolve(manager, item, true);
    if (!sessions) {
      lines.push(`unknown session: ${item}`);
      continue;
    }
    for (const session of sessions) {
      if (ids.includes(session.id)) continue;
      ids.push(session.id);
      lines.push(`disconnected ${session.id}`);
    }
  }
  // Reply first: the admin connection itself may be among them.
  setTimeout(() => manager.closeSessions(ids), 0);
  return lines;
}

/** `log`: toggles request logging of the named sessions. */
export function toggleSessionLogging(manager: SessionManager, items: string[]): string[] {
  const lines: string[] = [];
  const toggled = new Set<number>();
  const set = (session: Session, on: boolean): void => {
    session.logMe = on;
    toggled.add(session.id);
    lines.push(`log ${session.id}: ${on ? "True" : "False"}`);
  };
  for (const item of items) {
    const word = item.toLowerCase();
    if (word === "all" || word === "none") {
      const on = word === "all";
      manager.logNewSessions = on;
      for (const session of manager.sessions().sort((a, b) => a.id - b.id)) set(session, on);
      lines.push(`log new sessions: ${on ? "True" : "False"}`);
      continue;
    }
    if (word === "new") {
      manager.logNewSessions = !manager.logNewSessions;
      lines.push(`log new sessions: ${manager.logNewSessions ? "True" : "False"}`);
      continue;
    }
    const sessions = resolve(manager, item, false);
    if (!sessions) {
      lines.push(`unknown session: ${item}`);
      continue;
    }
    for (const session of sessions) {
      if (!toggled.has(session.id)) set(session, !session.logMe);
    }
  }
  return lines;
}
