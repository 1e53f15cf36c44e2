/**
 * The gate's progress log. The CLI prints it to stderr, the action sends it to the runner's log, tests
 * record it. The core (gate, checks, drivers' callers) only ever sees this interface.
 */
export interface GateLogger {
  info(message: string): void;
  warn(message: string): void;
  /** Detail that helps when something goes wrong; hidden unless asked for. */
  debug(message: string): void;
  /**
   * Runs `body` as one phase whose lines belong together: the action folds them into a collapsible
   * group of the runner's log, a terminal gets a plain header line. Groups do not nest (the runner's
   * log cannot show a group inside a group), so only the gate's phases open one.
   */
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
}

export const silentLogger: GateLogger = { info() {}, warn() {}, debug() {}, group: (_title, body) => body() };

/**
 * `logger` with every message passed through `scrub` first (a group's title too). The CLI wraps its
 * stderr logger in one: log lines quote the stage (its log tails, its answers), and a terminal has no
 * runner masking secrets for it.
 */
export function createScrubbingLogger(logger: GateLogger, scrub: (text: string) => string): GateLogger {
  return {
    info: (message) => logger.info(scrub(message)),
    warn: (message) => logger.warn(scrub(message)),
    debug: (message) => logger.debug(scrub(message)),
    group: (title, body) => logger.group(scrub(title), body),
  };
}
