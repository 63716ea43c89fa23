/**
 * Block sources: the worker threads fetch and digest exactly what the inline source does,
 * fall back to the daemon client when their own request fails, and report a block that does
 * not parse as a bad block.
 */
import assert from "node:assert/strict";
import { writeGeneratedChain } from "../../src/bench/chain_directory.ts";
import { toHex } from "../../src/chain/bytes.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import { type BlockDigest, digestBlock } from "../../src/index/block_digest.ts";
import {
  type BlockSource,
  InlineBlockSource,
  WorkerBlockSource,
} from "../../src/index/block_source.ts";
import { BadBlockError, prefetchBlocks } from "../../src/index/prefetcher.ts";
import { withReplayDaemon } from "../support/replay.ts";

const directory = Deno.makeTempDirSync({ prefix: "electrumx-source-" });
writeGeneratedChain(directory, { seed: 5, blocks: 40, shape: { txsPerBlock: 30 } });
globalThis.addEventListener("unload", () => Deno.removeSync(directory, { recursive: true }));

async function collect(source: BlockSource, from: number, to: number): Promise<BlockDigest[]> {
  const digests: BlockDigest[] = [];
  try {
    for await (const digest of prefetchBlocks(source, from, to)) digests.push(digest);
  } finally {
    source.close();
  }
  return digests;
}

Deno.test("worker threads give the same digests as the inline source, in height order", async () => {
  await withReplayDaemon(directory, async (daemon) => {
    const inline = await collect(new InlineBlockSource(daemon), 0, 40);
    const threaded = await collect(new WorkerBlockSource(daemon, 2), 0, 40);
    assert.equal(inline.length, 41);
    assert.deepEqual(threaded.map((d) => d.height), inline.map((d) => d.height));
    assert.deepEqual(threaded, inline);
    assert.equal(inline[0].txCount, 0, "genesis is indexed without transactions");
    assert.ok(inline[40].txCount > 1 && inline[40].outputHashX.length > 0);
  });
});

Deno.test("when the worker's own request fails, the daemon client fetches the blocks", async () => {
  await withReplayDaemon(directory, async (daemon) => {
    const expected = await collect(new InlineBlockSource(daemon), 10, 20);
    daemon.client.requestTarget = () =>
      Promise.resolve({ url: "http://127.0.0.1:9/", headers: {} });
    assert.deepEqual(await collect(new WorkerBlockSource(daemon), 10, 20), expected);
  });
});

Deno.test("a block that does not parse is a bad block, from either source", async () => {
  await withReplayDaemon(directory, async (daemon) => {
    const [hash] = await daemon.getBlockHashes(5, 1);
    const [raw] = await daemon.getRawBlocks([hash]);
    assert.equal(digestBlock(raw, 5).height, 5);
    // A daemon that truncates every block it sends.
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const calls = await req.json() as { id: number; method: string }[];
      const replies = calls.map(({ id, method }) => ({
        id,
        error: null,
        result: method === "getblockhash" ? hash : toHex(raw.subarray(0, raw.length - 10)),
      }));
      return Response.json(replies);
    });
    const bad = new Daemon({ urls: [`http://127.0.0.1:${server.addr.port}/`], maxRetryMs: 500 });
    try {
      for (const source of [new InlineBlockSource(bad), new WorkerBlockSource(bad)]) {
        await assert.rejects(collect(source, 5, 5), BadBlockError);
      }
    } finally {
      bad.close();
      await server.shutdown();
    }
  });
});
