/**
 * What the last few live blocks added to the index, kept in memory. Right after a block the
 * notifier asks, for every touched subscribed script, what its history gained since the tx
 * count it last saw: usually the start of one of these blocks, so the answer comes from here
 * instead of SQLite.
 */
import { toHex } from "../chain/bytes.ts";

/** Commits of more transactions than this (initial-sync flushes) are not kept. */
const MAX_COMMIT_TXS = 20_000;
/** Live blocks kept. */
const MAX_COMMITS = 6;

/** One forward commit's additions: its txids and each script's new tx numbers. */
export class RecentCommit {
  /**
   * `txids`: 32 bytes each, from tx number `from` on; `history`: the new tx numbers of each
   * script (hashX hex), ascending.
   */
  constructor(
    readonly from: number,
    readonly txids: Uint8Array,
    readonly history: ReadonlyMap<string, readonly number[]>,
  ) {}

  /** The tx count after the commit. */
  get to(): number {
    return this.from + this.txids.length / 32;
  }

  /** The txid of tx number `txNum`, one of the commit's (a view). */
  txid(txNum: number): Uint8Array {
    const at = (txNum - this.from) * 32;
    return this.txids.subarray(at, at + 32);
  }
}

/** The recent commits, oldest first, each starting where the previous one ended. */
export class RecentCommits {
  #commits: RecentCommit[] = [];

  /**
   * A record for a commit of `txids` from tx number `from` with `history`, or undefined if
   * the commit is too big or has no history given.
   */
  begin(
    from: number,
    txids: Uint8Array,
    history: ReadonlyMap<string, readonly number[]> | undefined,
  ): RecentCommit | undefined {
    return history && txids.length / 32 <= MAX_COMMIT_TXS
      ? new RecentCommit(from, txids.slice(), history)
      : undefined;
  }

  /** Keeps a commit once it is in the index; a commit not recorded ends the run. */
  committed(commit: RecentCommit | undefined): void {
    const last = this.#commits[this.#commits.length - 1];
    if (!commit || (last && last.to !== commit.from)) this.#commits = [];
    if (commit) this.#commits.push(commit);
    if (this.#commits.length > MAX_COMMITS) this.#commits.shift();
  }

  /** Forgets everything (the index was unwound). */
  clear(): void {
    this.#commits = [];
  }

  /**
   * The tx numbers a script gained from `txNum` on, when `txNum` is where a kept commit
   * starts; undefined otherwise.
   */
  historyFrom(hashX: Uint8Array, txNum: number): number[] | undefined {
    const first = this.#commits.findIndex((commit) => commit.from === txNum);
    if (first < 0) return undefined;
    const key = toHex(hashX);
    const gained: number[] = [];
    for (let i = first; i < this.#commits.length; i++) {
      const entries = this.#commits[i].history.get(key);
      if (entries) gained.push(...entries);
    }
    return gained;
  }

  /** True when `historyFrom(…, txNum)` is answered here. */
  startsAt(txNum: number): boolean {
    return this.#commits.some((commit) => commit.from === txNum);
  }

  /** The txid of a tx number a kept commit holds, else undefined. */
  txid(txNum: number): Uint8Array | undefined {
    for (const commit of this.#commits) {
      if (txNum >= commit.from && txNum < commit.to) return commit.txid(txNum);
    }
    return undefined;
  }
}
