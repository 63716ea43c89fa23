/** Command-line handling shared by the scripts: options with --help, usage errors, numbers. */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** One script's command line. */
export class ScriptCli {
  constructor(readonly name: string, readonly usage: string) {}

  /** Prints `message` and the usage to stderr and exits with status 2. */
  fail(message: string): never {
    console.error(`${this.name}: ${message}\n${this.usage}`);
    Deno.exit(2);
  }

  /**
   * Parses Deno.args against `options`, which should include `help`; a bad option is a usage
   * error, and --help prints the usage and exits 0.
   */
  parse<O extends Options>(options: O) {
    let parsed;
    try {
      parsed = parseArgs({ args: Deno.args, options, strict: true });
    } catch (error) {
      this.fail((error as Error).message);
    }
    if ((parsed.values as { help?: boolean }).help) {
      console.log(this.usage);
      Deno.exit(0);
    }
    return parsed.values;
  }

  /** A whole-number option: `fallback` when absent; below `min` is a usage error. */
  wholeNumber(value: string | undefined, flag: string, fallback: number, min = 0): number {
    if (value === undefined) return fallback;
    // Digits may be grouped with underscores, as in 1_000_000.
    const digits = value.replaceAll("_", "");
    const number = Number(digits);
    if (!/^\d+$/.test(digits) || !Number.isSafeInteger(number) || number < min) {
      this.fail(`--${flag} must be a whole number of at least ${min}`);
    }
    return number;
  }
}
