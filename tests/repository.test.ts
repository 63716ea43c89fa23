/**
 * The repository stands alone: users clone only it, so no tracked text file may refer to a path
 * outside the checkout (a build machine's absolute path, a relative path climbing above the root)
 * or cite a Markdown document the repository does not hold.
 */
import assert from "node:assert/strict";
import { posix } from "node:path";

const ROOT = new URL("../", import.meta.url);
/**
 * Pieces of the references the examples below must flag, joined at run time so that this file
 * holds none of them itself (it is checked like every other).
 */
const UP = "..";
const OUTSIDE = [UP, UP, UP, "shared"].join("/");
const BUILD_DIR = ["", "work", "shared"].join("/");
const md = (name: string) => `${name}.md`;

/** URLs name things on the web, not beside the checkout (`file:` URLs excepted). */
const WEB_URL = /\b(?!file:)[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>()[\]]*/gi;
/** The build machines keep their checkouts in one directory: no file may reach there. */
const BUILD_MACHINE_PATH = /(?<![\w.~-])\/work\//;
/** `../…` or a bare `..`, not part of a longer path, a range (`0..9`) or a spread (`...x`). */
const PARENT_PATH = /(?<![\w.~/$-])(?:(?:\.\.\/)+[^\s"'`()[\]<>,;|]*|\.\.(?=$|[\s"'`)\]>,;|]))/g;
/** A Markdown file name, possibly with a path. */
const MARKDOWN_PATH = /(?<![\w.~/-])[\w./-]*\w\.md\b(?![\w-])/g;

/** Files git tracks, relative to the root. */
function trackedFiles(): string[] {
  const output = new Deno.Command("git", { args: ["ls-files", "-z"], cwd: ROOT }).outputSync();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).split("\0").filter((path) => path !== "");
}

/** `path` resolved from `from` (a directory relative to the root); may start with `..`. */
function resolveFrom(from: string, path: string): string {
  return posix.normalize(path.startsWith("/") ? path.slice(1) : posix.join(from, path));
}

/** True when a path relative to the root climbs above it. */
function escapesRoot(path: string): boolean {
  return path === ".." || path.startsWith("../");
}

/**
 * The references of `text` (the contents of the file at `file`) that lead outside the
 * repository, as `file:line: why` lines; `files` are the paths the repository holds.
 */
function outsideReferences(file: string, text: string, files: Set<string>): string[] {
  const directory = posix.dirname(file);
  const problems: string[] = [];
  text.split("\n").forEach((original, index) => {
    const line = original.replace(WEB_URL, "");
    const where = `${file}:${index + 1}`;
    if (BUILD_MACHINE_PATH.test(line)) problems.push(`${where}: a build machine's path`);
    for (const [token] of line.matchAll(PARENT_PATH)) {
      if (escapesRoot(resolveFrom(directory, token))) {
        problems.push(`${where}: ${token} leads outside the repository`);
      }
    }
    for (const [token] of line.matchAll(MARKDOWN_PATH)) {
      if (token.includes("node_modules/")) continue;
      const candidates = [resolveFrom(directory, token), resolveFrom("", token)];
      if (!token.includes("/")) candidates.push(`docs/${token}`);
      if (!candidates.some((candidate) => files.has(candidate))) {
        problems.push(`${where}: cites ${token}, which is not in the repository`);
      }
    }
  });
  return problems;
}

Deno.test("no tracked file refers to a path outside the repository or a missing document", () => {
  const tracked = trackedFiles();
  const files = new Set(tracked);
  const problems: string[] = [];
  for (const file of tracked) {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(new URL(file, ROOT));
    } catch (error) {
      // Deleted in the working tree but not yet in git: nothing to read.
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    if (bytes.includes(0)) continue;
    problems.push(...outsideReferences(file, new TextDecoder().decode(bytes), files));
  }
  assert.deepEqual(problems, []);
});

Deno.test("the check flags references outside the repository, and nothing else", () => {
  const files = new Set(["docs/protocol.md", "README.md", "tests/fixtures/README.md"]);
  const outside: [string, string][] = [
    ["tests/chain/fixtures.ts", `new URL("${OUTSIDE}/data/blocks/", import.meta.url)`],
    ["bench/chain.bench.ts", `"${OUTSIDE.slice(3)}/data/blocks/0000.bin"`],
    ["scripts/x.sh", `cd ${UP}/${UP} && ls`],
    ["README.md", "cd .."],
    ["src/a.ts", `// see ${md(`${BUILD_DIR}/data/README`)}`],
    ["src/a.ts", `Deno.readFileSync("file://${BUILD_DIR}/x")`],
    ["src/electrum/cost.ts", `/** The cost model (${md("sessions-and-limits")} §3.2). */`],
    ["docs/admin.md", `[the layout](${md("rpc-interface")}#sessions)`],
    ["README.md", "see docs/peers.md"],
  ];
  const inside: [string, string][] = [
    ["tests/chain/fixtures.ts", 'new URL("../fixtures/blocks/", import.meta.url)'],
    ["tests/chain/block.test.ts", `import { x } from "${UP}/${UP}/src/chain/bytes.ts";`],
    ["src/a.ts", "// docs/protocol.md, and protocol.md, and tests/fixtures/README.md"],
    ["docs/admin.md", "[errors](protocol.md#error-codes), [readme](../README.md)"],
    [
      "docs/admin.md",
      `https://github.com/spesmilo/electrumx/blob/master/docs/${md("peer_discovery")}`,
    ],
    ["deno.json", '"@noble/curves/": "npm:/@noble/curves@2.4.0/"'],
    ["README.md", "tools/deno/node_modules/.bin and node_modules/commander/Readme.md"],
    ["src/a.ts", "const all = [...items, ...more]; // heights 0..9; ranges 1..."],
    ["scripts/test.sh", 'cd "$(dirname "$0")/.."'],
    ["README.md", "DAEMON_COOKIE_FILE=/home/bitcoin/.bitcoin/.cookie, --profile /tmp/prof"],
    ["docs/protocol.md", "ports *.md files and README.mdx"],
  ];
  for (const [cases, flagged] of [[outside, true], [inside, false]] as const) {
    for (const [file, text] of cases) {
      const problems = outsideReferences(file, text, files);
      assert.equal(problems.length > 0, flagged, `${file}: ${text} → ${problems}`);
    }
  }
});
