/** The command line as an operator meets it: real `deno run main.ts` subprocesses. */
import assert from "node:assert/strict";
import type { Command } from "commander";
import { adminRequestLine } from "../src/admin/client.ts";
import { buildProgram } from "../src/cli/program.ts";
import { ELECTRUMX_ARGS } from "./support/electrumx_args.ts";

async function electrumx(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...ELECTRUMX_ARGS, ...args],
    env: { NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("--version and --help", async () => {
  const version = await electrumx(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^electrumx-ts \d+\.\d+\.\d+\n$/);
  const help = await electrumx(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /serve/);
  assert.match(help.stdout, /rpc/);
});

Deno.test("serve --help lists every environment variable with its flag", async () => {
  const help = await electrumx(["serve", "--help"]);
  assert.equal(help.code, 0);
  for (
    const name of [
      "DB_DIRECTORY",
      "DAEMON_URL",
      "NET",
      "SERVICES",
      "REPORT_SERVICES",
      "CACHE_MB",
      "RPC_PORT",
      "SSL_CERTFILE",
      "TOR_PROXY_PORT",
      "BANNER_FILE",
    ]
  ) {
    assert.match(help.stdout, new RegExp(`\\[${name}`), `${name} missing from serve --help`);
  }
  assert.match(help.stdout, /--db-directory <value>/);
});

/**
 * Where the text of `line` continues on the next line, if it does: its description column for a
 * help item (a term, two spaces or more, a description), else its indentation; none for a term
 * alone on its line.
 */
function textColumn(line: string): number | undefined {
  const item = /^ {2}\S.*? {2,}(?=\S)/.exec(line);
  if (item) return item[0].length;
  if (/^ {2}\S/.test(line)) return undefined;
  return line.length - line.trimStart().length;
}

Deno.test("help wraps at every width: nothing past the edge, no line broken early", () => {
  const commands = (
    command: Command,
  ): Command[] => [command, ...command.commands.flatMap(commands)];
  for (let width = 40; width <= 160; width++) {
    for (const command of commands(buildProgram())) {
      command.configureOutput({ getOutHelpWidth: () => width });
      const lines = command.helpInformation().trimEnd().split("\n");
      const where = (i: number): string =>
        `${command.name()} --help at ${width} columns:\n${lines[i]}`;
      lines.forEach((line, i) => {
        // Only a word longer than the width may stick out, alone on its line.
        if (line.length > width) assert.doesNotMatch(line.trim(), /\s/, where(i));
        const next = lines[i + 1];
        const column = textColumn(line);
        if (!line.trim() || !next?.trim() || column === undefined) return;
        if (next.length - next.trimStart().length !== column) return;
        const word = next.trim().split(/\s/)[0];
        assert.ok(line.length + 1 + word.length > width, `"${word}" fits above: ${where(i)}`);
      });
    }
  }
});

Deno.test("usage errors exit 2 and start nothing", async () => {
  const unknown = await electrumx(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badOption = await electrumx(["serve", "--no-such-flag"]);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /unknown option '--no-such-flag'/);
  const badPort = await electrumx(["rpc", "-p", "abc", "getinfo"]);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /port must be an integer/);
  const unknownRpc = await electrumx(["rpc", "explode"]);
  assert.equal(unknownRpc.code, 2);
  const missingArg = await electrumx(["rpc", "disconnect"]);
  assert.equal(missingArg.code, 2);
  assert.match(missingArg.stderr, /missing required argument 'session_ids'/);
});

