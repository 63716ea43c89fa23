/** `electrumx serve`: configuration, logging, root check, then the controller until a signal. */
import { ConfigError, loadConfig } from "../config.ts";
import { Controller } from "../controller.ts";
import { LogSink } from "../log.ts";

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** Runs the server; returns the exit status. */
export async function runServe(
  env: Record<string, string | undefined>,
  overrides: Record<string, string | undefined>,
): Promise<number> {
  let config;
  try {
    config = loadConfig(env, overrides);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`electrumx serve: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const logs = new LogSink(config.logLevel, config.logFormat);
  if (!config.allowRoot && Deno.uid() === 0) {
    logs.logger("Controller").critical(
      "RUNNING AS ROOT IS STRONGLY DISCOURAGED! You shouldn't use root; set ALLOW_ROOT " +
        "(or --allow-root 1) if you really mean it",
    );
    return 1;
  }
  const controller = new Controller(config, logs);
  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => controller.stop(`received ${signal}`);
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await controller.run();
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  }
}
