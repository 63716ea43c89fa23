/** `electrumx rpc`: sends one admin command and prints its result as ElectrumX's client does. */
import { AdminConnectError, AdminRpcError, AdminTimeoutError, callAdmin } from "../admin/client.ts";
import type { AdminCommand } from "../admin/commands.ts";
import { prettyJson, pythonRepr } from "./pretty_json.ts";
import { groupsTable, peersTable, sessionsTable } from "./tables.ts";

/** Options shared by every `rpc` subcommand. */
export interface RpcOptions {
  port?: number;
  timeout?: number;
  json?: boolean;
  limit?: number;
}

/** The admin port: `-p`, else RPC_PORT, else 8000. */
export function adminPort(options: RpcOptions, env: Record<string, string | undefined>): number {
  if (options.port !== undefined) return options.port;
  const fromEnv = env.RPC_PORT;
  if (fromEnv === undefined || fromEnv.trim() === "") return 8000;
  const port = Number(fromEnv);
  if (!/^\s*\d+\s*$/.test(fromEnv) || port < 1 || port > 65535) {
    throw new RangeError(`cannot convert envvar RPC_PORT value ${fromEnv} to a port number`);
  }
  return port;
}

const TABLES: Record<string, (rows: unknown[]) => string[]> = {
  sessions: (rows) => sessionsTable(rows as unknown[][]),
  groups: (rows) => groupsTable(rows as unknown[][]),
  peers: (rows) => peersTable(rows),
};

/** Renders a successful result. */
export function renderResult(command: AdminCommand, result: unknown, asJson: boolean): string {
  if (asJson || command.rendering === "json") return prettyJson(result);
  if (!Array.isArray(result)) throw new TypeError(`expected a list from ${command.name}`);
  if (command.rendering === "table") return TABLES[command.name](result).join("\n");
  return result.map(String).join("\n");
}

/** Runs one admin command; returns the exit status. */
export async function runRpcCommand(
  command: AdminCommand,
  args: unknown[],
  options: RpcOptions,
  env: Record<string, string | undefined>,
): Promise<number> {
  let port: number;
  try {
    port = adminPort(options, env);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  try {
    const result = await callAdmin(port, command.name, command.params(args, options), {
      timeoutSeconds: options.timeout ?? command.timeoutSeconds,
    });
    console.log(renderResult(command, result, options.json ?? false));
    return 0;
  } catch (error) {
    if (error instanceof AdminConnectError) {
      console.log(
        `cannot connect - is ElectrumX catching up, not running, or is ${port} the wrong RPC port?`,
      );
    } else if (error instanceof AdminRpcError) {
      console.log(`error making request: (${error.code}, ${pythonRepr(error.rpcMessage)})`);
    } else if (error instanceof AdminTimeoutError) {
      console.log(`error making request: ${error.message}`);
    } else {
      console.log(`error making request: ${(error as Error).message}`);
    }
    return 1;
  }
}
