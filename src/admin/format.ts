/** Number and duration formats shared by the admin server and the `electrumx rpc` tables. */

/** Digits grouped in threes with commas: 1234567 → "1,234,567". */
export function withSeparators(value: number): string {
  const negative = value < 0;
  const digits = String(Math.trunc(Math.abs(value)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return negative ? `-${grouped}` : grouped;
}

/**
 * ElectrumX's duration: days if any, then two-digit hours and minutes once a larger part was
 * shown, and seconds while fewer than three parts were shown; joined by `separator`.
 */
export function formatDuration(seconds: number, separator = " "): string {
  let t = Math.floor(seconds);
  const parts: string[] = [];
  // Floor division, as Python's divmod, so a clock that moved back still gives a value.
  const days = Math.floor(t / 86400);
  t -= days * 86400;
  const hours = Math.floor(t / 3600);
  t -= hours * 3600;
  const minutes = Math.floor(t / 60);
  const secs = t - minutes * 60;
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (days) parts.push(`${days}d`);
  if (hours || parts.length) parts.push(`${pad(hours)}h`);
  if (minutes || parts.length) parts.push(`${pad(minutes)}m`);
  if (parts.length < 3) parts.push(`${pad(secs)}s`);
  return parts.join(separator);
}

/**
 * Satoshis as coins: the exact decimal value with trailing zeros removed and separators in
 * the integer part (5500 → "0.000055", 150000000000 → "1,500").
 */
export function formatCoins(sats: number): string {
  const negative = sats < 0;
  const abs = Math.abs(sats);
  const whole = Math.floor(abs / 100_000_000);
  const fraction = String(abs % 100_000_000).padStart(8, "0").replace(/0+$/, "");
  const text = withSeparators(whole) + (fraction ? `.${fraction}` : "");
  return negative ? `-${text}` : text;
}
