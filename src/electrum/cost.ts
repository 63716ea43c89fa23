/**
 * The session cost model (docs/sessions.md, "Costs"): a cost that grows with work, bandwidth
 * and errors and decays over time; past the soft limit a session's request concurrency is cut
 * and each request delayed, at the hard limit the session is disconnected.
 */
import type { Config } from "../config.ts";

/** Cost parameters of a kind of session. */
export interface CostLimits {
  initialCost: number;
  softLimit: number;
  hardLimit: number;
  /** Concurrent requests when the cost is under the soft limit. */
  initialConcurrent: number;
  /** Delay of a request at the hard limit, in ms (scaled down by how far past soft). */
  maxSleepMs: number;
  /** Cost of one byte received or sent. */
  bandwidthCostPerByte: number;
  /** Decay per second at the start. */
  initialDecayPerSecond: number;
  /** Abandon a request after this long (0: never). */
  requestTimeoutMs: number;
}

/** Base cost of an error (plus the error's own extra cost). */
export const ERROR_BASE_COST = 100;
/** Cost recalculated when it moved more than this since the last recalculation. */
const RECALC_THRESHOLD = 100;

/** Limits of Electrum client sessions, from the configuration. */
export function clientCostLimits(config: Config): CostLimits {
  return {
    initialCost: 5.0,
    softLimit: config.costSoftLimit,
    hardLimit: config.costHardLimit,
    initialConcurrent: config.initialConcurrent,
    maxSleepMs: config.requestSleepMs,
    bandwidthCostPerByte: 1 / config.bandwidthUnitCost,
    initialDecayPerSecond: config.costHardLimit / 10000,
    requestTimeoutMs: config.requestTimeoutS * 1000,
  };
}

/** Limits of admin (LocalRPC) sessions. */
export function adminCostLimits(): CostLimits {
  return {
    initialCost: 0,
    softLimit: 2000,
    hardLimit: 10000,
    initialConcurrent: 20,
    maxSleepMs: 2000,
    bandwidthCostPerByte: 1 / 100000,
    initialDecayPerSecond: 10000 / 3600,
    requestTimeoutMs: 0,
  };
}

/** Raised to a request that gets a slot when the concurrency target is 0 (cost ≥ hard). */
export class ExcessiveCostError extends Error {
  override name = "ExcessiveCostError";

  constructor() {
    super("excessive resource usage");
  }
}

/** One session's cost, its decay and the throttling it implies. */
export class CostMeter {
  #cost: number;
  #costAtRecalc: number;
  #recalcAt: number;
  #decayPerSecond: number;
  #fraction = 0;
  #target: number;

  /**
   * @param xcost the cost the session's groups add (computed at recalculation)
   * @param onTarget told when the concurrency target changes
   */
  constructor(
    readonly limits: CostLimits,
    readonly xcost: () => number,
    readonly onTarget: (target: number) => void = () => {},
    readonly now: () => number = performance.now.bind(performance),
  ) {
    this.#cost = limits.initialCost;
    this.#costAtRecalc = this.#cost;
    this.#recalcAt = this.now();
    this.#decayPerSecond = limits.initialDecayPerSecond;
    this.#target = limits.initialConcurrent;
  }

  /** The cost as of the last recalculation plus charges since (decay applies at recalc). */
  get cost(): number {
    return this.#cost;
  }

  /** How far past the soft limit (0 below it, 1 at the hard limit). */
  get throttleFraction(): number {
    return this.#fraction;
  }

  /** Concurrent requests allowed now. */
  get concurrencyTarget(): number {
    return this.#target;
  }

  /** The delay before each request now, in ms (at most the configured maximum). */
  get sleepMs(): number {
    return Math.min(1, this.#fraction) * this.limits.maxSleepMs;
  }

  /** Adds `delta` (never below zero); recalculates after a large move. */
  bump(delta: number): void {
    this.#cost = Math.max(0, this.#cost + delta);
    if (Math.abs(this.#cost - this.#costAtRecalc) > RECALC_THRESHOLD) this.recalc();
  }

  /** Applies decay and recomputes the throttle from cost plus group cost. */
  recalc(): void {
    const now = this.now();
    const elapsed = (now - this.#recalcAt) / 1000;
    this.#recalcAt = now;
    this.#cost = Math.max(0, this.#cost - elapsed * this.#decayPerSecond);
    this.#costAtRecalc = this.#cost;
    const { softLimit, hardLimit, initialConcurrent } = this.limits;
    if (hardLimit - softLimit <= 0) {
      this.#setThrottle(0, initialConcurrent);
      return;
    }
    const fraction = Math.max(0, (this.#cost + this.xcost() - softLimit) / (hardLimit - softLimit));
    this.#setThrottle(fraction, Math.max(0, Math.ceil((1 - fraction) * initialConcurrent)));
  }

  /** The periodic decay reset: more subscriptions, slower decay. */
  resetDecay(subscriptions: number): void {
    this.#decayPerSecond = this.limits.hardLimit / (10000 + 5 * subscriptions);
  }

  #setThrottle(fraction: number, target: number): void {
    this.#fraction = fraction;
    if (target !== this.#target) {
      this.#target = target;
      this.onTarget(target);
    }
  }
}

/**
 * A first-come first-served semaphore whose size follows the cost meter's concurrency target.
 * Acquiring when the target is 0 fails with {@link ExcessiveCostError}.
 */
export class Concurrency {
  #target: number;
  #active = 0;
  #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(target: number) {
    this.#target = target;
  }

  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  get target(): number {
    return this.#target;
  }

  set target(value: number) {
    this.#target = value;
    this.#dispatch();
  }

  /** Waits for a slot. */
  acquire(): Promise<void> {
    if (this.#target <= 0) return Promise.reject(new ExcessiveCostError());
    if (this.#active < this.#target && this.#waiters.length === 0) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  release(): void {
    this.#active--;
    this.#dispatch();
  }

  /** Hands free slots to waiters in order; with a target of 0 every waiter fails. */
  #dispatch(): void {
    while (this.#waiters.length > 0 && (this.#target <= 0 || this.#active < this.#target)) {
      const waiter = this.#waiters.shift()!;
      if (this.#target <= 0) {
        waiter.reject(new ExcessiveCostError());
      } else {
        this.#active++;
        waiter.resolve();
      }
    }
  }
}
