import assert from "node:assert/strict";
import { prettyJson, pythonRepr } from "../src/cli/pretty_json.ts";

Deno.test("pretty JSON matches Python's json.dumps(indent=4, sort_keys=True)", () => {
  const value = { b: [1, { z: null, a: true }], a: "é", c: {}, d: [], "𝄞": "x\n" };
  assert.equal(
    prettyJson(value),
    '{\n    "a": "\\u00e9",\n    "b": [\n        1,\n        {\n            "a": true,\n' +
      '            "z": null\n        }\n    ],\n    "c": {},\n    "d": [],\n' +
      '    "\\ud834\\udd1e": "x\\n"\n}',
  );
  assert.equal(prettyJson("stopping"), '"stopping"');
});

Deno.test("Python repr quoting of error messages", () => {
  assert.equal(pythonRepr("no session with id=5"), "'no session with id=5'");
  assert.equal(pythonRepr("it's"), `"it's"`);
  assert.equal(pythonRepr(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(pythonRepr("a\\b\tc"), "'a\\\\b\\tc'");
});
