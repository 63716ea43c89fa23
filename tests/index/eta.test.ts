import assert from "node:assert/strict";
import { formatEta } from "../../src/index/sync.ts";

Deno.test("ETA formatting", () => {
  assert.equal(formatEta(5.4), "5s");
  assert.equal(formatEta(65), "1m 05s");
  assert.equal(formatEta(3723), "1h 02m 03s");
  assert.equal(formatEta(Infinity), "unknown");
});
