/**
 * Logging in ElectrumX's shape: a level threshold (LOG_LEVEL) and a Python-style format
 * (LOG_FORMAT) with `%(levelname)s`, `%(name)s`, `%(message)s` and `%(asctime)s`, where the
 * name is the component, e.g. `INFO:Daemon:connection restored`.
 */

/** Level names and their numeric values, as in Python's logging. */
export const LOG_LEVELS = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;

export type LogLevelName = keyof typeof LOG_LEVELS;

/** ElectrumX's default LOG_FORMAT. */
export const DEFAULT_LOG_FORMAT = "%(levelname)s:%(name)s:%(message)s";

/** Where formatted lines go; tests capture them, the server writes to stderr. */
export type LineWriter = (line: string) => void;

/** Writes a line to standard error. */
export function writeStderr(line: string): void {
  console.error(line);
}

/** Shared logging settings; components get named loggers from it. */
export class LogSink {
  readonly threshold: number;

  constructor(
    level: LogLevelName = "INFO",
    readonly format: string = DEFAULT_LOG_FORMAT,
    readonly write: LineWriter = writeStderr,
  ) {
    this.threshold = LOG_LEVELS[level];
  }

  /** A logger that prefixes lines with `name` (the component). */
  logger(name: string): Logger {
    return new Logger(name, this);
  }

  /** Formats and writes one record if its level passes the threshold. */
  emit(level: LogLevelName, name: string, message: string): void {
    if (LOG_LEVELS[level] < this.threshold) return;
    const line = this.format.replace(/%\((\w+)\)s/g, (whole, key: string) => {
      switch (key) {
        case "levelname":
          return level;
        case "name":
          return name;
        case "message":
          return message;
        case "asctime":
          return formatAsctime(new Date());
        default:
          return whole;
      }
    });
    this.write(line);
  }
}

/** Python's default asctime layout: `2026-11-23 21:40:05,123`. */
function formatAsctime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

/** A named logger. */
export class Logger {
  constructor(readonly name: string, readonly sink: LogSink) {}

  debug(message: string): void {
    this.sink.emit("DEBUG", this.name, message);
  }

  info(message: string): void {
    this.sink.emit("INFO", this.name, message);
  }

  warning(message: string): void {
    this.sink.emit("WARNING", this.name, message);
  }

  error(message: string): void {
    this.sink.emit("ERROR", this.name, message);
  }

  critical(message: string): void {
    this.sink.emit("CRITICAL", this.name, message);
  }
}

/** A logger that writes nothing, for library use and tests that do not care. */
export function silentLogger(name = "silent"): Logger {
  return new LogSink("CRITICAL", DEFAULT_LOG_FORMAT, () => {}).logger(name);
}

/**
 * Lets a repeated message through at most once per interval, so a daemon that stays down
 * does not flood the log.
 */
export class RateLimitedLog {
  #lastAt = new Map<string, number>();

  constructor(readonly intervalMs: number, readonly now: () => number = Date.now) {}

  /** True when `key` was not allowed within the last interval (and records it). */
  allow(key: string): boolean {
    const now = this.now();
    const last = this.#lastAt.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.#lastAt.set(key, now);
    return true;
  }

  /** Forgets every key, e.g. after recovery so the next failure is logged at once. */
  reset(): void {
    this.#lastAt.clear();
  }
}
