/**
 * The gate's algorithm, the same for the action, the CLI and the tests: check the options against the
 * world, boot the stage, run the selected checks in order, always tear down (unless asked to keep the
 * stage), and return the report. Nothing else: the callers redact, write and render it (publishReport)
 * and decide the exit (decideExit). A stage that booted only in part (some replicas unhealthy) is still
 * checked when its gateway serves: stage-up fails, the other checks say what the stage does. Everything
 * is bounded by one global deadline (run-bounds.ts).
 */
import { randomInt } from 'node:crypto';
import { CHECKS, type Check } from '../checks/index.js';
import {
  createGateHttpClient,
  type GateHttpClient,
  type HttpClientOptions,
} from '../http/gate-http-client.js';
import { silentLogger, type GateLogger } from '../kit/gate-logger.js';
import { localize } from '../report/language.js';
import {
  REPORT_FORMAT_VERSION,
  type AskAccount,
  type CheckId,
  type CheckResult,
  type GateReport,
  type ServiceLogTails,
} from '../report/model.js';
import { decideVerdict, worstStatus } from '../report/verdict.js';
import type { BootResult, StageDriver } from '../stage/driver.js';
import { systemClock, type Clock } from './clock.js';
import { preflight } from './preflight.js';
import { startRunBounds } from './run-bounds.js';
import {
  collectServiceLogTails,
  SERVICE_LOG_TAIL_LINES,
  SERVICE_LOG_TAILS_TIMEOUT_MS,
} from './service-logs.js';
import type { GateSettings } from './settings.js';
import { bootStage } from './steps/boot-stage.js';
import { checkOptionsOf, runChecks } from './steps/run-checks.js';
import { tearDown } from './steps/tear-down.js';

export interface GateDeps {
  driver: StageDriver;
  logger?: GateLogger;
  clock?: Clock;
  /** Cancellation from outside (Ctrl-C, a cancelled workflow): handled like the deadline. */
  signal?: AbortSignal;
  /** Extra environment for the stage's processes (tests use it to break a stage on purpose). */
  stageEnv?: Record<string, string>;
  /** Replace single checks (tests). */
  checks?: Partial<Record<CheckId, Check>>;
  createHttpClient?: (options: HttpClientOptions) => GateHttpClient;
  /** Skip the preflight (when the caller already ran it). */
  skipPreflight?: boolean;
  runToken?: string;
}

/** The least time for reading the services' log tails, even when the deadline has passed. */
const TAILS_MIN_MS = 2000;

/** A short token unique to this run. It starts with a digit, so it can never read as a fund ticker. */
export function newRunToken(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  let token = String(randomInt(2, 10));
  for (let index = 0; index < 7; index++) token += alphabet[randomInt(alphabet.length)];
  return token;
}

export async function runGate(settings: GateSettings, deps: GateDeps): Promise<GateReport> {
  const { driver } = deps;
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const createHttpClient = deps.createHttpClient ?? createGateHttpClient;
  const say = localize(settings.language);
  const baseUrl = settings.baseUrl ?? '';
  if (!deps.skipPreflight) await preflight(settings);

  const started = clock.now();
  const startedAt = clock.date().toISOString();
  const phases: GateReport['phases'] = [];
  const bounds = startRunBounds({
    deadlineSeconds: settings.globalDeadlineSeconds,
    ...(deps.signal ? { cancel: deps.signal } : {}),
    clock,
    say,
  });
  let boot: BootResult = { ok: false, reason: 'not booted', services: [], durationMs: 0 };
  // Booted, or partly booted with a gateway that serves: the checks run (stage-up says what is missing).
  let stageServes = false;
  let results: CheckResult[] = [];
  let asks: AskAccount | undefined;
  let serviceLogs: ServiceLogTails | undefined;
  try {
    const bootStarted = clock.now();
    boot = await logger.group('boot', () =>
      bootStage({
        driver,
        replicas: settings.replicas,
        narratorMaxConcurrency: settings.narratorMaxConcurrency,
        bootTimeoutSeconds: settings.bootTimeoutSeconds,
        baseUrl,
        stageEnv: deps.stageEnv,
        createHttpClient,
        bounds,
        logger,
        say,
      }),
    );
    phases.push({ name: 'boot', durationMs: clock.now() - bootStarted });
    stageServes = boot.ok || boot.partial === true;

    const checked = await runChecks({
      checks: { ...CHECKS, ...deps.checks },
      selected: settings.checks,
      options: checkOptionsOf(settings),
      driver,
      boot,
      stageServes,
      baseUrl,
      createHttpClient,
      runToken: deps.runToken ?? newRunToken(),
      errorBudget: settings.errorBudget,
      bounds,
      logger,
      clock,
      say,
    });
    results = checked.results;
    asks = checked.asks;
    phases.push(...checked.phases);

    // The newest lines of every service's log, when something did not pass (before the teardown
    // removes them; the whole logs go to the log dir at teardown). Bounded by what is left of the
    // checks' share of the deadline, and never more than a moment once it has passed.
    if (results.some((result) => result.status === 'fail' || result.status === 'warn') || !boot.ok) {
      const timeoutMs = Math.min(Math.max(TAILS_MIN_MS, bounds.msLeft()), SERVICE_LOG_TAILS_TIMEOUT_MS);
      // The services the boot saw: no second `ps` (or probe of an external stage) for their names.
      const services = boot.services.map((row) => row.service);
      serviceLogs = await logger.group(
        `service logs (last ${SERVICE_LOG_TAIL_LINES} lines per service)`,
        () => collectServiceLogTails(driver, logger, { timeoutMs, services }),
      );
    }
  } finally {
    bounds.release();
    const teardownMs = await tearDown({
      driver,
      keepStage: settings.keepStage,
      logDir: settings.logDir,
      reserveMs: bounds.teardownReserveMs,
      logger,
      clock,
    });
    if (teardownMs !== undefined) phases.push({ name: 'teardown', durationMs: teardownMs });
  }

  return {
    version: REPORT_FORMAT_VERSION,
    verdict: decideVerdict(results, stageServes, settings.failOn, asks),
    worst: worstStatus(results.map((result) => result.status)),
    checks: results,
    stage: {
      driver: driver.kind,
      baseUrl: driver.baseUrl || baseUrl,
      replicas: settings.replicas,
      narratorMaxConcurrency: settings.narratorMaxConcurrency,
    },
    startedAt,
    durationMs: clock.now() - started,
    phases,
    language: settings.language,
    ...(serviceLogs ? { serviceLogs } : {}),
    ...(asks ? { asks } : {}),
  };
}
