/**
 * Backups of the live index (`electrumx rpc backup PATH`): SQLite's online backup copies one
 * read snapshot of the database into a new file, so the copy is the index at one height while
 * the server goes on indexing (in WAL mode the writer and readers do not wait for each other).
 * The copy runs on a worker thread with its own read-only connection: on a large index it
 * takes minutes, which on the server's thread would hold up every session.
 *
 * It is written under a temporary name next to PATH and linked to PATH once complete and
 * synced, so a failed or interrupted backup leaves nothing at PATH, and an existing file is
 * never replaced (the link fails).
 */
import { dirname, isAbsolute } from "node:path";

/** A backup that cannot be made, with a message for the operator. */
export class BackupError extends Error {
  override name = "BackupError";
}

/** A finished backup. */
export interface BackupResult {
  path: string;
  /** The height of the index the copy holds. */
  height: number;
  bytes: number;
  milliseconds: number;
}

type Reply = { height: number; bytes: number } | { error: string };

/** One backup in progress. */
export class IndexBackup {
  readonly done: Promise<BackupResult>;
  readonly #worker: Worker;
  readonly #partial: string;
  #fail!: (error: Error) => void;

  private constructor(database: string, readonly path: string) {
    this.#partial = `${path}.partial-${crypto.randomUUID().slice(0, 8)}`;
    const started = performance.now();
    this.#worker = new Worker(new URL("./backup_worker.ts", import.meta.url).href, {
      type: "module",
    });
    const reply = new Promise<Reply>((resolve, reject) => {
      this.#fail = reject;
      this.#worker.onmessage = ({ data }: MessageEvent<Reply>) => resolve(data);
      this.#worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        reject(new BackupError(`backup thread failed: ${event.message}`));
      };
    });
    this.#worker.postMessage({ database, output: this.#partial });
    this.done = reply.then((data) => {
      if ("error" in data) {
        throw new BackupError(`could not write the backup in ${dirname(path)}: ${data.error}`);
      }
      this.#publish();
      return { path, ...data, milliseconds: performance.now() - started };
    }).finally(() => {
      this.#worker.terminate();
      this.#removePartial();
    });
  }

  /**
   * Starts copying the index file `database` to `path`, which must be absolute (the server's
   * working directory means nothing to the operator) and must not exist; throws BackupError.
   */
  static start(database: string, path: string): IndexBackup {
    if (!isAbsolute(path)) throw new BackupError(`the backup path must be absolute: ${path}`);
    if (exists(path)) {
      throw new BackupError(`${path} already exists: a backup never replaces a file`);
    }
    const directory = dirname(path);
    if (!exists(directory)) throw new BackupError(`directory ${directory} does not exist`);
    return new IndexBackup(database, path);
  }

  /** Abandons the copy (the server is stopping): `done` rejects and no file is left. */
  cancel(reason: string): void {
    this.#fail(new BackupError(`backup abandoned: ${reason}`));
  }

  #publish(): void {
    try {
      Deno.linkSync(this.#partial, this.path);
    } catch (error) {
      throw new BackupError(
        error instanceof Deno.errors.AlreadyExists
          ? `${this.path} appeared during the backup: it was left alone`
          : `could not name the backup ${this.path}: ${(error as Error).message}`,
      );
    }
  }

  #removePartial(): void {
    try {
      Deno.removeSync(this.#partial);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
