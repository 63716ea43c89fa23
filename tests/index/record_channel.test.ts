/**
 * The channel of records between threads (record_channel.ts): a worker writes far more than
 * the ring holds, so each side blocks on the other; the reader gets every record once, in
 * order, with its group's tag, then the end; a writer's failure reaches the reader as an
 * error.
 */
import assert from "node:assert/strict";
import { getUint32 } from "../../src/index/packed_run.ts";
import { ChannelReader, ChannelWriter, createChannel } from "../../src/index/record_channel.ts";

function startWriter(message: Record<string, unknown>): Worker {
  const worker = new Worker(
    new URL("../support/channel_writer_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  worker.postMessage(message);
  return worker;
}

Deno.test("a worker's records arrive once, in order, tagged by group, through a small ring", () => {
  const channel = createChannel(3, 256);
  const count = 20_000;
  const perGroup = 777;
  const worker = startWriter({ channel, count, perGroup });
  try {
    const reader = new ChannelReader(channel);
    let next = 0;
    let slots = 0;
    for (let slot = reader.next(); slot; slot = reader.next()) {
      slots++;
      const { data, tag } = slot;
      assert.ok(data.length > 0 && data.length <= 256);
      for (let at = 0; at < data.length;) {
        const index = getUint32(data, at);
        assert.equal(index, next, "records in order, none lost");
        assert.equal(tag, Math.floor(index / perGroup), "the record's group");
        const length = (index % 50) + 4;
        assert.ok(data.subarray(at + 4, at + length).every((byte) => byte === (index & 0xff)));
        at += length;
        next++;
      }
    }
    assert.equal(next, count);
    assert.ok(slots > 3 * 10, "the ring was reused many times over");
  } finally {
    worker.terminate();
  }
});

Deno.test("a writer's failure is the reader's error, after what came before it", () => {
  const channel = createChannel(2, 128);
  const worker = startWriter({ channel, count: 1000, perGroup: 1000, failAfter: 300 });
  try {
    const reader = new ChannelReader(channel);
    let records = 0;
    assert.throws(() => {
      for (let slot = reader.next(); slot; slot = reader.next()) {
        for (let at = 0; at < slot.data.length; at += (getUint32(slot.data, at) % 50) + 4) {
          records++;
        }
      }
    }, /failed after 300 records/);
    assert.ok(records > 0 && records <= 300);
  } finally {
    worker.terminate();
  }
});

Deno.test("a record larger than a slot is refused", () => {
  const writer = new ChannelWriter(createChannel(2, 64));
  assert.throws(() => writer.reserve(65), RangeError);
  assert.equal(writer.reserve(64), 0);
});
