/**
 * JSON rendered as Python's `json.dumps(value, indent=4, sort_keys=True)` renders it, which is
 * what ElectrumX's admin client prints: keys sorted by code point at every level, non-ASCII
 * escaped as \uXXXX, empty containers as {} and [].
 */

/** Python-style pretty JSON of a value decoded from JSON. */
export function prettyJson(value: unknown, indent = ""): string {
  if (value === null || typeof value !== "object") return asciiJson(value);
  const inner = indent + "    ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[\n" + value.map((item) => inner + prettyJson(item, inner)).join(",\n") + "\n" +
      indent + "]";
  }
  const keys = Object.keys(value).sort(compareCodePoints);
  if (keys.length === 0) return "{}";
  const record = value as Record<string, unknown>;
  return "{\n" +
    keys.map((key) => `${inner}${asciiJson(key)}: ${prettyJson(record[key], inner)}`).join(",\n") +
    "\n" + indent + "}";
}

/** Python sorts str keys by code point; JS's default sort compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i].codePointAt(0)! - right[i].codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** A scalar as JSON with every non-ASCII UTF-16 unit escaped (ensure_ascii). */
function asciiJson(value: unknown): string {
  return (JSON.stringify(value) ?? "null").replace(
    /[\u0080-\uffff]/g,
    (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/** Python's repr() of a str: single quotes unless the text has ' and no ". */
export function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const char of text) {
    if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (char === quote) out += "\\" + quote;
    else out += char;
  }
  return quote + out + quote;
}
