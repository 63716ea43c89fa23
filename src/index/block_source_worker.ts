/**
 * Worker entry: fetches blocks from the daemon and digests them (parse, merkle check, txids,
 * hashXs) for the indexer's thread, which keeps only the index work.
 *
 * Requests: `{type: "fetch", id, url, headers, first, count}` fetches the hashes and raw
 * blocks of heights first … first + count - 1 and digests them; `{type: "digest", id, first,
 * raws}` digests blocks fetched elsewhere. Replies are `{id, hashes, digests, bytes}` with
 * every buffer transferred, or `{id, error, fetchFailed}`: a failed fetch is redone by the
 * indexer's own daemon client, which knows how to wait, retry and fail over; a block that
 * does not parse is an error.
 */
import { DecodeError } from "../chain/bytes.ts";
import { Daemon } from "../daemon/daemon.ts";
import { parseJsonWithHexBlobs, readBody } from "../daemon/hex_json.ts";
import { type BlockDigest, digestBlock, digestBuffers } from "./block_digest.ts";

type FetchRequest = {
  type: "fetch";
  id: number;
  url: string;
  headers: Record<string, string>;
  first: number;
  count: number;
};
type Request = FetchRequest | { type: "digest"; id: number; first: number; raws: Uint8Array[] };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

/** The fetch did not give every block; the indexer fetches them itself. */
class FetchFailed extends Error {}

const FETCH_TIMEOUT_MS = 60_000;

/** Posts one batch and returns the result of every item, in id order. */
async function batchResults(
  request: FetchRequest,
  body: string,
  hexBlobs: boolean,
): Promise<unknown[]> {
  let bytes: Uint8Array;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body,
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    bytes = await readBody(response);
    if (!response.ok) throw new FetchFailed(`HTTP ${response.status}`);
  } catch (error) {
    throw error instanceof FetchFailed ? error : new FetchFailed((error as Error).message);
  }
  let replies: unknown;
  try {
    replies = hexBlobs ? parseJsonWithHexBlobs(bytes) : JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new FetchFailed(`invalid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(replies)) throw new FetchFailed("not a batch reply");
  const byId = new Map<unknown, { result?: unknown }>();
  for (const reply of replies) byId.set(reply?.id, reply);
  return Array.from({ length: request.count }, (_, i) => byId.get(i)?.result);
}

async function fetchBlocks(request: FetchRequest) {
  const hashes = await batchResults(
    request,
    Daemon.blockHashesRequest(request.first, request.count),
    false,
  );
  if (!hashes.every((hash) => typeof hash === "string")) throw new FetchFailed("missing hashes");
  const raws = await batchResults(request, Daemon.rawBlocksRequest(hashes as string[]), true);
  if (!raws.every((raw) => raw instanceof Uint8Array)) throw new FetchFailed("missing blocks");
  return { hashes: hashes as string[], raws: raws as Uint8Array[] };
}

function digestAll(raws: Uint8Array[], first: number) {
  let bytes = 0;
  const digests = raws.map((raw, i): BlockDigest => {
    bytes += raw.length;
    try {
      return digestBlock(raw, first + i);
    } catch (error) {
      throw new DecodeError(`block at height ${first + i}: ${(error as Error).message}`);
    }
  });
  return { digests, bytes };
}

async function handle(request: Request) {
  if (request.type === "digest") return digestAll(request.raws, request.first);
  const { hashes, raws } = await fetchBlocks(request);
  return { hashes, ...digestAll(raws, request.first) };
}

scope.onmessage = ({ data }) => {
  handle(data).then(
    (reply) => scope.postMessage({ id: data.id, ...reply }, reply.digests.flatMap(digestBuffers)),
    (error: Error) =>
      scope.postMessage(
        { id: data.id, error: error.message, fetchFailed: error instanceof FetchFailed },
        [],
      ),
  );
};
