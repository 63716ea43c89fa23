/**
 * ElectrumX's RPC library, aiorpcX (Debian's python3-aiorpcx, installed with the electrum
 * package), driven through tests/admin/aiorpcx_peer.py: as a LocalRPC client the way
 * `electrumx_rpc` uses it, and as an echoing LocalRPC server.
 */

const SCRIPT = new URL("./aiorpcx_peer.py", import.meta.url).pathname;
/** Debian's Python, which has the Debian packages (a pyenv `python3` may not). */
const PYTHON = "/usr/bin/python3";

/** True if Debian's Python can import aiorpcx. */
export function aiorpcxInstalled(): boolean {
  try {
    return new Deno.Command(PYTHON, { args: ["-c", "import aiorpcx"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** What aiorpcX's client got back. */
export type AiorpcxReply = { result: unknown } | { error: { code: number; message: string } };

/** One request through aiorpcX's `connect_rs` + `send_request`. */
export async function aiorpcxRequest(
  port: number,
  method: string,
  params: unknown,
): Promise<AiorpcxReply> {
  const output = await new Deno.Command(PYTHON, {
    args: [SCRIPT, "client", String(port), method, JSON.stringify(params)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    throw new Error(`aiorpcx client failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  const error = /^error (-?\d+) (.*)$/s.exec(text);
  if (error) return { error: { code: Number(error[1]), message: error[2] } };
  return { result: JSON.parse(text) };
}

/** A running aiorpcX echo server. */
export class AiorpcxServer {
  private constructor(readonly process: Deno.ChildProcess, readonly port: number) {}

  static async start(): Promise<AiorpcxServer> {
    const process = new Deno.Command(PYTHON, {
      args: [SCRIPT, "server"],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = process.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("aiorpcx server exited before listening");
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    return new AiorpcxServer(process, Number(text.trim()));
  }

  async stop(): Promise<void> {
    this.process.kill("SIGTERM");
    await this.process.stdout.cancel();
    await this.process.status;
  }
}
