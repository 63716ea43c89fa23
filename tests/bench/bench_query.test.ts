/**
 * The query benchmark end to end on a tiny chain: it syncs a real server from the replay
 * daemon, checks the sample scripts' answers against the chain's truth (it fails otherwise),
 * and completes every phase with answers and notifications counted. No timing is asserted.
 */
import assert from "node:assert/strict";

const SCRIPT = new URL("../../scripts/bench_query.ts", import.meta.url).pathname;

Deno.test("bench_query runs every phase against a tiny chain and checks its answers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "electrumx-bench-query-" });
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        SCRIPT,
        ...["--txs", "6000", "--sessions", "5", "--seconds", "1", "--runs", "1"],
        ...["--capacity", "40", "--subs-per-session", "3"],
        ...["--chains", `${dir}/chains`, "--results", `${dir}/results`],
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, `bench_query failed:\n${stderr}\n${stdout}`);
    assert.match(stderr, /answers for \d+ sample scripts match the chain's truth/);
    const json = /results written to (\S+)/.exec(stdout)?.[1];
    assert.ok(json, stdout);
    const results = JSON.parse(await Deno.readTextFile(json));
    assert.equal(results.load[0].errors, 0);
    assert.ok(results.load[0].requestsPerSecond > 0);
    assert.equal(results.capacity.sessions, 40);
    assert.equal(results.capacity.subscriptions, 120);
    assert.equal(results.fanOut.blocks.length, 3);
    for (const block of results.fanOut.blocks) {
      assert.equal(block.headerNotified, 40, "every session is told of each new block");
      assert.match(block.roundLog, /^height \d+: told 40 sessions of the tip/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
