/**
 * Worker entry: digests raw blocks (parse, merkle check, txids, hashXs) for the indexer's
 * thread. Requests are `{id, height, raw}`; replies are `{id, digest}` with every buffer
 * transferred, or `{id, error}`.
 */
import { type BlockDigest, digestBlock, digestBuffers } from "./block_digest.ts";

interface Request {
  id: number;
  height: number;
  raw: Uint8Array;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

scope.onmessage = ({ data }) => {
  let digest: BlockDigest;
  try {
    digest = digestBlock(data.raw, data.height);
  } catch (error) {
    scope.postMessage({ id: data.id, error: (error as Error).message }, []);
    return;
  }
  scope.postMessage({ id: data.id, digest }, digestBuffers(digest));
};
