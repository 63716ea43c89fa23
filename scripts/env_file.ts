/** `deno task env-file`: writes contrib/electrumx.env from the variable table (src/cli/env_file.ts). */
import { ENV_FILE, environmentFile } from "../src/cli/env_file.ts";

await Deno.writeTextFile(new URL(`../${ENV_FILE}`, import.meta.url), environmentFile());
console.log(`wrote ${ENV_FILE}`);
