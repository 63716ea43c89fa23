/**
 * Worker entry of {@link IndexBackup}: `{database, output}` copies the index with SQLite's
 * online backup on this thread's own read-only connection, makes the copy durable and replies
 * `{height, bytes}` (the copy's height and size) or `{error}`.
 */
import { backup, DatabaseSync } from "node:sqlite";
import { configureConnection } from "./schema.ts";

/** Page cache of the connection: the copy reads each page once, through the memory map. */
const CACHE_MB = 64;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<{ database: string; output: string }>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async ({ data: { database, output } }) => {
  try {
    const db = new DatabaseSync(database, { readOnly: true });
    try {
      configureConnection(db, CACHE_MB);
      // All pages in one step, under one read transaction: a snapshot, which the indexer's
      // commits do not wait for (WAL). Copied in several steps, the copy would start over
      // after each commit. (Deno refuses VACUUM INTO, an ATTACH, without every permission.)
      await backup(db, output, { rate: -1 });
    } finally {
      db.close();
    }
    // The copy is one snapshot, so its own state says which height it holds.
    const copy = new DatabaseSync(output);
    let height: number;
    try {
      // One self-contained file, which any SQLite opens even read-only; the server's next
      // open of it turns WAL on again.
      copy.exec("PRAGMA journal_mode = DELETE");
      const row = copy.prepare("SELECT value FROM state WHERE key = 'height'").get();
      height = Number((row as { value: number }).value);
    } finally {
      copy.close();
    }
    const file = Deno.openSync(output);
    try {
      file.syncSync();
    } finally {
      file.close();
    }
    scope.postMessage({ height, bytes: Deno.statSync(output).size });
  } catch (error) {
    scope.postMessage({ error: (error as Error).message });
  }
};
