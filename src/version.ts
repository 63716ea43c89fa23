/** The program's name and version, as `--version` and logs show them. */
export const PROGRAM_NAME = "electrumx-ts";
export const VERSION = "0.1.0";
