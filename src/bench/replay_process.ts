/**
 * The replay daemon as a subprocess, the way benchmarks run it: on its own core, as bitcoind
 * would be, so its work does not count against the indexer's.
 */
/** A running replay daemon process. */
export interface ReplayProcess {
  /** URL with credentials, for DAEMON_URL. */
  url: string;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<void>;
}

const SCRIPT = new URL("../../scripts/replay_daemon.ts", import.meta.url);

/** Starts scripts/replay_daemon.ts on `chainDirectory`; resolves once it listens. */
export async function startReplayProcess(
  chainDirectory: string,
  extraArgs: string[] = [],
): Promise<ReplayProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-net=127.0.0.1",
      // Blocks and transactions generated on demand hash with OpenSSL's SHA-256.
      "--allow-ffi",
      SCRIPT.pathname,
      "--chain",
      chainDirectory,
      ...extraArgs,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += chunk.value;
  }
  // Keep draining, so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })().catch(() => {});
  const url = text.split("\n")[0].trim();
  if (!url.startsWith("http://")) {
    child.kill("SIGTERM");
    await child.status;
    throw new Error(`replay daemon on ${chainDirectory} did not start (see its errors above)`);
  }
  return {
    url,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      await child.status;
    },
  };
}
