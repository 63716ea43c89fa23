/**
 * SHA-256 below and above the size where node:crypto's per-call overhead stops dominating, and
 * OpenSSL's through FFI (needs --allow-ffi; skipped without it).
 */
import { createHash } from "node:crypto";
import { loadNativeSha256 } from "../src/chain/native_sha256.ts";
import { sha256Small } from "../src/chain/sha256.ts";

const native = loadNativeSha256();

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
  Deno.bench({
    name: `OpenSSL SHA-256 through FFI, ${size} bytes`,
    group: `sha256 ${size}`,
    ignore: native === undefined,
    fn: () => {
      native!.hash([data]);
    },
  });
}
