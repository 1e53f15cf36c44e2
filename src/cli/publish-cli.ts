/**
 * `stagegate --mode publish --report-file FILE`: the publish mode from a terminal. Without a token it
 * prints the comment body it would post (a dry run: what the workflow_run job would write); with
 * GITHUB_TOKEN, GITHUB_REPOSITORY and --pull-request-number it posts it as the action does.
 * Exit status: 0 printed or posted, 1 not posted, 2 bad flags or a refused report.
 */
import { resolve } from 'node:path';
import { DEFAULT_COMMENT_KEY } from '../gate/options/option-values.js';
import type { GateSettings } from '../gate/settings.js';
import { readEventContext } from '../github/event-context.js';
import type { GitHubApi } from '../github/github-api.js';
import { publishComment } from '../github/publish-comment.js';
import { renderCommentMarkdown } from '../github/report-markdown.js';
import { stickyBody } from '../github/sticky-comment.js';
import type { GateLogger } from '../kit/gate-logger.js';
import { trendAgainstBaseline } from '../report/baseline.js';
import { neutralizeWorkflowCommands } from '../report/escape.js';
import type { GateReport } from '../report/model.js';
import { publishReport } from '../report/publish-report.js';
import { secretsFromEnv } from '../report/redact.js';
import { readReportFile, ReportFileError } from '../report/report-file.js';
import { describeTrend } from '../report/trend-renderer.js';

export interface PublishCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Builds the REST client when posting (the entry passes the Octokit one). */
  createGitHubApi?(token: string, baseUrl: string): GitHubApi;
}

export async function publishFromCli(
  settings: GateSettings,
  commentKey: string | undefined,
  io: PublishCliIo,
  logger: GateLogger,
): Promise<number> {
  const source = settings.reportFile ?? '';
  let report: GateReport;
  try {
    report = await readReportFile(resolve(source), { source });
  } catch (error) {
    if (!(error instanceof ReportFileError)) throw error;
    io.stderr.write(`stagegate: report-file refused: ${error.message}\n`);
    return 2;
  }
  const token = io.env['GITHUB_TOKEN'] ?? '';
  report = await publishReport(report, { secrets: [token, ...secretsFromEnv(io.env)], logger });
  const baseline = settings.baselineReport ? resolve(settings.baselineReport) : undefined;
  const trend = await trendAgainstBaseline(baseline, report, { p95Factor: settings.regressionP95Factor });
  if (trend) logger.info(`trend: ${describeTrend(trend, report.language)}`);

  const context = readEventContext(io.env);
  const key = commentKey || context.job || DEFAULT_COMMENT_KEY;
  const markdown = renderCommentMarkdown(report, key, trend);
  const pr = settings.pullRequestNumber;
  if (!token) {
    io.stdout.write(neutralizeWorkflowCommands(stickyBody(key, markdown)));
    logger.info(
      `dry run: GITHUB_TOKEN is not set, so nothing was posted; above is the comment body${pr ? ` for #${pr}` : ''}`,
    );
    return 0;
  }
  if (pr === undefined || !context.repo || !io.createGitHubApi) {
    const missing = [
      pr === undefined ? '--pull-request-number' : '',
      context.repo ? '' : 'GITHUB_REPOSITORY (owner/repo)',
      io.createGitHubApi ? '' : 'a GitHub client',
    ].filter(Boolean);
    io.stderr.write(`stagegate: to post (GITHUB_TOKEN is set) also give ${missing.join(' and ')}.\n`);
    return 2;
  }
  const api = io.createGitHubApi(token, context.apiUrl);
  const target = {
    repo: context.repo,
    issueNumber: pr,
    key,
    ...(settings.headSha ? { headSha: settings.headSha } : {}),
  };
  const outcome = await publishComment(api, target, markdown, logger);
  if (outcome.action === 'skipped') return 1;
  io.stdout.write(`${outcome.action}: ${outcome.url}\n`);
  return 0;
}
