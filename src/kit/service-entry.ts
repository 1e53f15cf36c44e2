/**
 * What the entries of the API and of the Ollama simulator share: a configuration mistake is one line on
 * stderr and exit 1 (no stack trace), a start-up failure the same, and the first SIGTERM/SIGINT runs the
 * graceful stop once and exits 0. Only an entry calls these: importing this module installs nothing.
 */
import { ConfigError } from './env-config.js';

/** `load()`'s result; a `ConfigError` becomes `<service>: invalid configuration: …` and exit 1. */
export function loadConfigOrExit<Config>(service: string, load: () => Config): Config {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: invalid configuration: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

/** On the first SIGTERM or SIGINT, run `stop` (once) and exit 0. */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    await stop(signal);
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void onSignal(signal));
  process.once('SIGINT', (signal) => void onSignal(signal));
}

/** Run the entry's `main`; a failure before it is up becomes `<service>: failed to start: …` and exit 1. */
export function runService(service: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${service}: failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
