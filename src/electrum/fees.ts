/**
 * `blockchain.estimatefee`: targets bucketed as ElectrumX buckets them (so similar targets
 * share one daemon call and one cache entry), answers cached per (target, mode) for the
 * current tip.
 */
import type { Daemon } from "../daemon/daemon.ts";
import { LruCache } from "./caches.ts";

/** Modes `estimatesmartfee` knows. */
export const ESTIMATE_MODES = ["CONSERVATIVE", "ECONOMICAL"] as const;

/** The target bitcoind is asked for when a client asks for `blocks`. */
export function bucketFeeTarget(blocks: number): number {
  if (blocks <= 1) return 1;
  if (blocks <= 12) return blocks;
  if (blocks === 25) return 25;
  if (blocks <= 48) return blocks - (blocks % 2);
  if (blocks <= 1008) return blocks - (blocks % 24);
  return 1008;
}

interface Entry {
  tip: string;
  rate: Promise<number>;
}

/** Fee estimates cached per bucketed target and mode until the tip changes. */
export class FeeEstimates {
  readonly cache = new LruCache<string, Entry>(1000);

  constructor(readonly daemon: Daemon) {}

  /**
   * The daemon's estimate in BTC/kvB (-1 when it has none) and whether it was cached.
   * `tip` is the display hash of the current tip.
   */
  estimate(
    target: number,
    mode: string | undefined,
    tip: string,
  ): { rate: Promise<number>; cached: boolean } {
    const key = `${target}:${mode ?? ""}`;
    const entry = this.cache.get(key);
    if (entry && entry.tip === tip) return { rate: entry.rate, cached: true };
    const rate = this.daemon.estimateSmartFee(target, mode);
    this.cache.set(key, { tip, rate });
    rate.catch(() => {
      if (this.cache.peek(key)?.rate === rate) this.cache.delete(key);
    });
    return { rate, cached: false };
  }
}
