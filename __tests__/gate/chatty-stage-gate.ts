/**
 * Runs the gate (in this process, as a step would) on the local stage whose Ollama logs about 200 MB
 * while the gate runs, with a check set to fail so the report carries the services' log tails. Writes
 * the report (JSON and markdown) and prints this process's peak RSS. Run by log-flood.test.ts as a
 * child process, so the peak is the gate's own. Usage: chatty-stage-gate.ts LINES LOG_DIR OUT_DIR
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKS, type Check } from '../../src/checks/index.js';
import { createRecordingLogger } from '../kit/recording-gate-logger.js';
import { runGate } from '../../src/gate/run-gate.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import { waitUntil } from '../../src/stage/local/process.js';
import { renderJson } from '../../src/report/json-renderer.js';
import { renderMarkdown } from '../../src/report/markdown-renderer.js';
import { installExitHooks } from '../../src/stage/exit-hooks.js';
import { LocalStageDriver } from '../../src/stage/local/local-driver.js';
import { resolveReferenceStage } from '../../src/stage/reference-stage.js';

installExitHooks();
const [lines, logDir, outDir] = process.argv.slice(2) as [string, string, string];
const simulator = resolveReferenceStage().simulator;
const driver = new LocalStageDriver({
  keepRunningOnBootFailure: true,
  simulatorCommand: {
    command: process.execPath,
    args: [
      fileURLToPath(new URL('./fixtures/chatty-service.mjs', import.meta.url)),
      lines,
      simulator.command,
      ...simulator.args,
    ],
    ...(simulator.cwd ? { cwd: simulator.cwd } : {}),
  },
});
// stage-up first waits (bounded) until the flood is whole in the log, so every later read and the
// teardown's copy see all of it.
const waitForFlood: Check = async (context) => {
  await waitUntil(
    async () => ((await driver.logs('ollama', 50)) ?? []).some((line) => line.startsWith('chatty done')),
    { timeoutMs: 90_000, intervalMs: 250, what: 'the chatty service to finish its flood' },
  );
  return CHECKS['stage-up'](context);
};
const settings = parseGateSettings({
  driver: 'local',
  language: 'en',
  checks: ['stage-up', 'plan-cache-single-flight'],
  // No answer carries this field: plan-cache-single-flight fails, so the report takes the log tails.
  cacheHitPath: 'meta.compute.no_such_field',
  logDir,
});
const logger = createRecordingLogger();
const report = await runGate(settings, { driver, logger, checks: { 'stage-up': waitForFlood } });
writeFileSync(join(outDir, 'report.json'), renderJson(report));
writeFileSync(join(outDir, 'report.md'), renderMarkdown(report));
writeFileSync(join(outDir, 'log.txt'), logger.lines.join('\n'));
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
process.exit(0);
