/** SHA-256 below and above the size where node:crypto's per-call overhead stops dominating. */
import { createHash } from "node:crypto";
import { sha256Small } from "../src/chain/sha256.ts";

for (const size of [22, 250, 1024, 4096]) {
  const data = new Uint8Array(size).map((_, i) => i * 7);
  Deno.bench(
    { name: `TypeScript SHA-256, ${size} bytes`, group: `sha256 ${size}`, baseline: true },
    () => {
      sha256Small([data]);
    },
  );
  Deno.bench({ name: `node:crypto SHA-256, ${size} bytes`, group: `sha256 ${size}` }, () => {
    createHash("sha256").update(data).digest();
  });
}
