/**
 * Worker entry of {@link BackgroundCheckpointer}: `{type: "checkpoint", path}` runs a PASSIVE
 * WAL checkpoint on this thread's own connection (opened on first use) and replies
 * `{result}` or `{error}`; `{type: "close"}` closes the connection and replies `{closed}`.
 */
import { DatabaseSync } from "node:sqlite";

type Request = { type: "checkpoint"; path: string } | { type: "close" };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown): void;
};

let db: DatabaseSync | undefined;

scope.onmessage = ({ data }) => {
  if (data.type === "close") {
    db?.close();
    db = undefined;
    scope.postMessage({ closed: true });
    return;
  }
  try {
    if (!db) {
      db = new DatabaseSync(data.path);
      db.exec("PRAGMA busy_timeout = 5000");
    }
    const row = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as {
      log: number;
      checkpointed: number;
    };
    scope.postMessage({ result: { walFrames: row.log, checkpointedFrames: row.checkpointed } });
  } catch (error) {
    scope.postMessage({ error: (error as Error).message });
  }
};
