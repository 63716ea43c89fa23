/**
 * Opens a system library through Deno's FFI, when the process may (`--allow-ffi`) and one of
 * the names is there; undefined otherwise, so callers fall back to doing without.
 */
export function openNativeLibrary<S extends Deno.ForeignLibraryInterface>(
  names: readonly string[],
  symbols: S,
): Deno.DynamicLibrary<S> | undefined {
  // Asked, not tried: trying without the permission would prompt on a terminal.
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  for (const name of names) {
    try {
      return Deno.dlopen(name, symbols);
    } catch {
      // No such library: try the next name, then do without.
    }
  }
  return undefined;
}
