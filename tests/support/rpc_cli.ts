/** Runs the real `electrumx rpc` client as a subprocess. */
import { ELECTRUMX_ARGS } from "./electrumx_args.ts";

/** `electrumx rpc -p <port> <args…>`: its exit status and standard output. */
export async function runRpc(
  port: number,
  ...args: string[]
): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...ELECTRUMX_ARGS, "rpc", "-p", String(port), ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}
