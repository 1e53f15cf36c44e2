/**
 * The action in publish mode: the `workflow_run` half of the set-up for pull requests from forks. It
 * boots nothing and runs no code of the pull request: it reads the JSON report an earlier gate run
 * wrote (untrusted: checked by report-file.ts), scrubs this job's secrets from it, compares it with the
 * baseline, and writes the summary and the sticky comment exactly as the gate run does. The step fails
 * when the report is refused or the comment could not be posted (that is its one job), never because
 * of the report's verdict: the gate run's own check carries that.
 */
import { resolve } from 'node:path';
import { kebabOf, SettingsError, type GitHubOptionName } from '../gate/settings.js';
import { publishComment } from '../github/publish-comment.js';
import { renderCommentMarkdown, renderSummaryMarkdown } from '../github/report-markdown.js';
import type { StickyOutcome } from '../github/sticky-comment.js';
import type { GateReport } from '../report/model.js';
import { publishReport } from '../report/publish-report.js';
import { readReportFile, ReportFileError } from '../report/report-file.js';
import type { ExitDecision } from '../report/verdict.js';
import type { ActionInputs } from './inputs.js';
import { commentKeyFor, setOutputs, trendFor, writeSummary } from './report-delivery.js';
import type { ActionDeps, ActionResult } from './run-action.js';

/** The published report, or a SettingsError naming report-file and saying why it was refused. */
async function readPublishedReport(path: string, shownAs: string): Promise<GateReport> {
  try {
    return await readReportFile(path, { source: shownAs });
  } catch (error) {
    if (error instanceof ReportFileError)
      throw new SettingsError(`report-file refused: ${error.message}`, 'report-file');
    throw error;
  }
}

const TOKEN_INPUT = kebabOf('githubToken' satisfies GitHubOptionName);

function requireForComment(inputs: ActionInputs): number {
  const number = inputs.settings.pullRequestNumber;
  if (number === undefined)
    throw new SettingsError(
      'Invalid pull-request-number: required when mode is publish (the pull request the report belongs to), unless pr-comment is false.',
      'pull-request-number',
    );
  if (!inputs.githubToken)
    throw new SettingsError(
      `Invalid ${TOKEN_INPUT}: required when mode is publish (a token with pull-requests: write).`,
      TOKEN_INPUT,
    );
  return number;
}

export async function runPublish(
  deps: ActionDeps,
  inputs: ActionInputs,
  secrets: readonly string[],
): Promise<ActionResult> {
  const { logger, context } = deps;
  const { settings } = inputs;
  // Bad inputs fail before the report is even read.
  const issueNumber = inputs.prComment ? requireForComment(inputs) : undefined;
  const shownAs = settings.reportFile ?? '';
  const published = await readPublishedReport(resolve(deps.cwd, shownAs), shownAs);
  const report = await publishReport(published, { secrets, logger });
  logger.info(
    `publish: ${shownAs} is a stagegate report (format ${report.version}, verdict ${report.verdict}, ${report.checks.length} checks)`,
  );
  const trend = await trendFor(settings, report, { cwd: deps.cwd, logger });
  await writeSummary(deps.summary, renderSummaryMarkdown(report, trend), logger);

  const key = commentKeyFor(inputs, context);
  const markdown = renderCommentMarkdown(report, key, trend);
  let comment: StickyOutcome | undefined;
  if (issueNumber !== undefined) {
    if (!context.repo) {
      comment = { action: 'skipped', reason: 'PR comment not posted: GITHUB_REPOSITORY is not set.' };
      logger.warn(comment.reason);
    } else {
      const api = deps.createGitHubApi(inputs.githubToken, context.apiUrl);
      const target = {
        repo: context.repo,
        issueNumber,
        key,
        ...(settings.headSha ? { headSha: settings.headSha } : {}),
      };
      comment = await publishComment(api, target, markdown, logger);
    }
  } else logger.info('PR comment: off (pr-comment: false)');
  setOutputs(deps.outputs, report, { markdown, comment });

  const exit: ExitDecision =
    comment?.action === 'skipped'
      ? { failed: true, exitCode: 1, message: comment.reason }
      : {
          failed: false,
          exitCode: 0,
          message: `report published${issueNumber !== undefined ? ` to #${issueNumber}` : ''} (its verdict: ${report.verdict}; the gate run's own check carries it)`,
        };
  logger.info(`${exit.failed ? 'step fails' : 'step passes'}: ${exit.message}`);
  return { exit, report, comment };
}
