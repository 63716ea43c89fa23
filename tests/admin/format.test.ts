import assert from "node:assert/strict";
import { formatCoins, formatDuration, withSeparators } from "../../src/admin/format.ts";

Deno.test("durations follow docs/admin.md's table", () => {
  const cases: [number, string, string][] = [
    [5, "05s", "05s"],
    [342, "05m 42s", "05m42s"],
    [24480, "06h 48m 00s", "06h48m00s"],
    [1000000, "11d 13h 46m", "11d13h46m"],
    [-5, "-1d 23h 59m", "-1d23h59m"],
    [0, "00s", "00s"],
  ];
  for (const [seconds, spaced, compact] of cases) {
    assert.equal(formatDuration(seconds), spaced);
    assert.equal(formatDuration(seconds, ""), compact);
  }
});

Deno.test("separators and coin amounts", () => {
  assert.equal(withSeparators(1234567), "1,234,567");
  assert.equal(withSeparators(999), "999");
  assert.equal(withSeparators(3456.9), "3,456");
  assert.equal(formatCoins(0), "0");
  assert.equal(formatCoins(5500), "0.000055");
  assert.equal(formatCoins(1_789_833_030), "17.8983303");
  assert.equal(formatCoins(150_000_000_000), "1,500");
  assert.equal(formatCoins(123_456_789_012_345), "1,234,567.89012345");
});
