/**
 * Gives memory the allocator holds free back to the system (glibc's `malloc_trim`). The
 * initial sync frees hundreds of MB a flush, much of it in the arenas of the threads that
 * allocated it (the flush thread, the parser threads), where glibc keeps it mapped: resident,
 * though unused. Elsewhere (no glibc, no FFI permission) this does nothing.
 */
const SYMBOLS = { malloc_trim: { parameters: ["usize"], result: "i32" } } as const;

let trim: (() => void) | null | undefined;

function openTrim(): (() => void) | null {
  // Asked, not tried: trying without the permission would prompt on a terminal.
  if (Deno.build.os !== "linux") return null;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
  try {
    const library = Deno.dlopen("libc.so.6", SYMBOLS);
    return () => void library.symbols.malloc_trim(0n);
  } catch {
    return null; // Not glibc.
  }
}

/** Returns freed memory to the system where the allocator allows it. */
export function releaseFreedMemory(): void {
  if (trim === undefined) trim = openTrim();
  trim?.();
}
