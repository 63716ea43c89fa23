/**
 * Debian's `electrum` wallet driven from tests: a private data directory, offline commands,
 * and a daemon connected to one server only.
 */

const COMMAND_TIMEOUT_MS = 60_000;

/** Whether Debian's electrum is installed (scripts/setup.sh installs it). */
export function electrumInstalled(): boolean {
  try {
    return Deno.statSync("/usr/bin/electrum").isFile;
  } catch {
    return false;
  }
}

/** An Electrum wallet in regtest mode, in its own data directory. */
export class ElectrumCli {
  readonly dir = Deno.makeTempDirSync({ prefix: "electrumx-electrum-wallet-" });
  #daemonRunning = false;

  /** Runs one command; JSON output is parsed, anything else returned as text. */
  async run(...args: string[]): Promise<unknown> {
    const output = await new Deno.Command("electrum", {
      args: ["--regtest", "--dir", this.dir, ...args],
      env: { HOME: this.dir, QT_QPA_PLATFORM: "offscreen" },
      stdout: "piped",
      stderr: "piped",
      // A wedged command must fail the test, not hang the suite.
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    }).output();
    const text = new TextDecoder().decode(output.stdout).trim();
    if (!output.success) {
      const error = new TextDecoder().decode(output.stderr).trim();
      throw new Error(`electrum ${args.join(" ")} failed (${output.code}): ${error || text}`);
    }
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  /** Starts the Electrum daemon against one server: `host:port:t`. */
  async startDaemon(server: string): Promise<void> {
    await this.run("--offline", "setconfig", "oneserver", "true");
    await this.run("--offline", "setconfig", "auto_connect", "false");
    await this.run("--offline", "setconfig", "server", server);
    await this.run("daemon", "-d");
    this.#daemonRunning = true;
  }

  /** Stops the daemon (if started) and removes the data directory. */
  async close(): Promise<void> {
    if (this.#daemonRunning) await this.run("stop").catch(() => {});
    this.#daemonRunning = false;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
