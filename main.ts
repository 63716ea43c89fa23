/** Entry point of the `electrumx` executable: `serve` or `rpc <command>`. */
import { runCli } from "./src/cli/program.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
