/**
 * The CLI's whole behaviour behind injectable streams and driver factory, so tests run it in-process:
 * parse flags → settings → driver → runGate → publishReport (redacted; the --json file) → report on
 * stdout → exit code per fail-on. Bad flags end with one line naming the flag and exit status 2; never
 * a stack trace. A terminal has no runner masking secrets: the report and every log line are scrubbed
 * of the secret-looking values of the environment before they are printed.
 */
import { resolve } from 'node:path';
import { runGate } from '../gate/run-gate.js';
import { parseGateSettings, parseGitHubOptions, SettingsError, type GateSettings } from '../gate/settings.js';
import type { GitHubApi } from '../github/github-api.js';
import { createScrubbingLogger, type GateLogger } from '../kit/gate-logger.js';
import { trendAgainstBaseline } from '../report/baseline.js';
import { neutralizeWorkflowCommands } from '../report/escape.js';
import { publishReport } from '../report/publish-report.js';
import { createRedactor, secretsFromEnv } from '../report/redact.js';
import { renderTerminal } from '../report/terminal-renderer.js';
import { describeTrend, renderTrendTerminal } from '../report/trend-renderer.js';
import { decideExit } from '../report/verdict.js';
import type { StageDriver } from '../stage/driver.js';
import { renderHelp } from './help.js';
import { CliUsageError, parseArgs } from './parse-args.js';
import { publishFromCli } from './publish-cli.js';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Builds the driver for the settings (the entry passes the real factory). */
  createDriver(settings: GateSettings, log: (text: string) => void): StageDriver;
  /** Builds the REST client for --mode publish with a token (the entry passes the Octokit one). */
  createGitHubApi?(token: string, baseUrl: string): GitHubApi;
  /** Extra environment for the stage (tests). */
  stageEnv?: Record<string, string>;
  signal?: AbortSignal;
  now?: () => number;
}

function createStderrLogger(io: CliIo, verbose: boolean): GateLogger {
  const now = io.now ?? (() => performance.now());
  const started = now();
  const line = (mark: string, message: string) =>
    // Messages may quote the stage; in a workflow, none of it may run as a workflow command.
    io.stderr.write(
      `[${((now() - started) / 1000).toFixed(1).padStart(5)}s] ${mark}${neutralizeWorkflowCommands(message)}\n`,
    );
  return {
    info: (message) => line('', message),
    warn: (message) => line('warning: ', message),
    debug: (message) => {
      if (verbose) line('debug: ', message);
    },
    // A terminal does not fold: the phase gets a header line and its lines follow as they come.
    group: (title, body) => {
      line('▸ ', title);
      return body();
    },
  };
}

/** Runs the CLI; resolves to the process exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const secrets = secretsFromEnv(io.env);
  const scrub = createRedactor(secrets);
  let settings: GateSettings;
  let verbose = false;
  let color: boolean | undefined;
  let commentKey: string | undefined;
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout.write(renderHelp());
      return 0;
    }
    verbose = args.verbose;
    color = args.color;
    settings = parseGateSettings(args.settings);
    commentKey = parseGitHubOptions(args.github).commentKey;
  } catch (error) {
    return usageFailure(error, io, scrub);
  }
  const logger = createScrubbingLogger(createStderrLogger(io, verbose), scrub);
  try {
    if (settings.mode === 'publish') return await publishFromCli(settings, commentKey, io, logger);
    const driver = io.createDriver(settings, (text) => logger.info(text.replace(/\n+$/, '')));
    const rawReport = await runGate(settings, {
      driver,
      logger,
      ...(io.stageEnv ? { stageEnv: io.stageEnv } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    const report = await publishReport(rawReport, { secrets, jsonPath: settings.jsonReport, logger });
    const useColor = color ?? (Boolean(io.stdout.isTTY) && !io.env.NO_COLOR);
    io.stdout.write(`\n${neutralizeWorkflowCommands(renderTerminal(report, { color: useColor }))}\n`);
    const baseline = settings.baselineReport ? resolve(settings.baselineReport) : undefined;
    const trend = await trendAgainstBaseline(baseline, report, { p95Factor: settings.regressionP95Factor });
    if (trend) {
      io.stdout.write(
        `${neutralizeWorkflowCommands(renderTrendTerminal(trend, report.language, useColor))}\n`,
      );
      logger.info(`trend: ${describeTrend(trend, report.language)}`);
    }
    const exit = decideExit(report, settings.failOn);
    logger.info(`exit ${exit.exitCode}: ${exit.message}`);
    return exit.exitCode;
  } catch (error) {
    if (error instanceof SettingsError || error instanceof CliUsageError)
      return usageFailure(error, io, scrub);
    io.stderr.write(scrub(`stagegate: unexpected error: ${(error as Error)?.message ?? String(error)}\n`));
    if (verbose && error instanceof Error && error.stack) io.stderr.write(scrub(`${error.stack}\n`));
    return 1;
  }
}

function usageFailure(error: unknown, io: CliIo, scrub: (text: string) => string): number {
  if (error instanceof SettingsError || error instanceof CliUsageError) {
    io.stderr.write(scrub(`stagegate: ${error.message}\n`));
    return 2;
  }
  io.stderr.write(scrub(`stagegate: unexpected error: ${(error as Error)?.message ?? String(error)}\n`));
  return 1;
}
