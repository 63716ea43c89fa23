/**
 * Worker entry of {@link FlushWriter}: the initial sync's flushes on this thread's own
 * connection to the index. Requests, each answered `{ok: true, seconds, lookups, runs}` (the
 * time it took, the last flush's spend lookups, the runs after it) or `{error}`:
 * `open` (the index directory, network and page cache), `flush` (commit a payload's runs and
 * blocks), `merge` (merge runs as due, keeping the merged runs' tables), `release` (drop those
 * tables, checkpoint), `close`.
 */
import { type NetworkName, NETWORKS } from "../chain/networks.ts";
import { type FlushPayload, payloadChanges } from "./flush_payload.ts";
import { IndexStore } from "./store.ts";
import type { RunStats } from "./sync_runs.ts";

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
/** The last flush's lookups of deferred spends: how many, and the seconds they took. */
let lookups = { count: 0, seconds: 0 };

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
    const indexed = store;
    const started = performance.now();
    const changes = payloadChanges(
      request.payload,
      (txid, vout, prefix) => indexed.findUtxo(txid, vout, prefix),
    );
    lookups = {
      count: request.payload.deferredSpends.vouts.length,
      seconds: (performance.now() - started) / 1000,
    };
    store.commitForward(changes, { deferMerges: true });
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
    scope.postMessage({ ok: true, seconds, lookups, runs });
  } catch (error) {
    scope.postMessage({ error: (error as Error).message });
  }
};
