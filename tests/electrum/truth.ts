/**
 * Expected protocol answers computed without the server's code: from the test wallet's own
 * ledger (what it built and saw mined) and from raw blocks and headers read from the node.
 */
import { createHash } from "node:crypto";
import { parseBlock } from "../../src/chain/block.ts";
import { fromHex, hashToHex, toHex } from "../../src/chain/bytes.ts";
import type { RegtestNode } from "../../src/regtest/node.ts";
import type { Wallet } from "../../src/regtest/wallet.ts";

/** Electrum script hash: reversed SHA-256 of the script, hex. */
export function scriptHashOf(script: Uint8Array): string {
  const digest = createHash("sha256").update(script).digest();
  return toHex(new Uint8Array(digest).reverse());
}

/** A protocol history entry. */
export interface ExpectedEntry {
  tx_hash: string;
  height: number;
  fee?: number;
}

/** get_history of `script`: chain order, then mempool by (height 0 before -1, txid). */
export function expectedHistory(wallet: Wallet, script: Uint8Array): ExpectedEntry[] {
  const entries = wallet.history(script);
  const confirmed = entries.filter((e) => e.height > 0).map((e) => ({
    tx_hash: e.txid,
    height: e.height,
  }));
  const mempool = entries.filter((e) => e.height <= 0)
    .sort((a, b) => b.height - a.height || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0))
    .map((e) => ({ tx_hash: e.txid, height: e.height, fee: e.fee }));
  return [...confirmed, ...mempool];
}

/** The status: SHA-256 of `txid:height:` for each history entry; null without history. */
export function expectedStatus(wallet: Wallet, script: Uint8Array): string | null {
  const history = expectedHistory(wallet, script);
  if (history.length === 0) return null;
  const preimage = history.map((e) => `${e.tx_hash}:${e.height}:`).join("");
  return createHash("sha256").update(preimage).digest("hex");
}

/** listunspent entries, sorted by (height with mempool last, tx_hash, tx_pos). */
export function expectedUtxos(wallet: Wallet, script: Uint8Array): Record<string, unknown>[] {
  return sortUtxos(
    wallet.utxos(script).map((coin) => ({
      tx_hash: coin.txid,
      tx_pos: coin.vout,
      height: coin.height,
      value: coin.value,
    })),
  );
}

/** Sorts listunspent entries canonically for comparison. */
export function sortUtxos(items: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = (u: Record<string, unknown>) =>
    [
      (u.height as number) === 0 ? Infinity : u.height as number,
      u.tx_hash as string,
      u.tx_pos as number,
    ] as const;
  return [...items].sort((a, b) => {
    const [ha, ta, pa] = key(a);
    const [hb, tb, pb] = key(b);
    return ha - hb || (ta < tb ? -1 : ta > tb ? 1 : 0) || pa - pb;
  });
}

/** Raw 80-byte headers of heights 0..tip, from the node (getblockheader, batched). */
export async function nodeHeaders(node: RegtestNode): Promise<Uint8Array[]> {
  const tip = await node.getHeight();
  const hashes = await node.daemon.getBlockHashes(0, tip + 1);
  const replies = await node.daemon.client.batch<string>(
    "getblockheader",
    hashes.map((hash) => [hash, false]),
  );
  return replies.map((reply) => {
    if (!reply.ok) throw reply.error;
    return fromHex(reply.result);
  });
}

/** Block txids (display hex) of the block at `height`, from the node. */
export async function nodeBlockTxids(node: RegtestNode, height: number): Promise<string[]> {
  const [hash] = await node.daemon.getBlockHashes(height, 1);
  const block = parseBlock(await node.getRawBlock(hash));
  return block.transactions.map((tx) => hashToHex(tx.txid));
}

function sha256d(data: Uint8Array): Uint8Array {
  const once = createHash("sha256").update(data).digest();
  return new Uint8Array(createHash("sha256").update(once).digest());
}

/** Climbs a merkle branch (display hex) from a leaf (display hex); returns the root hex. */
export function climbBranch(leafHex: string, index: number, branch: string[]): string {
  let hash = fromHex(leafHex).reverse();
  let position = index;
  for (const siblingHex of branch) {
    const sibling = fromHex(siblingHex).reverse();
    const joined = new Uint8Array(64);
    if (position & 1) {
      joined.set(sibling, 0);
      joined.set(hash, 32);
    } else {
      joined.set(hash, 0);
      joined.set(sibling, 32);
    }
    hash = sha256d(joined);
    position >>= 1;
  }
  return hashToHex(hash);
}

/** Merkle root (display hex) of display-hex leaves, Bitcoin's odd-duplication rule. */
export function merkleRootHex(leavesHex: string[]): string {
  let level = leavesHex.map((hex) => fromHex(hex).reverse());
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1] ?? level[i];
      const joined = new Uint8Array(64);
      joined.set(level[i], 0);
      joined.set(right, 32);
      next.push(sha256d(joined));
    }
    level = next;
  }
  return hashToHex(level[0]);
}

/** Block hash (display hex) of a raw header. */
export function headerHashHex(header: Uint8Array): string {
  return hashToHex(sha256d(header));
}
