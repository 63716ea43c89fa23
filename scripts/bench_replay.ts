/**
 * Measures how fast the replay daemon serves raw blocks: starts it on a generated chain (a
 * subprocess, as bitcoind would be), then fetches every block in getblock batches three ways —
 * a minimal HTTP client reading replies into one buffer (the daemon's own speed), fetch
 * streaming the replies, and our bitcoind client (getblockhash + getblock, hex decoded, as the
 * prefetcher does) — and prints MB/s of raw block data for each.
 *
 *   deno run --allow-all scripts/bench_replay.ts --chain DIR [--batch N] [--rounds R]
 */
import { readManifest } from "../src/bench/chain_directory.ts";
import { concatBytes } from "../src/chain/bytes.ts";
import { startReplayProcess } from "../src/bench/replay_process.ts";
import { Daemon } from "../src/daemon/daemon.ts";

import { ScriptCli } from "./script_cli.ts";

const USAGE = `usage: bench_replay.ts --chain DIR [options]
  --chain DIR    a directory written by scripts/generate_chain.ts
  --batch N      blocks per getblock batch (default 5: about 8 MB of raw blocks)
  --rounds R     passes over the chain per measurement (default 1)
  --help         this text`;

const cli: ScriptCli = new ScriptCli("bench_replay", USAGE);

/** Raw MB/s of fetching every block `rounds` times with `fetchBatch`. */
async function measure(
  blocks: number,
  batch: number,
  rounds: number,
  fetchBatch: (first: number, count: number) => Promise<number>,
): Promise<{ seconds: number; mbPerSecond: number }> {
  const started = performance.now();
  let bytes = 0;
  for (let round = 0; round < rounds; round++) {
    for (let first = 0; first < blocks; first += batch) {
      bytes += await fetchBatch(first, Math.min(batch, blocks - first));
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, mbPerSecond: bytes / 1e6 / seconds };
}

async function main(): Promise<void> {
  const values = cli.parse({
    chain: { type: "string" },
    batch: { type: "string" },
    rounds: { type: "string" },
    help: { type: "boolean" },
  });
  if (!values.chain) cli.fail("--chain is required");
  const batch = Number(values.batch ?? 5);
  const rounds = Number(values.rounds ?? 1);
  if (!(batch >= 1 && rounds >= 1)) cli.fail("--batch and --rounds must be at least 1");
  const manifest = readManifest(values.chain);
  const replay = await startReplayProcess(values.chain);
  const daemon = new Daemon({ urls: [replay.url] });
  try {
    const hashes = await daemon.getBlockHashes(0, manifest.blocks);
    const { endpoint, authorization } = splitCredentials(replay.url);
    const request = (first: number, count: number): string =>
      JSON.stringify(
        hashes.slice(first, first + count).map((hash, i) => ({
          id: i,
          method: "getblock",
          params: [hash, false],
        })),
      );
    // The daemon's side alone: one keep-alive connection, replies read into a reused buffer.
    const client = await RawHttpClient.connect(new URL(endpoint), authorization);
    const raw = await measure(manifest.blocks, batch, rounds, async (first, count) => {
      return (await client.post(request(first, count)) - 40 * count) / 2;
    });
    client.close();
    // What fetch can take: the reply streamed and counted, not decoded.
    const streamed = await measure(manifest.blocks, batch, rounds, async (first, count) => {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: request(first, count),
      });
      let length = 0;
      for await (const chunk of response.body!) length += chunk.length;
      return (length - 40 * count) / 2;
    });
    // Through our client, as the prefetcher fetches: hashes, then blocks, hex decoded.
    const decoded = await measure(manifest.blocks, batch, rounds, async (first, count) => {
      const raws = await daemon.getRawBlocks(await daemon.getBlockHashes(first, count));
      return raws.reduce((total, raw) => total + raw.length, 0);
    });
    console.log(
      `${values.chain}: ${manifest.blocks} blocks, ${(manifest.bytes / 1e6).toFixed(1)} MB, ` +
        `batches of ${batch}, ${rounds} round(s); MB/s of raw block data:`,
    );
    console.log(`  raw HTTP/1.1 client (the daemon's side): ${raw.mbPerSecond.toFixed(0)}`);
    console.log(`  fetch, reply streamed, not decoded:      ${streamed.mbPerSecond.toFixed(0)}`);
    console.log(`  Daemon.getRawBlocks (hex decoded):       ${decoded.mbPerSecond.toFixed(0)}`);
  } finally {
    daemon.close();
    await replay.stop();
  }
}

/** A keep-alive HTTP/1.1 client that reads replies into one reused buffer. */
class RawHttpClient {
  #buffer = new Uint8Array(1 << 20);

  private constructor(
    readonly conn: Deno.Conn,
    readonly url: URL,
    readonly authorization: string,
  ) {}

  static async connect(url: URL, authorization: string): Promise<RawHttpClient> {
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    return new RawHttpClient(conn, url, authorization);
  }

  /** POSTs `body`; returns the length of the reply's body. */
  async post(body: string): Promise<number> {
    const bytes = new TextEncoder().encode(body);
    const head = `POST / HTTP/1.1\r\nHost: ${this.url.host}\r\n` +
      `Authorization: ${this.authorization}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${bytes.length}\r\n\r\n`;
    await this.conn.write(concatBytes(new TextEncoder().encode(head), bytes));
    let have = 0;
    let bodyStart = -1;
    let length = 0;
    while (bodyStart < 0 || have < bodyStart + length) {
      if (have === this.#buffer.length) {
        const grown = new Uint8Array(2 * this.#buffer.length);
        grown.set(this.#buffer);
        this.#buffer = grown;
      }
      const read = await this.conn.read(this.#buffer.subarray(have));
      if (read === null) throw new Error("the daemon closed the connection");
      have += read;
      if (bodyStart < 0) {
        const text = new TextDecoder().decode(this.#buffer.subarray(0, Math.min(have, 4096)));
        const end = text.indexOf("\r\n\r\n");
        if (end >= 0) {
          bodyStart = end + 4;
          length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
        }
      }
    }
    return length;
  }

  close(): void {
    this.conn.close();
  }
}

/** fetch refuses URLs with credentials: the URL without them and the Authorization header. */
function splitCredentials(url: string): { endpoint: string; authorization: string } {
  const parsed = new URL(url);
  const authorization = "Basic " + btoa(`${parsed.username}:${parsed.password}`);
  parsed.username = "";
  parsed.password = "";
  return { endpoint: parsed.toString(), authorization };
}

await main();
