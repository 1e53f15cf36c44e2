/**
 * The teardown step: always run (unless asked to keep the stage), whatever happened before, and bounded
 * by the teardown's reserve of the deadline, so a driver that hangs on the way down cannot hold the run.
 */
import { formatSeconds } from '../../kit/duration.js';
import type { GateLogger } from '../../kit/gate-logger.js';
import type { StageDriver } from '../../stage/driver.js';
import type { Clock } from '../clock.js';
import { settleWithin } from '../../kit/settle.js';

export interface TearDownStep {
  driver: StageDriver;
  /** Leave the stage running (keep-stage). */
  keepStage: boolean;
  /** Where the driver copies the services' whole logs. */
  logDir: string | undefined;
  reserveMs: number;
  logger: GateLogger;
  clock: Clock;
}

/** Tears the stage down; the time it took, or undefined when the stage was kept. Never throws. */
export async function tearDown(step: TearDownStep): Promise<number | undefined> {
  const { driver, logger, logDir, reserveMs } = step;
  if (step.keepStage) {
    logger.info(`keep-stage: the stage is left running${driver.baseUrl ? ` at ${driver.baseUrl}` : ''}`);
    return undefined;
  }
  const started = step.clock.now();
  await logger.group('teardown', async () => {
    // An external stage is someone else's: the gate stops nothing there (its driver says so).
    if (driver.kind === 'external') logger.info('teardown: external stage, nothing to stop');
    else logger.info(`teardown: stopping the stage${logDir ? `, logs to ${logDir}` : ''}`);
    // The driver gets a second less than the reserve, to end on its own terms. A failed teardown does
    // not change the report: the gate only makes sure it ends.
    const teardown = (async () => driver.teardown({ logDir, timeoutMs: reserveMs - 1000 }))();
    const outcome = await settleWithin(teardown, { limitMs: reserveMs });
    if (outcome.kind === 'timeout') logger.warn(`teardown did not finish within ${formatSeconds(reserveMs)}`);
  });
  return step.clock.now() - started;
}
