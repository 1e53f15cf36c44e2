/** Boot step 1: the stage's Redis (a real redis-server) on its reserved port. */
import { join } from 'node:path';
import { failureWithLog } from '../boot-failure.js';
import type { LocalStage } from '../local-stage.js';
import { startRedisServer } from '../redis-server.js';

/** Start Redis and wait for PONG within `timeoutMs`; also how a test brings a stopped Redis back. */
export async function startRedis(stage: LocalStage, timeoutMs: number): Promise<void> {
  try {
    stage.redis = await startRedisServer({
      workDir: stage.workDir,
      port: stage.ports.redis,
      startTimeoutMs: Math.max(1, timeoutMs),
    });
  } catch (error) {
    const log = join(stage.workDir, 'redis.log');
    throw await failureWithLog(`redis did not answer PING: ${(error as Error).message}`, log);
  }
  stage.track(stage.redis.process);
}
