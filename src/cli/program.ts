/**
 * The command line: `electrumx serve` and `electrumx rpc <command> [args]`, with help and
 * version. Usage errors print a usage message and exit with status 2, starting nothing.
 */
import { Argument, Command, CommanderError, Help, InvalidArgumentError, Option } from "commander";
import { flagName, GROUP_TITLES, VARIABLES } from "../config.ts";
import { PROGRAM_NAME, VERSION } from "../version.ts";
import { ADMIN_COMMANDS } from "../admin/commands.ts";
import { runRpcCommand } from "./rpc.ts";
import { runServe } from "./serve.ts";

/** Exit status of a usage error (argparse's, which ElectrumX's client uses). */
export const USAGE_ERROR = 2;

/** The narrowest column commander's layout may leave for descriptions beside their terms. */
const SIDE_BY_SIDE_MIN = 40;

/**
 * A help item (flag, argument, subcommand) and its description: beside the term, wrapped to the
 * width, when that leaves the description 40 columns; else under the term, indented, wrapped to
 * the width. Commander leaves a description beside a long term unwrapped instead, and the serve
 * flags take 40 columns: under 82 columns every line ran on past the edge.
 */
function formatItem(term: string, termWidth: number, description: string, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  if (!description || width - termWidth - 4 >= SIDE_BY_SIDE_MIN) {
    return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
  }
  return `  ${term}\n` + helper.boxWrap(description, width - 6).replace(/^(?=.)/gm, "      ");
}

/** The usage line wrapped to the width as well (commander does not), continued under itself. */
function styleUsage(this: Help, usage: string): string {
  const indent = " ".repeat("Usage: ".length);
  return this.boxWrap(usage, (this.helpWidth ?? 80) - indent.length).replaceAll(
    "\n",
    `\n${indent}`,
  );
}

function parseInteger(name: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\s*[+-]?\d+\s*$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return parsed;
  };
}

function serveCommand(status: ExitStatus): Command {
  const serve = new Command("serve")
    .summary("Index the chain from bitcoind into SQLite and serve Electrum wallets.")
    .description(
      // One line per paragraph: commander wraps lines to the width but keeps line breaks.
      "Index the chain from bitcoind into SQLite and serve Electrum wallets.\n\n" +
        "Configuration comes from ElectrumX's environment variables; each flag below sets the " +
        "variable named in brackets and wins over the environment.",
    );
  for (const variable of VARIABLES) {
    const defaultText = variable.defaultText === undefined
      ? ""
      : `, default: ${variable.defaultText === "" ? "unset" : variable.defaultText}`;
    const option = new Option(
      `${flagName(variable.name)} <value>`,
      `${variable.help} [${variable.name}${defaultText}]`,
    );
    option.helpGroup(GROUP_TITLES[variable.group] + ":");
    serve.addOption(option);
  }
  serve.action(async (options: Record<string, string | undefined>) => {
    const overrides: Record<string, string | undefined> = {};
    for (const variable of VARIABLES) {
      const key = new Option(flagName(variable.name) + " <value>").attributeName();
      if (options[key] !== undefined) overrides[variable.name] = options[key];
    }
    status.code = await runServe(Deno.env.toObject(), overrides);
  });
  return serve;
}

function rpcCommand(status: ExitStatus): Command {
  const rpc = new Command("rpc")
    .description("Send a command to a running server's LocalRPC admin port.")
    .option(
      "-p, --port <port>",
      "admin port [default: $RPC_PORT, else 8000]",
      parseInteger("port", 1, 65535),
    )
    .option(
      "--timeout <seconds>",
      "whole-operation timeout [default: 30; backup: 86400]",
      parseInteger("timeout", 1, 86400),
    )
    .option("--json", "print the result as JSON, whatever the command");
  for (const admin of ADMIN_COMMANDS) {
    const sub = new Command(admin.name).description(admin.summary);
    for (const argument of admin.arguments) {
      const spec = new Argument(argument.syntax, argument.description);
      if (argument.integer) spec.argParser(parseInteger(argument.name, 0, 1e9));
      sub.addArgument(spec);
    }
    if (admin.name === "query") {
      sub.option(
        "-l, --limit <n>",
        "entries of each kind per item",
        parseInteger("limit", 0, 1e9),
        1000,
      );
    }
    sub.action(async (...actionArgs: unknown[]) => {
      const command = actionArgs[actionArgs.length - 1] as Command;
      const positional = actionArgs.slice(0, admin.arguments.length);
      const options = command.optsWithGlobals() as {
        port?: number;
        timeout?: number;
        json?: boolean;
        limit?: number;
      };
      status.code = await runRpcCommand(admin, positional, options, Deno.env.toObject());
    });
    rpc.addCommand(sub);
  }
  return rpc;
}

/** Where actions leave the exit status of the command they ran. */
interface ExitStatus {
  code: number;
}

/** Builds the whole program; actions record their exit status in `status`. */
export function buildProgram(status: ExitStatus = { code: 0 }): Command {
  const program = new Command(PROGRAM_NAME === "electrumx-ts" ? "electrumx" : PROGRAM_NAME)
    .description("An Electrum server for Bitcoin: indexes bitcoind into SQLite, serves wallets.")
    .version(`${PROGRAM_NAME} ${VERSION}`, "-V, --version")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)) });
  program.addCommand(serveCommand(status));
  program.addCommand(rpcCommand(status));
  for (
    const command of [
      program,
      ...program.commands,
      ...program.commands.flatMap((c) => c.commands),
    ]
  ) {
    command.exitOverride().showHelpAfterError().configureHelp({
      formatItem,
      styleUsage,
      minWidthToWrap: 20,
    });
  }
  return program;
}

/** Runs the command line; returns the exit status. */
export async function runCli(argv: string[]): Promise<number> {
  const status: ExitStatus = { code: 0 };
  const program = buildProgram(status);
  if (argv.length === 0) {
    program.outputHelp();
    return USAGE_ERROR;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      const helpOrVersion = error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" || error.code === "commander.help";
      return helpOrVersion ? 0 : USAGE_ERROR;
    }
    throw error;
  }
  return status.code;
}
