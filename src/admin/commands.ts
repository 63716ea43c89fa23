/**
 * The admin commands the client knows: their arguments and the named parameters sent for
 * them (docs/admin.md, "The client"). The server side implements the same names.
 */
import { resolve } from "node:path";

/** How the client renders a command's result. */
export type Rendering = "json" | "lines" | "table";

/** A positional argument of an admin command. */
export interface AdminArgument {
  name: string;
  /** `<name>` required, `[name]` optional, `<name...>` one or more. */
  syntax: string;
  description: string;
  /** Integer arguments are validated by the client before anything is sent. */
  integer?: boolean;
}

/** One admin command, client side. */
export interface AdminCommand {
  name: string;
  summary: string;
  arguments: AdminArgument[];
  rendering: Rendering;
  /** Seconds the client waits for the result unless given --timeout (default 30). */
  timeoutSeconds?: number;
  /** Named parameters from the parsed positional arguments and options. */
  params(args: unknown[], options: { limit?: number }): Record<string, unknown>;
}

function noParams(): Record<string, unknown> {
  return {};
}

function sessionIds(args: unknown[]): Record<string, unknown> {
  return { session_ids: (args[0] as string[]).map(String) };
}

/** Every admin command, in help order. */
export const ADMIN_COMMANDS: readonly AdminCommand[] = [
  {
    name: "getinfo",
    summary: "summary of server state",
    arguments: [],
    rendering: "json",
    params: noParams,
  },
  {
    name: "sessions",
    summary: "table of current sessions",
    arguments: [],
    rendering: "table",
    params: noParams,
  },
  {
    name: "groups",
    summary: "table of session groups",
    arguments: [],
    rendering: "table",
    params: noParams,
  },
  {
    name: "peers",
    summary: "table of peer servers",
    arguments: [],
    rendering: "table",
    params: noParams,
  },
  {
    name: "query",
    summary: "history, UTXOs and balance of addresses or hex scripts",
    arguments: [{
      name: "items",
      syntax: "<items...>",
      description: "addresses or output scripts in hex",
    }],
    rendering: "lines",
    params: (args, options) => ({ limit: options.limit ?? 1000, items: args[0] as string[] }),
  },
  {
    name: "log",
    summary: "toggle request logging of sessions",
    arguments: [{ name: "session_ids", syntax: "<session_ids...>", description: "session ids" }],
    rendering: "json",
    params: sessionIds,
  },
  {
    name: "disconnect",
    summary: "disconnect sessions",
    arguments: [{
      name: "session_ids",
      syntax: "<session_ids...>",
      description: "session ids (or client IP addresses)",
    }],
    rendering: "json",
    params: sessionIds,
  },
  {
    name: "add_peer",
    summary: 'add a peer server by its real name, e.g. "host v1.4 s50002 t"',
    arguments: [{ name: "real_name", syntax: "<real_name>", description: "the peer's real name" }],
    rendering: "json",
    params: (args) => ({ real_name: String(args[0]) }),
  },
  {
    name: "daemon_url",
    summary: "replace the daemon URL list and use its first entry",
    arguments: [{
      name: "daemon_url",
      syntax: "[daemon_url]",
      description: "as DAEMON_URL (default: the server's DAEMON_URL)",
    }],
    rendering: "json",
    params: (args) => ({ daemon_url: args[0] === undefined ? "" : String(args[0]) }),
  },
  {
    name: "reorg",
    summary: "unwind blocks with undo data, then sync forward again",
    arguments: [{
      name: "count",
      syntax: "[count]",
      description: "blocks to unwind (default 3)",
      integer: true,
    }],
    rendering: "json",
    params: (args) => ({ count: args[0] === undefined ? 3 : Number(args[0]) }),
  },
  {
    name: "backup",
    summary: "write a consistent copy of the index to a new file, while serving",
    arguments: [{
      name: "path",
      syntax: "<path>",
      description: "the new file, which the server writes: a place it may write to",
    }],
    rendering: "json",
    // A copy of a large index takes minutes.
    timeoutSeconds: 86400,
    // The server's working directory is not the operator's: relative paths are resolved here.
    params: (args) => ({ path: resolve(String(args[0])) }),
  },
  {
    name: "stop",
    summary: "flush the index and stop the server",
    arguments: [],
    rendering: "json",
    params: noParams,
  },
];
