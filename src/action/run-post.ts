/**
 * The action's post step: runs after the job's other steps, also after a failure or a cancellation
 * (`post-if: always()`), and tears down whatever stage the main step booted and did not tear down
 * itself (keep-stage, or a main step cut short), streaming each service's log to the log dir first.
 */
import { settleWithin } from '../kit/settle.js';
import type { Logger, StateStore } from '../github/ports.js';
import type { DriverChoice } from '../stage/create-driver.js';
import type { StageDriver } from '../stage/driver.js';
import { readStageState, wasTornDown } from './state.js';

export interface PostDeps {
  state: StateStore;
  logger: Logger;
  createDriver(choice: DriverChoice): StageDriver;
}

export type PostOutcome = 'nothing-booted' | 'already-torn-down' | 'torn-down' | 'timed-out';

export async function runPost(deps: PostDeps): Promise<PostOutcome> {
  const { logger } = deps;
  const stage = readStageState(deps.state);
  if (!stage) {
    logger.info('post: the main step booted no stage; nothing to tear down');
    return 'nothing-booted';
  }
  if (wasTornDown(deps.state)) {
    logger.info('post: the main step already tore the stage down');
    return 'already-torn-down';
  }
  const log = (text: string) => logger.info(text.replace(/\n+$/, ''));
  const choice: DriverChoice =
    stage.choice.kind === 'compose'
      ? { ...stage.choice, compose: { ...stage.choice.compose, log } }
      : stage.choice;
  logger.info(
    `post: tearing down the ${choice.kind} stage${stage.logDir ? `, logs to ${stage.logDir}` : ''}`,
  );
  const driver = deps.createDriver(choice);
  // The driver bounds itself; this bound holds even if it does not.
  const teardown = driver.teardown({
    ...(stage.logDir ? { logDir: stage.logDir } : {}),
    timeoutMs: stage.teardownTimeoutMs,
  });
  const settled = await settleWithin(teardown, { limitMs: stage.teardownTimeoutMs + 5000 });
  const outcome = settled.kind === 'timeout' ? 'timed-out' : 'torn-down';
  if (outcome === 'timed-out')
    logger.warn(`post: teardown did not finish within ${stage.teardownTimeoutMs} ms`);
  else logger.info('post: stage torn down');
  return outcome;
}
