/**
 * Entry of the Ollama-compatible simulator (`node dist/ollama-sim/index.js`): a stand-in for Ollama on
 * machines where it cannot run. Read the environment once, listen, stop gracefully on SIGTERM/SIGINT.
 */
import { createJsonLogger } from '../kit/json-logger.js';
import { loadConfigOrExit, runService, stopOnSignals } from '../kit/service-entry.js';
import { loadSimConfig } from './config.js';
import { SIM_VERSION, createOllamaSimulator } from './simulator.js';

const SERVICE = 'ollama-sim';

async function main(): Promise<void> {
  const config = loadConfigOrExit(SERVICE, () => loadSimConfig(process.env));
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
  stopOnSignals(async (signal) => {
    logger.info('shutting down', { signal });
    await simulator.close(2000);
    logger.info('stopped');
  });
}

runService(SERVICE, main);
