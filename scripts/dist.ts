/**
 * `deno task dist`: the release executables, one per platform, into dist/ with a SHA256SUMS
 * file (`sha256sum -c SHA256SUMS` checks a download). Each is built by the compile task's own
 * command in deno.json, with --target and --output added, so the permissions and the worker
 * modules it includes are defined once.
 *
 *   deno task dist
 */
import { VERSION } from "../src/version.ts";

/** Platforms we release for: Deno's target name and the one in our file names. */
export const TARGETS = [
  { target: "x86_64-unknown-linux-gnu", platform: "linux-x86_64" },
  { target: "aarch64-unknown-linux-gnu", platform: "linux-aarch64" },
  { target: "aarch64-apple-darwin", platform: "macos-aarch64" },
] as const;

const ROOT = new URL("../", import.meta.url);

/** The compile task of deno.json as arguments of `deno`: `compile …flags --output FILE main.ts`. */
export function compileTaskArgs(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", ROOT)));
  const words = String(config.tasks.compile).split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "compile" || words.at(-3) !== "--output") {
    throw new Error(`the compile task is not "deno compile …flags --output FILE ENTRY"`);
  }
  return words.slice(1);
}

/** One release executable: its file name under dist/ and the `deno` arguments that build it. */
export function releaseBuilds(): { file: string; args: string[] }[] {
  const task = compileTaskArgs();
  return TARGETS.map(({ target, platform }) => {
    const file = `electrumx-${VERSION}-${platform}`;
    return {
      file,
      args: [...task.slice(0, -3), "--target", target, "--output", `dist/${file}`, task.at(-1)!],
    };
  });
}

async function sha256Hex(path: URL): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

if (import.meta.main) {
  const sums: string[] = [];
  for (const { file, args } of releaseBuilds()) {
    console.log(`dist: deno ${args.join(" ")}`);
    const { success } = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT }).spawn().status;
    if (!success) Deno.exit(1);
    sums.push(`${await sha256Hex(new URL(`dist/${file}`, ROOT))}  ${file}\n`);
  }
  await Deno.writeTextFile(new URL("dist/SHA256SUMS", ROOT), sums.join(""));
  console.log(`dist: ${sums.length} executables and SHA256SUMS in dist/`);
}
