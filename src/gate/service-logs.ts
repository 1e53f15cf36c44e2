/**
 * The newest lines of every service's log, for a run in which something did not pass: printed in the
 * run's log and attached to the report, capped per service. The whole logs never pass through here:
 * drivers stream them to files (the log dir), and a tail is read from a file's end.
 */
import type { ServiceLogTails } from '../report/model.js';
import { truncateText } from '../report/escape.js';
import type { StageDriver } from '../stage/driver.js';
import type { GateLogger } from '../kit/gate-logger.js';

/** Lines kept per service, in the log and in the report. */
export const SERVICE_LOG_TAIL_LINES = 40;
/** Characters kept per line: one runaway line must not fill a PR comment. */
export const SERVICE_LOG_LINE_CHARS = 300;
/** Bound on reading every tail (a compose stage runs one `docker compose logs` per service). */
export const SERVICE_LOG_TAILS_TIMEOUT_MS = 15_000;

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/** Resolves like `promise`, or rejects once `signal` aborts (a driver that ignores it cannot hang the run). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('reading the log took too long'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Reads the newest lines of each service the driver lists, prints them, and returns them for the
 * report; undefined when the driver shows no logs at all (an external stage). Never throws.
 */
export async function collectServiceLogTails(
  driver: StageDriver,
  logger: GateLogger,
  options: {
    linesPerService?: number;
    timeoutMs?: number;
    /** The services, when already known (from the boot); else the driver is asked for them. */
    services?: string[];
  } = {},
): Promise<ServiceLogTails | undefined> {
  const linesPerService = options.linesPerService ?? SERVICE_LOG_TAIL_LINES;
  // A timer of our own (AbortSignal.timeout's does not keep the process alive while it waits).
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), options.timeoutMs ?? SERVICE_LOG_TAILS_TIMEOUT_MS);
  try {
    return await readTails(driver, logger, linesPerService, bound.signal, options.services);
  } finally {
    clearTimeout(timer);
  }
}

async function readTails(
  driver: StageDriver,
  logger: GateLogger,
  linesPerService: number,
  signal: AbortSignal,
  known: string[] | undefined,
): Promise<ServiceLogTails | undefined> {
  let names: string[];
  try {
    names = [
      ...new Set(
        known?.length
          ? known
          : (await untilAborted(driver.services(signal), signal)).map((row) => row.service),
      ),
    ];
  } catch (error) {
    logger.warn(`service logs: cannot list the services: ${messageOf(error)}`);
    return undefined;
  }
  // One listener on the run's signal, whatever the number of services: each service's reads (and the
  // commands a driver runs for them, each listening to the signal it is given) get a signal of their
  // own, which that one listener aborts. Sharing the run's signal put two listeners per service on it
  // (Node warns past ten: MaxListenersExceededWarning on a stage of six services).
  const perService = names.map(() => new AbortController());
  const abortAll = () => perService.forEach((controller) => controller.abort());
  if (signal.aborted) abortAll();
  signal.addEventListener('abort', abortAll, { once: true });
  const read = await Promise.all(
    names.map(async (service, index): Promise<ServiceLogTails['services'][number] | undefined> => {
      const own = perService[index]!.signal;
      try {
        const lines = await untilAborted(driver.logs(service, linesPerService, own), own);
        if (lines === undefined) return undefined;
        return {
          service,
          lines: lines.slice(-linesPerService).map((line) => truncateText(line, SERVICE_LOG_LINE_CHARS)),
        };
      } catch (error) {
        return { service, lines: [], error: messageOf(error) };
      }
    }),
  ).finally(() => signal.removeEventListener('abort', abortAll));
  const services = read.filter((entry) => entry !== undefined);
  if (services.length === 0) return undefined;
  for (const entry of services) {
    if (entry.error !== undefined) logger.warn(`${entry.service}: log unreadable: ${entry.error}`);
    else logger.info(`── ${entry.service}: last ${entry.lines.length} lines ──\n${entry.lines.join('\n')}`);
  }
  return { linesPerService, maxLineChars: SERVICE_LOG_LINE_CHARS, services };
}
