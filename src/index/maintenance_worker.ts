/**
 * Worker entry of {@link IndexMaintainer}: `{type: "maintain", path, mergeThrough}` merges the
 * journal entries up to `mergeThrough` into the tables and runs a WAL checkpoint, on
 * this thread's own connection (opened on first use), replying `{result}` or `{error}`;
 * `{type: "close"}` closes the connection and replies `{closed}`.
 */
import { DatabaseSync } from "node:sqlite";
import { mergeJournal } from "./journal.ts";
import { RowWriter } from "./row_writer.ts";
import { configureConnection } from "./schema.ts";

type Request = { type: "maintain"; path: string; mergeThrough: number } | { type: "close" };

/** Page cache of this connection: a merge touches each page once, the map serves reads. */
const CACHE_MB = 64;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown): void;
};

let connection: { db: DatabaseSync; writer: RowWriter } | undefined;

scope.onmessage = ({ data }) => {
  if (data.type === "close") {
    connection?.db.close();
    connection = undefined;
    scope.postMessage({ closed: true });
    return;
  }
  try {
    if (!connection) {
      const db = new DatabaseSync(data.path);
      configureConnection(db, CACHE_MB);
      connection = { db, writer: new RowWriter(db) };
    }
    const { db, writer } = connection;
    const started = performance.now();
    const merged = data.mergeThrough > 0
      ? mergeJournal(db, writer, data.mergeThrough)
      : { seq: 0, blocks: 0 };
    const mergeMs = performance.now() - started;
    // TRUNCATE rather than PASSIVE: a merge leaves 100 MB of WAL, and cutting the file back
    // here spares the indexer's next commit doing it (about 25 ms). It waits for readers of
    // older snapshots; if they outlast the busy timeout it copies what it can, as PASSIVE.
    const row = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
    scope.postMessage({ result: { merged, mergeMs, walTruncated: row.busy === 0 } });
  } catch (error) {
    scope.postMessage({ error: (error as Error).message });
  }
};
