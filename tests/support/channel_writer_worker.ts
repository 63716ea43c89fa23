/**
 * A worker for record_channel.test.ts: writes `count` records into the channel, record i
 * being i % 50 + 4 bytes (its index in the first four, the rest its low byte), in groups of
 * `perGroup`; fails instead of finishing after `failAfter` records if given.
 */
import { type ChannelSpec, ChannelWriter } from "../../src/index/record_channel.ts";
import { putUint32 } from "../../src/index/packed_run.ts";

interface Request {
  channel: ChannelSpec;
  count: number;
  perGroup: number;
  failAfter?: number;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  close(): void;
};

scope.onmessage = ({ data: { channel, count, perGroup, failAfter } }) => {
  const writer = new ChannelWriter(channel);
  for (let i = 0; i < count; i++) {
    if (i === failAfter) {
      writer.fail(`failed after ${i} records`);
      scope.close();
      return;
    }
    if (i % perGroup === 0) writer.group(i / perGroup);
    const length = (i % 50) + 4;
    const at = writer.reserve(length);
    putUint32(writer.buffer, at, i);
    writer.buffer.fill(i & 0xff, at + 4, at + length);
  }
  writer.finish();
  scope.close();
};
