/**
 * The gate's progress log. The CLI prints it to stderr, the action sends it to the runner's log, tests
 * record it. The core only ever sees this interface.
 */
export interface GateLogger {
  info(message: string): void;
  warn(message: string): void;
  /** Detail that helps when something goes wrong; hidden unless asked for. */
  debug(message: string): void;
}

export const silentLogger: GateLogger = { info() {}, warn() {}, debug() {} };

/** A logger that keeps every message, for tests to assert on. */
export function createRecordingLogger(): GateLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    debug: (message) => lines.push(`debug: ${message}`),
  };
}
