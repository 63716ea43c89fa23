/**
 * Worker entry of {@link FlushWriter}: the initial sync's flushes on this thread's own
 * connection to the index. Requests, each answered `{ok: true, seconds, runs, filters}` (the
 * time it took, the runs after it, the filters of the UTXO runs it made) or `{error}`:
 * `open` (the index directory, network and page cache), `flush` (commit a payload's runs and
 * blocks), `merge` (merge runs as due, keeping the merged runs' tables), `release` (drop those
 * tables, checkpoint), `close`.
 */
import { type NetworkName, NETWORKS } from "../chain/networks.ts";
import { type FlushPayload, payloadChanges } from "./flush_payload.ts";
import { IndexStore } from "./store.ts";
import type { RunFilters, RunStats } from "./sync_runs.ts";

type Request =
  | { type: "open"; directory: string; network: NetworkName; cacheMb: number }
  | { type: "flush"; payload: FlushPayload }
  | { type: "merge" }
  | { type: "release" }
  | { type: "close" };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown): void;
};

let store: IndexStore | undefined;
/** The newest UTXO run whose filter went to the indexer. */
let sentFiltersThrough = 0;

/** The filters of the UTXO runs made since the last call. */
function newFilters(): RunFilters {
  const filters = store?.runFiltersAfter(sentFiltersThrough) ?? [];
  for (const [id] of filters) sentFiltersThrough = Math.max(sentFiltersThrough, id);
  return filters;
}

function handle(request: Request): RunStats | undefined {
  if (request.type === "open") {
    store = IndexStore.open(request.directory, NETWORKS[request.network], {
      cacheMb: request.cacheMb,
    });
    return;
  }
  if (request.type === "close") {
    store?.close();
    store = undefined;
    return;
  }
  if (!store) throw new Error("flush writer has no index open");
  if (request.type === "flush") {
    store.commitForward(payloadChanges(request.payload), { deferMerges: true });
  } else if (request.type === "merge") {
    store.mergeRuns();
  } else {
    store.dropRetiredRuns();
    store.checkpoint();
  }
  return store.runStats;
}

scope.onmessage = ({ data }) => {
  try {
    const started = performance.now();
    const runs = handle(data);
    const seconds = (performance.now() - started) / 1000;
    scope.postMessage({ ok: true, seconds, runs, filters: newFilters() });
  } catch (error) {
    scope.postMessage({ error: (error as Error).message });
  }
};
