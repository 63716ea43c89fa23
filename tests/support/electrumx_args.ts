/**
 * How tests run the program: `deno run` of main.ts with the server's permission set from
 * deno.json, as scripts/electrumx does, so the tests show that set is enough.
 */
const ROOT = new URL("../../", import.meta.url).pathname;

/** Arguments of `deno` before the program's own: `[...ELECTRUMX_ARGS, "serve"]`. */
export const ELECTRUMX_ARGS = [
  "run",
  "--quiet",
  "--config",
  `${ROOT}deno.json`,
  "-P=server",
  `${ROOT}main.ts`,
];
