/**
 * Gives memory the allocator holds free back to the system (glibc's `malloc_trim`). The
 * initial sync frees hundreds of MB a flush, much of it in the arenas of the threads that
 * allocated it (the flush thread, the parser threads), where glibc keeps it mapped: resident,
 * though unused. Elsewhere (no glibc, no FFI permission) this does nothing.
 */
import { openNativeLibrary } from "./native_library.ts";

const SYMBOLS = { malloc_trim: { parameters: ["usize"], result: "i32" } } as const;

let trim: (() => void) | null | undefined;

function openTrim(): (() => void) | null {
  if (Deno.build.os !== "linux") return null;
  const library = openNativeLibrary(["libc.so.6"], SYMBOLS);
  return library ? () => void library.symbols.malloc_trim(0n) : null;
}

/** Returns freed memory to the system where the allocator allows it. */
export function releaseFreedMemory(): void {
  if (trim === undefined) trim = openTrim();
  trim?.();
}
