/** A real `electrumx serve` child process for end-to-end tests, with its log collected. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { inspect, isDeepStrictEqual } from "node:util";
import { DATABASE_FILE } from "../../src/index/schema.ts";
import { decodeHistoryRow } from "../../src/index/history_rows.ts";
import { mergeJournal } from "../../src/index/journal.ts";
import { RowWriter } from "../../src/index/row_writer.ts";
import { toHex } from "../../src/chain/bytes.ts";
import type { RegtestNode } from "../../src/regtest/node.ts";
import { ELECTRUMX_ARGS } from "./electrumx_args.ts";

/** A running `serve` on a regtest node; `env` adds or overrides variables. */
export class ServeProcess {
  readonly process: Deno.ChildProcess;
  log = "";
  readonly done: Promise<void>;

  /** `daemon`: the regtest node, or any daemon's URL (a replay daemon). */
  constructor(
    daemon: Pick<RegtestNode, "rpcUrl">,
    dbDir: string,
    env: Record<string, string> = {},
  ) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [...ELECTRUMX_ARGS, "serve"],
      env: {
        DB_DIRECTORY: dbDir,
        DAEMON_URL: daemon.rpcUrl,
        NET: "regtest",
        ALLOW_ROOT: "1",
        NO_COLOR: "1",
        ...env,
      },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.process = child;
    this.done = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.log += chunk;
      }
    })();
  }

  /** Waits until `predicate` holds, failing with the log after `timeoutMs`. */
  async waitFor(
    predicate: () => boolean | Promise<boolean>,
    what: string,
    timeoutMs = 60_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until the log matches `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    return this.waitFor(() => pattern.test(this.log), `log line ${pattern}`, timeoutMs);
  }

  /** Sends `signal` (if still running) and returns the exit code once the log is complete. */
  async stop(signal: Deno.Signal): Promise<number> {
    try {
      this.process.kill(signal);
    } catch {
      // Already exited: the status below says how.
    }
    const status = await this.process.status;
    await this.done;
    return status.code;
  }
}

/** The committed height of an index file, read directly (-1 when there is none yet). */
export function indexHeight(dbDir: string): number {
  try {
    const db = new DatabaseSync(`${dbDir}/${DATABASE_FILE}`, { readOnly: true });
    try {
      const row = db.prepare("SELECT value FROM state WHERE key = 'height'").get() as
        | { value: number }
        | undefined;
      return row ? Number(row.value) : -1;
    } finally {
      db.close();
    }
  } catch {
    return -1;
  }
}

/**
 * Every row of the index tables, for comparing two databases. History comes as one
 * `[hashX hex, tx_num]` pair per entry: how entries are packed into rows depends on where
 * flushes fell, which differs between an interrupted and an uninterrupted sync.
 */
export function dumpIndex(
  dbDir: string,
  tables = ["headers", "txids", "history", "utxo", "outpoint", "undo"],
): Record<string, unknown[]> {
  const db = new DatabaseSync(`${dbDir}/${DATABASE_FILE}`);
  // A running server may be writing (a journal merge, a checkpoint): wait for it as it would.
  db.exec("PRAGMA busy_timeout = 5000");
  try {
    // Live blocks a killed server left in the journal are in the tables once merged (as the
    // next start would).
    mergeJournal(db, new RowWriter(db));
    const result: Record<string, unknown[]> = {};
    for (const table of tables) {
      const rows = db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all();
      result[table] = table === "history" ? historyEntries(rows) : rows;
    }
    return result;
  } finally {
    db.close();
  }
}

/**
 * Asserts two index dumps (dumpIndex) hold the same rows, table by table. A failure names the
 * table, the row counts and the first row that differs: a whole-dump deepEqual of tens of
 * thousands of rows would build a diff of gigabytes before it failed.
 */
export function assertSameIndex(
  actual: Record<string, unknown[]>,
  expected: Record<string, unknown[]>,
  what = "index",
): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${what}: tables`);
  for (const [table, rows] of Object.entries(expected)) {
    const got = actual[table];
    const differs = rows.findIndex((row, i) => !isDeepStrictEqual(got[i], row));
    if (differs < 0 && got.length === rows.length) continue;
    const at = differs < 0 ? rows.length : differs;
    assert.fail(
      `${what}: table ${table} has ${got.length} rows, expected ${rows.length}; first difference ` +
        `at row ${at}: ${inspect(got[at])} where ${inspect(rows[at])} was expected`,
    );
  }
}

function historyEntries(rows: Record<string, unknown>[]): [string, number][] {
  return rows.flatMap((row) => {
    const txNums: number[] = [];
    decodeHistoryRow(row.tx_num as number, row.more as Uint8Array, txNums);
    return txNums.map((txNum): [string, number] => [toHex(row.hashx as Uint8Array), txNum]);
  });
}
