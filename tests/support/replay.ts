/** A replay daemon serving a generated chain directory in this process, and our client for it. */
import { StoredChain } from "../../src/bench/chain_directory.ts";
import { ReplayChain } from "../../src/bench/replay_chain.ts";
import { ReplayDaemon } from "../../src/bench/replay_daemon.ts";
import { Daemon } from "../../src/daemon/daemon.ts";

/**
 * Runs `body` with a daemon client of a replay daemon serving `chainDir` (up to `height`, else
 * all of it), then stops both.
 */
export async function withReplayDaemon(
  chainDir: string,
  body: (daemon: Daemon) => Promise<void>,
  options: { height?: number } = {},
): Promise<void> {
  const stored = StoredChain.open(chainDir);
  const server = ReplayDaemon.start({
    chain: new ReplayChain(stored, { height: options.height }),
    user: "user",
    password: "pass",
  });
  const daemon = new Daemon({ urls: [server.url], maxRetryMs: 2000 });
  try {
    await body(daemon);
  } finally {
    daemon.close();
    await server.stop();
    stored.close();
  }
}
