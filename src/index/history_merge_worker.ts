/**
 * Worker entry of the catch-up's history merge (history_merge.ts): reads the history runs on
 * a read-only connection of its own and writes the final rows, range by range, into the
 * channel the indexer inserts them from. The indexer's transaction is not committed while
 * this runs, so the runs read here are those of the last flush, whatever it deletes.
 * Request: `{path, runs: [{table, firsts}], channel}`; no reply but the channel.
 */
import { DatabaseSync } from "node:sqlite";
import { type ChannelSpec, ChannelWriter } from "./record_channel.ts";
import {
  HISTORY_FORMAT,
  HISTORY_RANGES,
  type HistoryRunSource,
  mergeHistoryRange,
  writeHistoryRecord,
} from "./history_merge.ts";
import { BlockIndex } from "./packed_run.ts";
import { configureConnection } from "./schema.ts";

/** The merge reads each block once, in order: a small page cache does. */
const CACHE_MB = 32;

interface Request {
  path: string;
  runs: { table: string; firsts: Uint8Array }[];
  channel: ChannelSpec;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  close(): void;
};

scope.onmessage = ({ data: request }: MessageEvent<Request>) => {
  const channel = new ChannelWriter(request.channel);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(request.path, { readOnly: true });
    configureConnection(db, CACHE_MB);
    // Read through the page cache, not the memory map: mapped pages of runs read once would
    // count in the process's resident memory.
    db.exec("PRAGMA mmap_size = 0");
    const runs: HistoryRunSource[] = request.runs.map(({ table, firsts }) => ({
      table,
      index: new BlockIndex(HISTORY_FORMAT.keyBytes, firsts),
    }));
    for (let range = 0; range < HISTORY_RANGES; range++) {
      channel.group(range);
      mergeHistoryRange(
        db,
        runs,
        range,
        (hashX, txNum, more) => writeHistoryRecord(channel, hashX, txNum, more),
      );
    }
    channel.finish();
  } catch (error) {
    channel.fail(`history merge thread: ${(error as Error).message}`);
  } finally {
    db?.close();
    scope.close();
  }
};
