/**
 * A one-way channel of byte records from a worker thread to a thread that must stay
 * synchronous (the catch-up's write transaction): a ring of slots in a SharedArrayBuffer.
 * The writer fills a slot with records and publishes it; the reader takes published slots in
 * order. Each side blocks (Atomics.wait) when the ring is full or empty, so the memory held is
 * the ring's, whatever the volume. Each slot carries a tag: the group its records belong to
 * (a group never shares a slot with another).
 */

/** Control words. SIGNAL changes whenever the writer publishes, finishes or fails. */
const PUBLISHED = 0;
const CONSUMED = 1;
const STATE = 2;
const SIGNAL = 3;
const ERROR_LENGTH = 4;
const CONTROL_WORDS = 8;

/** STATE is 0 while the writer works, then one of these. */
const FINISHED = 1;
const FAILED = 2;

const ERROR_BYTES = 4096;

/** The reader gives up when the writer has shown no sign of life for this long. */
const STALL_MS = 120_000;

interface Layout {
  control: Int32Array;
  /** Per slot: its length in bytes, then its tag. */
  lengths: Int32Array;
  tags: Int32Array;
  slots: Uint8Array[];
  error: Uint8Array;
}

function layout(buffer: SharedArrayBuffer, slotCount: number, slotBytes: number): Layout {
  const wordsBytes = (CONTROL_WORDS + 2 * slotCount) * 4;
  const words = new Int32Array(buffer, 0, CONTROL_WORDS + 2 * slotCount);
  const slots = Array.from(
    { length: slotCount },
    (_, slot) => new Uint8Array(buffer, wordsBytes + slot * slotBytes, slotBytes),
  );
  return {
    control: words.subarray(0, CONTROL_WORDS),
    lengths: words.subarray(CONTROL_WORDS, CONTROL_WORDS + slotCount),
    tags: words.subarray(CONTROL_WORDS + slotCount),
    slots,
    error: new Uint8Array(buffer, wordsBytes + slotCount * slotBytes, ERROR_BYTES),
  };
}

/** What both ends need to know of a channel: pass it to the worker. */
export interface ChannelSpec {
  buffer: SharedArrayBuffer;
  slotCount: number;
  slotBytes: number;
}

/** A new channel of `slotCount` slots of `slotBytes` bytes. */
export function createChannel(slotCount: number, slotBytes: number): ChannelSpec {
  const bytes = (CONTROL_WORDS + 2 * slotCount) * 4 + slotCount * slotBytes + ERROR_BYTES;
  return { buffer: new SharedArrayBuffer(bytes), slotCount, slotBytes };
}

/** The writing end (one thread). */
export class ChannelWriter {
  readonly #layout: Layout;
  readonly #slotCount: number;
  #published = 0;
  #tag = 0;
  /** The slot being filled: a record reserved with {@link reserve} is written into it. */
  buffer: Uint8Array;
  #used = 0;

  constructor(spec: ChannelSpec) {
    this.#layout = layout(spec.buffer, spec.slotCount, spec.slotBytes);
    this.#slotCount = spec.slotCount;
    this.buffer = this.#awaitFreeSlot();
  }

  /** Starts a group: records reserved from now on are tagged `tag`. */
  group(tag: number): void {
    if (this.#used > 0) this.#publish();
    this.#tag = tag;
  }

  /**
   * Room for a record of `length` bytes: returns its offset in {@link buffer} (which may be a
   * new slot after the call).
   */
  reserve(length: number): number {
    if (length > this.buffer.length) {
      throw new RangeError(`a record of ${length} bytes exceeds the channel's slots`);
    }
    if (this.#used + length > this.buffer.length) this.#publish();
    const at = this.#used;
    this.#used += length;
    return at;
  }

  /** Publishes what is left; the reader sees the end after it. */
  finish(): void {
    if (this.#used > 0) this.#publish();
    this.#end(FINISHED);
  }

  /** Ends the channel with an error the reader throws. */
  fail(message: string): void {
    const encoded = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
    this.#layout.error.set(encoded);
    Atomics.store(this.#layout.control, ERROR_LENGTH, encoded.length);
    this.#end(FAILED);
  }

  #end(state: number): void {
    const { control } = this.#layout;
    Atomics.store(control, STATE, state);
    Atomics.add(control, SIGNAL, 1);
    Atomics.notify(control, SIGNAL);
  }

  #publish(): void {
    const { control, lengths, tags } = this.#layout;
    const slot = this.#published % this.#slotCount;
    lengths[slot] = this.#used;
    tags[slot] = this.#tag;
    this.#published++;
    Atomics.store(control, PUBLISHED, this.#published);
    Atomics.add(control, SIGNAL, 1);
    Atomics.notify(control, SIGNAL);
    this.#used = 0;
    this.buffer = this.#awaitFreeSlot();
  }

  /** The next slot to fill, once the reader has taken what it held. */
  #awaitFreeSlot(): Uint8Array {
    const { control, slots } = this.#layout;
    while (true) {
      const consumed = Atomics.load(control, CONSUMED);
      if (this.#published - consumed < this.#slotCount) break;
      Atomics.wait(control, CONSUMED, consumed);
    }
    return slots[this.#published % this.#slotCount];
  }
}

/** The reading end (one thread). */
export class ChannelReader {
  readonly #layout: Layout;
  readonly #slotCount: number;
  #consumed = 0;

  constructor(spec: ChannelSpec) {
    this.#layout = layout(spec.buffer, spec.slotCount, spec.slotBytes);
    this.#slotCount = spec.slotCount;
  }

  /**
   * The next slot's records (a copy: the slot is handed back at once) and tag, or undefined
   * once the writer has finished. Blocks while the writer works; throws its failure, or when
   * it shows no sign of life for two minutes (a thread that died before it could say so).
   */
  next(): { data: Uint8Array; tag: number } | undefined {
    const { control, lengths, tags, slots } = this.#layout;
    let waitedSince = performance.now();
    let signal = Atomics.load(control, SIGNAL);
    while (Atomics.load(control, PUBLISHED) === this.#consumed) {
      const state = Atomics.load(control, STATE);
      if (state === FINISHED) return undefined;
      if (state === FAILED) {
        const length = Atomics.load(control, ERROR_LENGTH);
        throw new Error(new TextDecoder().decode(this.#layout.error.slice(0, length)));
      }
      if (Atomics.wait(control, SIGNAL, signal, 1000) === "timed-out") {
        if (performance.now() - waitedSince > STALL_MS) {
          throw new Error("the writing thread stopped without a word");
        }
      } else {
        waitedSince = performance.now();
      }
      signal = Atomics.load(control, SIGNAL);
    }
    const slot = this.#consumed % this.#slotCount;
    const result = { data: slots[slot].slice(0, lengths[slot]), tag: tags[slot] };
    this.#consumed++;
    Atomics.store(control, CONSUMED, this.#consumed);
    Atomics.notify(control, CONSUMED);
    return result;
  }
}
