import assert from "node:assert/strict";
import { bindParams } from "../../src/admin/rpc_server.ts";

const QUERY = [{ name: "items" }, { name: "limit", default: 1000 }];

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return "no error";
}

Deno.test("positional and named parameters bind with defaults", () => {
  assert.deepEqual(bindParams("query", QUERY, [["a"]]), { items: ["a"], limit: 1000 });
  assert.deepEqual(bindParams("query", QUERY, [["a"], 5]), { items: ["a"], limit: 5 });
  assert.deepEqual(bindParams("query", QUERY, { limit: 2, items: [] }), { items: [], limit: 2 });
  assert.deepEqual(bindParams("getinfo", [], {}), {});
  assert.deepEqual(bindParams("getinfo", [], undefined), {});
});

Deno.test("arity and name errors use aiorpcX's wording", () => {
  assert.equal(
    message(() => bindParams("query", QUERY, [])),
    '0 arguments passed to method "query" but it requires 1',
  );
  assert.equal(
    message(() => bindParams("getinfo", [], [1])),
    "1 argument passed to method getinfo taking at most 0",
  );
  assert.equal(
    message(() => bindParams("query", QUERY, [1, 2, 3])),
    "3 arguments passed to method query taking at most 2",
  );
  assert.equal(
    message(() => bindParams("query", QUERY, {})),
    'method "query" requires parameter "items"',
  );
  assert.equal(
    message(() => bindParams("getinfo", [], { z: 1, a: 2 })),
    'method "getinfo" does not take parameters "a", "z"',
  );
});
