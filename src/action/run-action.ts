/**
 * The action's main step, behind injected ports so tests run it whole: inputs → driver → runGate →
 * publishReport (redacted; the JSON file) → job summary with the trend against a baseline, sticky PR
 * comment, outputs → the exit decision. In publish mode it hands over to runPublish instead. It never calls
 * core.setFailed itself: it returns the decision, or throws a SettingsError for bad inputs, and the
 * entry (main.ts) turns either into the step's result.
 */
import { resolve } from 'node:path';
import { driverChoiceFor } from '../gate/driver-choice.js';
import { preflight } from '../gate/preflight.js';
import { teardownReserveMs } from '../gate/run-bounds.js';
import { runGate } from '../gate/run-gate.js';
import type { EventContext } from '../github/event-context.js';
import type { GitHubApi } from '../github/github-api.js';
import type { Logger, OutputSink, StateStore, SummarySink } from '../github/ports.js';
import { findPullRequestNumber } from '../github/pull-request.js';
import { renderCommentMarkdown, renderSummaryMarkdown } from '../github/report-markdown.js';
import { upsertStickyComment, type StickyOutcome } from '../github/sticky-comment.js';
import type { GateReport } from '../report/model.js';
import { publishReport } from '../report/publish-report.js';
import { MIN_SECRET_LENGTH, secretsFromEnv } from '../report/redact.js';
import { decideExit, type ExitDecision } from '../report/verdict.js';
import type { DriverChoice } from '../stage/create-driver.js';
import type { StageDriver } from '../stage/driver.js';
import type { ActionInputs } from './inputs.js';
import { commentKeyFor, setOutputs, trendFor, writeSummary } from './report-delivery.js';
import { runPublish } from './run-publish.js';
import { markTornDown, saveStageState } from './state.js';

export interface ActionDeps {
  /** Reads and validates the inputs; throws a SettingsError naming a bad one. */
  readInputs(): ActionInputs;
  logger: Logger;
  summary: SummarySink;
  outputs: OutputSink;
  state: StateStore;
  createDriver(choice: DriverChoice): StageDriver;
  createGitHubApi(token: string, baseUrl: string): GitHubApi;
  context: EventContext;
  /** The step's environment: secret-looking values in it are scrubbed from every report. */
  env: NodeJS.ProcessEnv;
  /** Masks a value in the runner's log (core.setSecret). */
  maskSecret(value: string): void;
  /** Where relative paths (compose file, log dir, JSON report) are resolved from. */
  cwd: string;
  /** Cancellation of the workflow (SIGINT/SIGTERM from the runner). */
  signal?: AbortSignal;
  /** Extra environment for the stage (tests). */
  stageEnv?: Record<string, string>;
}

export interface ActionResult {
  exit: ExitDecision;
  report: GateReport;
  comment: StickyOutcome | undefined;
}

export async function runAction(deps: ActionDeps): Promise<ActionResult> {
  const { logger } = deps;
  const inputs = deps.readInputs();
  const secrets = [inputs.githubToken, ...secretsFromEnv(deps.env)];
  // The report is redacted; the run's log (which prints the tails of the stage's logs when something
  // fails) is masked by the runner, for every secret it is told about.
  for (const secret of secrets) if (secret.trim().length >= MIN_SECRET_LENGTH) deps.maskSecret(secret);
  // Publish mode boots nothing: it posts a report an earlier gate run wrote (forks' pull requests).
  if (inputs.settings.mode === 'publish') return runPublish(deps, inputs, secrets);

  const logDir = inputs.settings.logDir ? resolve(deps.cwd, inputs.settings.logDir) : undefined;
  const jsonReport = inputs.settings.jsonReport ? resolve(deps.cwd, inputs.settings.jsonReport) : undefined;
  const settings = { ...inputs.settings, logDir, jsonReport };

  // Bad options against the world (a missing compose file, an unreachable base URL) fail before any boot.
  await preflight(settings, { cwd: deps.cwd });

  const choice = driverChoiceFor(settings, {
    cwd: deps.cwd,
    log: (text) => logger.info(text.replace(/\n+$/, '')),
  });
  saveStageState(deps.state, {
    choice,
    logDir,
    teardownTimeoutMs: teardownReserveMs(settings.globalDeadlineSeconds * 1000),
  });
  const driver = deps.createDriver(choice);
  const rawReport = await runGate(settings, {
    driver,
    logger,
    skipPreflight: true,
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.stageEnv ? { stageEnv: deps.stageEnv } : {}),
  });
  if (!settings.keepStage) markTornDown(deps.state);

  const { report, comment } = await logger.group('publish', () =>
    publish(deps, inputs, rawReport, { secrets, jsonReport, logDir }),
  );

  const exit = decideExit(report, settings.failOn);
  logger.info(`${exit.failed ? 'step fails' : 'step passes'}: ${exit.message} (fail-on ${settings.failOn})`);
  return { exit, report, comment };
}

/**
 * The report, redacted, and its outputs: the JSON file, the job summary with the trend, the sticky PR
 * comment, outputs.
 */
async function publish(
  deps: ActionDeps,
  inputs: ActionInputs,
  rawReport: GateReport,
  options: { secrets: readonly string[]; jsonReport: string | undefined; logDir: string | undefined },
): Promise<{ report: GateReport; comment: StickyOutcome | undefined }> {
  const { logger } = deps;
  const { secrets, jsonReport, logDir } = options;
  const report = await publishReport(rawReport, { secrets, jsonPath: jsonReport, logger });
  const trend = await trendFor(inputs.settings, report, { cwd: deps.cwd, logger });

  await writeSummary(deps.summary, renderSummaryMarkdown(report, trend), logger);

  const commentKey = commentKeyFor(inputs, deps.context);
  const commentMarkdown = renderCommentMarkdown(report, commentKey, trend);
  const comment = inputs.prComment ? await postComment(deps, inputs, commentKey, commentMarkdown) : undefined;
  if (!inputs.prComment) logger.info('PR comment: off (pr-comment: false)');
  setOutputs(deps.outputs, report, { jsonReport, logDir, markdown: commentMarkdown, comment });
  return { report, comment };
}

async function postComment(
  deps: ActionDeps,
  inputs: ActionInputs,
  key: string,
  markdown: string,
): Promise<StickyOutcome | undefined> {
  const { logger, context } = deps;
  if (!inputs.githubToken) {
    logger.warn('PR comment skipped: github-token is empty. The job summary and the verdict still stand.');
    return undefined;
  }
  if (!context.repo) {
    logger.debug('PR comment skipped: GITHUB_REPOSITORY is not set (not on a runner?)');
    return undefined;
  }
  const api = deps.createGitHubApi(inputs.githubToken, context.apiUrl);
  const issueNumber = await findPullRequestNumber(context, api, logger);
  if (issueNumber === undefined) {
    logger.info(`PR comment skipped: no open pull request for this ${context.eventName || 'run'}`);
    return undefined;
  }
  return upsertStickyComment(api, { repo: context.repo, issueNumber, key }, markdown, logger);
}
