/**
 * Values as Python prints them. ElectrumX's error messages interpolate client-supplied values
 * with Python's `str()` (`{value}` in an f-string), so a bad argument `["a"]` reads `['a']`
 * and a missing one `None`; wallets treat the messages as opaque, but we keep them identical.
 */

/** Python's `repr()` of a str: single quotes unless the text has `'` and no `"`. */
export function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (char === quote) out += "\\" + quote;
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += char;
  }
  return quote + out + quote;
}

/** Python's `repr()` of a value decoded from JSON. */
export function pythonRepr(value: unknown): string {
  if (typeof value === "string") return pythonStrRepr(value);
  return pythonStr(value);
}

/** Python's `str()` of a value decoded from JSON: strings bare, containers with reprs inside. */
export function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return value;
  if (typeof value === "number") return pythonFloatOrInt(value);
  if (Array.isArray(value)) return "[" + value.map(pythonRepr).join(", ") + "]";
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return "{" + entries.map(([k, v]) => `${pythonStrRepr(k)}: ${pythonRepr(v)}`).join(", ") + "}";
  }
  return String(value);
}

/**
 * Numbers as Python prints them. JSON cannot tell 1.0 from 1, so integral values print as
 * integers; other floats use Python's repr rule: shortest digits, exponent form when the
 * exponent is below -4 or at least 16, with a two-digit exponent.
 */
function pythonFloatOrInt(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const [mantissa, exponentText] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(value);
}

/** `{n:,d}`: an integer with thousands separators. */
export function withCommas(n: number): string {
  return Math.trunc(n).toLocaleString("en-US");
}

/** Python's `int(value)` for an int or a numeric string (`" +1_000 "`); else undefined. */
export function pythonInt(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value !== "string" || !/^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return undefined;
  return Number(value.trim().replaceAll("_", ""));
}

/** `type(value).__name__` of a value decoded from JSON. */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  return Array.isArray(value) ? "list" : "dict";
}
