/**
 * The one step between a report and anything that shows it: redact, then write the JSON file (when
 * asked), then hand the redacted report to the renderers (the caller's: markdown for the action, the
 * terminal for the CLI). The action and the CLI both go through it, for a fresh report and for a
 * published one alike, so no path shows a report that was not scrubbed of the run's secrets.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GateLogger } from '../kit/gate-logger.js';
import { renderJson } from './json-renderer.js';
import type { GateReport } from './model.js';
import { redactReport } from './redact.js';

export interface PublishReportOptions {
  /**
   * The values to scrub (besides anything shaped like a GitHub token): the caller's known secrets and
   * the secret-looking values of its environment (`secretsFromEnv`).
   */
  secrets: readonly string[];
  /** Where the JSON report is written (the `json-report` option, `--json`); nothing is written when unset. */
  jsonPath?: string | undefined;
  logger: GateLogger;
}

/** The redacted report, for the renderers; the JSON file, when asked for, holds the same. */
export async function publishReport(report: GateReport, options: PublishReportOptions): Promise<GateReport> {
  const redacted = redactReport(report, options.secrets);
  if (options.jsonPath) await writeJsonReport(options.jsonPath, redacted, options.logger);
  return redacted;
}

/** Write the report model as JSON; a failure is logged, not fatal (the report is still rendered). */
async function writeJsonReport(path: string, report: GateReport, logger: GateLogger): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, renderJson(report), 'utf8');
    logger.info(`report: JSON written to ${path}`);
  } catch (error) {
    logger.warn(`could not write the JSON report to ${path}: ${(error as Error).message}`);
  }
}
