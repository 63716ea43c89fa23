/**
 * contrib/electrumx.env, the example environment file of the systemd unit, made from the table
 * behind `serve --help` (VARIABLES) so the two cannot disagree: `deno task env-file` writes it
 * and a test compares it with this.
 */
import { GROUP_TITLES, type Variable, VARIABLES } from "../config.ts";

/** Where the file lives in the repository. */
export const ENV_FILE = "contrib/electrumx.env";

/** Settings of the example deployment (docs/running.md); every other line is commented out. */
const SETTINGS: Record<string, string> = {
  DB_DIRECTORY: "/var/lib/electrumx",
  DAEMON_URL: "127.0.0.1",
  DAEMON_COOKIE_FILE: "/var/lib/bitcoind/.cookie",
  SERVICES: "tcp://:50001",
};

const HEADER = `\
# The environment of \`electrumx serve\` (contrib/systemd/electrumx.service reads it with
# EnvironmentFile=). Every variable the server reads, with its default: a commented line keeps
# the default, and a flag of \`electrumx serve\` (see --help) wins over the file.
# Made by \`deno task env-file\` from the table behind \`electrumx serve --help\` (src/config.ts).
`;

/** `#NAME=default` or the setting; a default that describes a value ("per network") stays out. */
function valueLine(variable: Variable): string {
  const setting = SETTINGS[variable.name];
  if (setting !== undefined) return `${variable.name}=${setting}`;
  const literal = variable.defaultText !== undefined && !/[\s,]/.test(variable.defaultText);
  return `#${variable.name}=${literal ? variable.defaultText : ""}`;
}

/** The whole file. */
export function environmentFile(): string {
  const lines = [HEADER];
  for (const [group, title] of Object.entries(GROUP_TITLES)) {
    lines.push(`## ${title}`, "");
    for (const variable of VARIABLES.filter((v) => v.group === group)) {
      const fallback = variable.defaultText === undefined
        ? ""
        : `; default: ${variable.defaultText === "" ? "unset" : variable.defaultText}`;
      lines.push(`# ${variable.help}${fallback}`, valueLine(variable), "");
    }
  }
  return lines.join("\n");
}