Deno.test("serve refuses a bad configuration, naming variable and value", async () => {
  const result = await electrumx(["serve"], {
    DB_DIRECTORY: "/tmp/x",
    DAEMON_URL: "u:p@127.0.0.1",
    CACHE_MB: "lots",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot convert envvar CACHE_MB value lots to an integer/);
  const flag = await electrumx(["serve", "--net", "moon"], {
    DB_DIRECTORY: "/tmp/x",
    DAEMON_URL: "u:p@h",
  });
  assert.equal(flag.code, 1);
  assert.match(flag.stderr, /unknown coin Bitcoin and network moon combination/);
});

Deno.test(
  "serve refuses to run as root without ALLOW_ROOT",
  { ignore: Deno.uid() !== 0 },
  async () => {
    const result = await electrumx(["serve"], {
      DB_DIRECTORY: "/tmp/x",
      DAEMON_URL: "u:p@127.0.0.1:1",
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /RUNNING AS ROOT IS STRONGLY DISCOURAGED/);
  },
);

/** A one-shot admin server on a free port that answers with `reply`, recording the request. */
function fakeAdmin(reply: string): { port: number; request: Promise<string> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const request = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(4096);
    let text = "";
    while (!text.endsWith("\n")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    await conn.write(new TextEncoder().encode(reply + "\n"));
    conn.close();
    listener.close();
    return text;
  })();
  return { port: listener.addr.port, request };
}

Deno.test("rpc sends ElectrumX's exact request bytes and prints sorted pretty JSON", async () => {
  const admin = fakeAdmin(
    '{"jsonrpc":"2.0","result":{"pid":7,"daemon":"x","peers":{"good":1,"bad":0}},"id":0}',
  );
  const result = await electrumx(["rpc", "-p", String(admin.port), "getinfo"]);
  assert.equal(await admin.request, '{"jsonrpc":"2.0","method":"getinfo","id":0,"params":{}}\n');
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout,
    '{\n    "daemon": "x",\n    "peers": {\n        "bad": 0,\n        "good": 1\n    },\n    "pid": 7\n}\n',
  );
});

Deno.test("rpc query sends limit and items, and prints lines", async () => {
  const admin = fakeAdmin(
    '{"jsonrpc":"2.0","result":["Script: 00ff","Balance: 0 BTC"],"id":0}',
  );
  const result = await electrumx([
    "rpc",
    "query",
    "--limit",
    "5",
    "00ff",
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
  ], {
    RPC_PORT: String(admin.port),
  });
  assert.equal(
    await admin.request,
    adminRequestLine("query", { limit: 5, items: ["00ff", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"] }),
  );
  assert.equal(
    adminRequestLine("query", { limit: 5, items: ["00ff"] }),
    '{"jsonrpc":"2.0","method":"query","id":0,"params":{"limit":5,"items":["00ff"]}}\n',
  );
  assert.equal(result.stdout, "Script: 00ff\nBalance: 0 BTC\n");
});

Deno.test("rpc reports server errors and unreachable servers as ElectrumX does", async () => {
  const admin = fakeAdmin(
    '{"jsonrpc":"2.0","error":{"code":1,"message":"no session with id=5"},"id":0}',
  );
  const failed = await electrumx(["rpc", "-p", String(admin.port), "disconnect", "5"]);
  assert.equal(
    await admin.request,
    '{"jsonrpc":"2.0","method":"disconnect","id":0,"params":{"session_ids":["5"]}}\n',
  );
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, "error making request: (1, 'no session with id=5')\n");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const down = await electrumx(["rpc", "-p", String(port), "getinfo"]);
  assert.equal(down.code, 1);
  assert.equal(
    down.stdout,
    `cannot connect - is ElectrumX catching up, not running, or is ${port} the wrong RPC port?\n`,
  );
});

Deno.test("rpc reorg defaults to 3 and daemon_url to empty", async () => {
  const admin = fakeAdmin(
    '{"jsonrpc":"2.0","result":"scheduled a reorg of 3 blocks","id":0}',
  );
  const result = await electrumx(["rpc", "-p", String(admin.port), "reorg"]);
  assert.equal(
    await admin.request,
    '{"jsonrpc":"2.0","method":"reorg","id":0,"params":{"count":3}}\n',
  );
  assert.equal(result.stdout, '"scheduled a reorg of 3 blocks"\n');
  const admin2 = fakeAdmin('{"jsonrpc":"2.0","result":"ok","id":0}');
  await electrumx(["rpc", "-p", String(admin2.port), "daemon_url"]);
  assert.equal(
    await admin2.request,
    '{"jsonrpc":"2.0","method":"daemon_url","id":0,"params":{"daemon_url":""}}\n',
  );
});
