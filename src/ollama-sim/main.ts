/**
 * Entry of the Ollama-compatible simulator (`node dist/ollama-sim/index.js`): a stand-in for Ollama on
 * machines where it cannot run. Read the environment once, listen, stop gracefully on SIGTERM/SIGINT.
 */
import { createJsonLogger } from '../kit/json-logger.js';
import { SimConfigError, loadSimConfig, type SimConfig } from './config.js';
import { SIM_VERSION, createOllamaSimulator } from './simulator.js';

async function main(): Promise<void> {
  let config: SimConfig;
  try {
    config = loadSimConfig(process.env);
  } catch (error) {
    if (error instanceof SimConfigError) {
      process.stderr.write(`ollama-sim: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createJsonLogger({ level: config.logLevel, base: { service: 'ollama-sim' } });
  const simulator = createOllamaSimulator(config, logger);
  let address;
  try {
    address = await simulator.listen(config.port, config.host);
  } catch (error) {
    logger.error('cannot listen', { host: config.host, port: config.port, error });
    process.exit(1);
  }
  logger.info('listening', {
    host: config.host,
    port: address.port,
    version: SIM_VERSION,
    note: 'Ollama-API-compatible simulator: deterministic replies built from the prompt, no language model',
    models: config.models,
    num_parallel: config.numParallel,
    max_queue: config.maxQueue,
    latency_ms: config.latencyMs,
    tokens_per_second: config.tokensPerSecond,
    fail_mode: config.failMode,
  });
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await simulator.close(2000);
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  process.stderr.write(`ollama-sim: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
