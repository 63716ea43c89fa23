/**
 * Expected index contents computed straight from the blocks a test made, with none of the
 * indexer's code: every script's history (txid, height) in chain order, its unspent outputs
 * and balance. Tests compare the index against this.
 */
import { type Block, parseBlock } from "../../src/chain/block.ts";
import { fromHex, hashToHex, toHex } from "../../src/chain/bytes.ts";
import { sha256 } from "../../src/chain/hash.ts";
import { isCoinbaseInput } from "../../src/chain/transaction.ts";

/** What a script should look like in the index. */
export interface ScriptTruth {
  /** The output script, hex. */
  script: string;
  /** [txid display hex, height] in chain order, each tx once. */
  history: [string, number][];
  /** "txid:vout" → [value, height]. */
  utxos: Map<string, [number, number]>;
}

/** Expected state of every script that ever received an indexable output. */
export class ChainTruth {
  /** Keyed by the script's full SHA-256 hex (not truncated, so it checks hashX too). */
  readonly scripts = new Map<string, ScriptTruth>();
  /** "txid:vout" → owning script key, for outputs not yet spent. */
  readonly #owners = new Map<string, string>();
  height = -1;
  txCount = 0;

  /** Adds blocks in chain order; the first one must be the genesis block. */
  addBlocks(blocks: (Block | Uint8Array)[]): void {
    for (const item of blocks) {
      const block = item instanceof Uint8Array ? parseBlock(item) : item;
      this.height++;
      if (this.height === 0) continue; // genesis is not indexed
      for (const tx of block.transactions) {
        const txid = hashToHex(tx.txid);
        const touched = new Set<string>();
        for (const input of tx.inputs) {
          if (isCoinbaseInput(input)) continue;
          const outpoint = `${hashToHex(input.prevHash)}:${input.prevIndex}`;
          const owner = this.#owners.get(outpoint);
          if (!owner) throw new Error(`truth: ${txid} spends unknown ${outpoint}`);
          this.#owners.delete(outpoint);
          this.scripts.get(owner)!.utxos.delete(outpoint);
          touched.add(owner);
        }
        tx.outputs.forEach((output, vout) => {
          const s = output.script;
          if (s[0] === 0x6a || (s[0] === 0x00 && s[1] === 0x6a)) return;
          const key = toHex(sha256(s));
          let truth = this.scripts.get(key);
          if (!truth) {
            truth = { script: toHex(s), history: [], utxos: new Map() };
            this.scripts.set(key, truth);
          }
          truth.utxos.set(`${txid}:${vout}`, [output.value, this.height]);
          this.#owners.set(`${txid}:${vout}`, key);
          touched.add(key);
        });
        for (const key of touched) this.scripts.get(key)!.history.push([txid, this.height]);
        this.txCount++;
      }
    }
  }

  /** Sum of a script's unspent values. */
  balance(key: string): number {
    let total = 0;
    for (const [value] of this.scripts.get(key)?.utxos.values() ?? []) total += value;
    return total;
  }
}

/** All blocks of the node's best chain from genesis, raw. */
export async function fetchChain(
  rpc: <T>(method: string, params?: unknown[]) => Promise<T>,
): Promise<Uint8Array[]> {
  const height = await rpc<number>("getblockcount");
  const blocks: Uint8Array[] = [];
  for (let h = 0; h <= height; h++) {
    const hash = await rpc<string>("getblockhash", [h]);
    const hex = await rpc<string>("getblock", [hash, 0]);
    blocks.push(fromHex(hex));
  }
  return blocks;
}
