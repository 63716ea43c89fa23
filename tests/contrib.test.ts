/**
 * Production packaging in contrib/: the example environment file is the variable table's, and
 * the systemd unit passes `systemd-analyze verify` (Debian's systemd package; scripts/test.sh
 * installs it) and keeps the settings docs/running.md relies on.
 */
import assert from "node:assert/strict";
import { ENV_FILE, environmentFile } from "../src/cli/env_file.ts";
import { VARIABLES } from "../src/config.ts";

const ROOT = new URL("../", import.meta.url);
const UNIT = Deno.readTextFileSync(new URL("contrib/systemd/electrumx.service", ROOT));

/** The unit's `Key=value` lines (the last of each key, as systemd reads them). */
function unitSettings(): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of UNIT.split("\n")) {
    const match = /^(\w+)=(.*)$/.exec(line);
    if (match) settings.set(match[1], match[2]);
  }
  return settings;
}

Deno.test("contrib/electrumx.env is the variable table's, every variable with its default", () => {
  const file = Deno.readTextFileSync(new URL(ENV_FILE, ROOT));
  assert.equal(file, environmentFile(), `${ENV_FILE} is stale: run deno task env-file`);
  for (const variable of VARIABLES) {
    assert.match(file, new RegExp(`^#?${variable.name}=`, "m"), variable.name);
  }
});

Deno.test("the systemd unit passes systemd-analyze verify", async () => {
  // verify wants ExecStart's program to exist: check a copy that starts a stand-in.
  const directory = await Deno.makeTempDir({ prefix: "electrumx-unit-" });
  try {
    const program = `${directory}/electrumx`;
    await Deno.writeTextFile(program, "#!/bin/sh\n", { mode: 0o755 });
    const unit = UNIT.replace(/^ExecStart=\/usr\/local\/bin\/electrumx /m, `ExecStart=${program} `);
    assert.notEqual(unit, UNIT);
    await Deno.writeTextFile(`${directory}/electrumx.service`, unit);
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command("systemd-analyze", {
        args: ["verify", `${directory}/electrumx.service`],
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      throw new Error(
        `systemd-analyze: ${error}; apt-get install systemd (scripts/test.sh does as root)`,
      );
    }
    const said = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    // Unknown keys and bad values are only warnings ("ignoring"): any output fails.
    assert.equal(output.code, 0, said);
    assert.equal(said, "");
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("the systemd unit: own user, environment file, restarts, long stop, sandbox", () => {
  const unit = unitSettings();
  assert.equal(unit.get("User"), "electrumx");
  assert.equal(unit.get("EnvironmentFile"), "/etc/electrumx/electrumx.env");
  assert.equal(unit.get("ExecStart"), "/usr/local/bin/electrumx serve");
  assert.equal(unit.get("Restart"), "on-failure");
  assert.equal(unit.get("TimeoutStopSec"), "15min");
  const maxSessions = Number(VARIABLES.find((v) => v.name === "MAX_SESSIONS")!.defaultText);
  assert.ok(Number(unit.get("LimitNOFILE")) >= maxSessions + 1000);
  assert.equal(unit.get("ProtectSystem"), "strict");
  // The one writable directory is the example's DB_DIRECTORY.
  const dbDirectory = /^DB_DIRECTORY=(.*)$/m.exec(environmentFile())![1];
  assert.equal(unit.get("ReadWritePaths"), dbDirectory);
  for (const key of ["NoNewPrivileges", "PrivateTmp", "ProtectHome"]) {
    assert.equal(unit.get(key), "yes", key);
  }
  assert.equal(unit.get("MemoryDenyWriteExecute"), undefined, "V8 needs executable memory");
});

Deno.test("LICENSE: MIT, the electrumx-ts authors", () => {
  const license = Deno.readTextFileSync(new URL("LICENSE", ROOT));
  assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 the electrumx-ts authors\n/);
});
