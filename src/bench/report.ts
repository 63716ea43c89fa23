/** Shared pieces of the benchmark scripts' reports: medians and plain text tables. */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Right-aligned columns under a header and a rule, two spaces apart. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => cell.padStart(widths[i])).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Writes `results` as JSON to `<directory>/<name>-<time>.json` and returns the path. */
export function writeResults(directory: string, name: string, results: unknown): string {
  Deno.mkdirSync(directory, { recursive: true });
  const path = `${directory}/${name}-${new Date().toISOString().replaceAll(":", "-")}.json`;
  Deno.writeTextFileSync(path, JSON.stringify(results, null, 2) + "\n");
  return path;
}
