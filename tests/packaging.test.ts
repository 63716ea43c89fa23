/**
 * The single executable as far as it can be checked without building it (deno compile needs a
 * runtime download this machine cannot make): every worker module is included, the release
 * builds cover our platforms, and the server's permissions are defined once, in deno.json.
 */
import assert from "node:assert/strict";
import { compileTaskArgs, releaseBuilds } from "../scripts/dist.ts";
import { ELECTRUMX_ARGS } from "./support/electrumx_args.ts";

const ROOT = new URL("../", import.meta.url);
const CONFIG = JSON.parse(Deno.readTextFileSync(new URL("deno.json", ROOT)));

function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(new URL(directory, ROOT))) {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory) files.push(...sourceFiles(path));
    else if (path.endsWith(".ts")) files.push(path);
  }
  return files;
}

/** Every module src/ starts as a worker, repository-relative. */
function workerModules(): string[] {
  const modules: string[] = [];
  for (const file of sourceFiles("src")) {
    const text = Deno.readTextFileSync(new URL(file, ROOT));
    const starts = text.match(/new Worker\(/g)?.length ?? 0;
    const found = [
      ...text.matchAll(/new Worker\(\s*new URL\(\s*"([^"]+)",\s*import\.meta\.url\s*\)/g),
    ];
    assert.equal(found.length, starts, `${file}: a worker not started from a literal module URL`);
    for (const [, relative] of found) {
      modules.push(new URL(relative, new URL(file, ROOT)).pathname.slice(ROOT.pathname.length));
    }
  }
  return modules.sort();
}

function includes(args: string[]): string[] {
  return args.flatMap((arg, i) => (args[i - 1] === "--include" ? [arg] : [])).sort();
}

Deno.test("the compile task and every release build include each worker module", () => {
  const workers = workerModules();
  assert.ok(workers.includes("src/index/block_source_worker.ts"), "found no workers");
  assert.deepEqual(includes(compileTaskArgs()), workers);
  for (const build of releaseBuilds()) assert.deepEqual(includes(build.args), workers);
});

Deno.test("release builds: Linux x86_64 and aarch64, macOS aarch64, each to its own file", () => {
  const builds = releaseBuilds();
  const targets = builds.map((b) => b.args[b.args.indexOf("--target") + 1]);
  assert.deepEqual(targets, [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "aarch64-apple-darwin",
  ]);
  const outputs = builds.map((b) => b.args[b.args.indexOf("--output") + 1]);
  assert.deepEqual(outputs, builds.map((b) => `dist/${b.file}`));
  assert.equal(new Set(outputs).size, 3);
  for (const build of builds) {
    assert.equal(build.args[0], "compile");
    assert.equal(build.args.at(-1), "main.ts");
    assert.ok(build.args.includes("-P=server"));
  }
  assert.equal(
    CONFIG.tasks.dist,
    "deno run --allow-read --allow-write --allow-run scripts/dist.ts",
  );
});

Deno.test("the server's permissions are one set in deno.json, used everywhere", () => {
  assert.deepEqual(CONFIG.permissions.server, {
    net: true,
    read: true,
    write: true,
    env: true,
    sys: ["uid"],
    ffi: true,
  });
  for (const task of ["electrumx", "serve", "rpc", "compile"]) {
    assert.match(CONFIG.tasks[task], /^deno (run|compile) -P=server /, task);
    assert.doesNotMatch(CONFIG.tasks[task], /--allow|-A\b/, task);
  }
  // The demo runs bcoin next to the server: the set plus subprocesses, nothing else.
  assert.equal(CONFIG.tasks.demo, "deno run -P=server --allow-run scripts/demo.ts");
  const launcher = Deno.readTextFileSync(new URL("scripts/electrumx", ROOT));
  assert.match(
    launcher,
    /exec "\$deno" run --quiet --config "\$root\/deno\.json" -P=server "\$root\/main\.ts" "\$@"/,
  );
  const demo = Deno.readTextFileSync(new URL("scripts/demo.ts", ROOT));
  assert.match(demo, /"-P=server", `\$\{root\}main\.ts`, "serve"/);
  assert.ok(ELECTRUMX_ARGS.includes("-P=server"), "the tests run the server with the set");
  // Whatever else runs the program uses the set or, for benchmarks, --allow-all: never a list
  // of flags of its own.
  for (const file of [...sourceFiles("scripts"), ...sourceFiles("tests")]) {
    const text = Deno.readTextFileSync(new URL(file, ROOT));
    if (!text.includes("main.ts") || file === "tests/packaging.test.ts") continue;
    assert.doesNotMatch(text, /--allow-(net|read|write|env|sys|ffi)/, file);
  }
});
