import assert from "node:assert/strict";
import { LogSink, RateLimitedLog } from "../src/log.ts";

Deno.test("log lines follow LOG_FORMAT and the level threshold", () => {
  const lines: string[] = [];
  const sink = new LogSink("INFO", "%(levelname)s:%(name)s:%(message)s", (l) => lines.push(l));
  const log = sink.logger("Daemon");
  log.debug("hidden");
  log.info("connection restored");
  log.error("boom");
  assert.deepEqual(lines, ["INFO:Daemon:connection restored", "ERROR:Daemon:boom"]);
});

Deno.test("asctime is Python's layout and unknown placeholders stay", () => {
  const lines: string[] = [];
  new LogSink("DEBUG", "%(asctime)s %(foo)s %(message)s", (l) => lines.push(l)).logger("x").debug(
    "m",
  );
  assert.match(lines[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} %\(foo\)s m$/);
});

Deno.test("rate-limited messages pass once per interval", () => {
  let now = 0;
  const limit = new RateLimitedLog(60_000, () => now);
  assert.equal(limit.allow("connect"), true);
  assert.equal(limit.allow("connect"), false);
  assert.equal(limit.allow("auth"), true);
  now = 60_000;
  assert.equal(limit.allow("connect"), true);
  limit.reset();
  assert.equal(limit.allow("connect"), true);
});
