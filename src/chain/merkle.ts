/**
 * Merkle trees over SHA256d, as in block headers and Electrum's header checkpoint proofs:
 * an odd level duplicates its last node.
 */
import { concatBytes } from "./bytes.ts";
import { sha256d, sha256dInto } from "./hash.ts";

/** One level up: parents of `level`'s pairs. */
function parentLevel(level: Uint8Array[]): Uint8Array[] {
  const parents: Uint8Array[] = new Array(Math.ceil(level.length / 2));
  for (let i = 0; i < level.length; i += 2) {
    parents[i >> 1] = sha256d(level[i], level[i + 1] ?? level[i]);
  }
  return parents;
}

/** The merkle root of `leaves` (internal byte order); throws for an empty list. */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) throw new RangeError("merkle root of no leaves");
  let level = leaves;
  while (level.length > 1) level = parentLevel(level);
  return level[0];
}

/**
 * The merkle root of `count` leaves packed 32 bytes each at the start of `nodes`, computed in
 * place (the leaves are overwritten) and left in `nodes[0, 32)`. `nodes` needs room for one
 * node more than the leaves, where an odd level's last node is duplicated.
 */
export function packedMerkleRoot(nodes: Uint8Array, count: number): void {
  if (count === 0) throw new RangeError("merkle root of no leaves");
  if (nodes.length < 32 * (count + 1)) throw new RangeError("no room for a duplicated node");
  for (let n = count; n > 1; n = (n + 1) >> 1) {
    if (n & 1) nodes.copyWithin(32 * n, 32 * (n - 1), 32 * n);
    for (let i = 0; i < n; i += 2) sha256dInto(nodes, 32 * i, 32 * i + 64, nodes, 16 * i);
  }
}

/** The branch (sibling at each level, leaves up) proving the leaf at `index`, and the root. */
export function merkleBranch(
  leaves: Uint8Array[],
  index: number,
): { branch: Uint8Array[]; root: Uint8Array } {
  if (index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} outside 0..${leaves.length - 1}`);
  }
  const branch: Uint8Array[] = [];
  let level = leaves;
  let position = index;
  while (level.length > 1) {
    branch.push(level[position ^ 1] ?? level[position]);
    level = parentLevel(level);
    position >>= 1;
  }
  return { branch, root: level[0] };
}

/** The root obtained by climbing from `leaf` at `index` with `branch`. */
export function rootFromBranch(leaf: Uint8Array, index: number, branch: Uint8Array[]): Uint8Array {
  let hash = leaf;
  let position = index;
  for (const sibling of branch) {
    hash = position & 1 ? sha256d(concatBytes(sibling, hash)) : sha256d(concatBytes(hash, sibling));
    position >>= 1;
  }
  return hash;
}
