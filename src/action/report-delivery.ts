/**
 * What the gate run and the publish run do alike with a report: compare it with the baseline, write
 * the job summary, choose the sticky comment's key, and set the step's outputs.
 */
import { resolve } from 'node:path';
import { DEFAULT_COMMENT_KEY } from '../gate/options/option-values.js';
import type { GateSettings } from '../gate/settings.js';
import type { EventContext } from '../github/event-context.js';
import type { Logger, OutputSink, SummarySink } from '../github/ports.js';
import type { StickyOutcome } from '../github/sticky-comment.js';
import { trendAgainstBaseline } from '../report/baseline.js';
import { CHECK_IDS, type GateReport } from '../report/model.js';
import type { TrendResult } from '../report/trend.js';
import { describeTrend } from '../report/trend-renderer.js';
import { OUTPUTS } from './constants.js';
import type { ActionInputs } from './inputs.js';

/** The comparison with `baseline-report` (resolved from `cwd`), logged in one line; none when unset. */
export async function trendFor(
  settings: GateSettings,
  report: GateReport,
  env: { cwd: string; logger: Logger },
): Promise<TrendResult | undefined> {
  const path = settings.baselineReport ? resolve(env.cwd, settings.baselineReport) : undefined;
  const trend = await trendAgainstBaseline(path, report, { p95Factor: settings.regressionP95Factor });
  if (trend) env.logger.info(`trend: ${describeTrend(trend, report.language)}`);
  return trend;
}

export async function writeSummary(summary: SummarySink, markdown: string, logger: Logger): Promise<void> {
  try {
    if (await summary.write(markdown)) logger.info('report: job summary written');
  } catch (error) {
    logger.warn(`could not write the job summary: ${(error as Error).message}`);
  }
}

export function commentKeyFor(inputs: ActionInputs, context: EventContext): string {
  return inputs.commentKey || context.job || DEFAULT_COMMENT_KEY;
}

export function setOutputs(
  outputs: OutputSink,
  report: GateReport,
  extra: { jsonReport?: string; logDir?: string; markdown: string; comment: StickyOutcome | undefined },
): void {
  outputs.set(OUTPUTS.verdict, report.verdict);
  outputs.set(OUTPUTS.worst, report.worst);
  outputs.set(OUTPUTS.bootFailed, String(report.verdict === 'boot-failed'));
  const statuses: Record<string, string> = {};
  for (const id of CHECK_IDS) {
    const status = report.checks.find((c) => c.id === id)?.status ?? 'skipped';
    statuses[id] = status;
    outputs.set(id, status);
  }
  outputs.set(OUTPUTS.checks, JSON.stringify(statuses));
  outputs.set(OUTPUTS.reportJson, extra.jsonReport ?? '');
  outputs.set(OUTPUTS.logDir, extra.logDir ?? '');
  outputs.set(OUTPUTS.markdown, extra.markdown);
  outputs.set(OUTPUTS.commentUrl, extra.comment && 'url' in extra.comment ? extra.comment.url : '');
}
