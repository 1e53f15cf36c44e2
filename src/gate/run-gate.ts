/**
 * The gate's algorithm, the same for the action, the CLI and the tests: check the options against the
 * world, boot the stage, run the selected checks in order, always tear down (unless asked to keep the
 * stage), and return the report. A stage that booted only in part (some replicas unhealthy) is still
 * checked when its gateway serves: stage-up fails, the other checks say what the stage does. Everything
 * is bounded by one global deadline: the boot and the checks get the deadline minus a reserve, and the
 * teardown gets the reserve.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { CHECKS, type Check, type CheckContext } from '../checks/index.js';
import { worstStatus } from '../checks/check-context.js';
import { localize, type Say } from '../checks/localize.js';
import { ROUTES } from '../contract/index.js';
import { fireBurst } from '../http/burst.js';
import {
  createGateHttpClient,
  type GateHttpClient,
  type HttpClientOptions,
} from '../http/gate-http-client.js';
import { formatSeconds } from '../kit/duration.js';
import { describeRequestFailure, isSuccess, type HttpExchange } from '../http/http-exchange.js';
import { renderJson } from '../report/json-renderer.js';
import {
  CHECK_IDS,
  REPORT_FORMAT_VERSION,
  type CheckId,
  type CheckResult,
  type GateReport,
  type ServiceLogTails,
  type Verdict,
} from '../report/model.js';
import type { BootResult, StageDriver } from '../stage/driver.js';
import { systemClock, type Clock } from './clock.js';
import { silentLogger, type GateLogger } from './logger.js';
import { preflight } from './preflight.js';
import {
  collectServiceLogTails,
  SERVICE_LOG_TAIL_LINES,
  SERVICE_LOG_TAILS_TIMEOUT_MS,
} from './service-logs.js';
import type { FailPolicy, GateSettings } from './settings.js';

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
/** How long a check cut off by the deadline may take to report what it saw. */
const ABORT_GRACE_MS = 2000;
/** Bound of the one `GET /healthz` that decides whether a partly booted stage is checked anyway. */
export const PARTIAL_BOOT_PROBE_MS = 3000;

/** Stands in for the HTTP client when the stage never booted (only stage-up runs then, without HTTP). */
const notBootedClient: GateHttpClient = {
  baseUrl: '',
  timeoutMs: 0,
  get: async (path) => notBootedExchange('GET', path),
  postJson: async (path) => notBootedExchange('POST', path),
  close: async () => undefined,
};

function notBootedExchange(method: string, path: string): HttpExchange {
  const exchange: HttpExchange = {
    method,
    path,
    headers: {},
    body: '',
    bodyTruncated: false,
    error: 'the stage was not booted',
    timedOut: false,
    startedAtMs: 0,
    durationMs: 0,
  };
  return exchange;
}

const STATUS_ICON = { pass: '✅', warn: '⚠️', fail: '❌', skipped: '⏭️' } as const;

/** Time kept for the teardown out of the global deadline. */
export function teardownReserveMs(globalDeadlineMs: number): number {
  return Math.round(Math.min(60_000, Math.max(5_000, globalDeadlineMs * 0.15)));
}

/** A short token unique to this run. It starts with a digit, so it can never read as a fund ticker. */
export function newRunToken(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  let token = String(randomInt(2, 10));
  for (let index = 0; index < 7; index++) token += alphabet[randomInt(alphabet.length)];
  return token;
}

/**
 * `boot-failed` when nothing could be checked (the stage never came up, and no gateway served);
 * `not-ready` on any ❌ (or ⚠️ under fail-on warn). A partly booted stage whose gateway serves was
 * checked: its verdict comes from the checks (stage-up ❌ among them).
 */
export function decideVerdict(checks: CheckResult[], stageChecked: boolean, failOn: FailPolicy): Verdict {
  if (!stageChecked) return 'boot-failed';
  if (checks.some((check) => check.status === 'fail')) return 'not-ready';
  if (failOn === 'warn' && checks.some((check) => check.status === 'warn')) return 'not-ready';
  return 'ready';
}

export interface ExitDecision {
  /** Whether the step (or the CLI) should fail. */
  failed: boolean;
  exitCode: 0 | 1;
  message: string;
}

/** Whether the step fails under the fail policy; pure, for the action and the CLI alike. */
export function decideExit(report: GateReport, failOn: FailPolicy): ExitDecision {
  const failedChecks = report.checks.filter((check) => check.status === 'fail').map((check) => check.id);
  const warnedChecks = report.checks.filter((check) => check.status === 'warn').map((check) => check.id);
  if (failOn === 'never')
    return { failed: false, exitCode: 0, message: `verdict ${report.verdict} (fail-on never)` };
  if (report.verdict === 'boot-failed')
    return { failed: true, exitCode: 1, message: 'the stage could not be booted' };
  if (failedChecks.length > 0)
    return { failed: true, exitCode: 1, message: `failed checks: ${failedChecks.join(', ')}` };
  if (failOn === 'warn' && warnedChecks.length > 0)
    return {
      failed: true,
      exitCode: 1,
      message: `degraded checks (fail-on warn): ${warnedChecks.join(', ')}`,
    };
  return { failed: false, exitCode: 0, message: `verdict ${report.verdict}` };
}

/** Resolves when `signal` aborts (never rejects), so it can be raced against work that ignores it. */
function whenAborted(signal: AbortSignal): Promise<'aborted'> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
}

function sleep(ms: number): Promise<'timeout'> & { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  }) as Promise<'timeout'> & { cancel(): void };
  promise.cancel = () => clearTimeout(timer);
  return promise;
}

export async function runGate(settings: GateSettings, deps: GateDeps): Promise<GateReport> {
  const { driver } = deps;
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const say = localize(settings.language);
  const runToken = deps.runToken ?? newRunToken();
  const checks = { ...CHECKS, ...deps.checks };
  if (!deps.skipPreflight) await preflight(settings);

  const started = clock.now();
  const startedAt = clock.date().toISOString();
  const phases: GateReport['phases'] = [];
  const results: CheckResult[] = [];
  const deadlineMs = settings.globalDeadlineSeconds * 1000;
  const reserveMs = teardownReserveMs(deadlineMs);

  // The run's signal: the deadline minus the teardown reserve, or a cancellation from outside.
  const run = new AbortController();
  // Every request in flight listens to this signal; bursts of hundreds are expected, not a leak.
  setMaxListeners(0, run.signal);
  const deadlineTimer = setTimeout(
    () =>
      run.abort(
        new Error(
          say(
            `prazo global de ${settings.globalDeadlineSeconds} s atingido`,
            `global deadline of ${settings.globalDeadlineSeconds} s reached`,
          ),
        ),
      ),
    deadlineMs - reserveMs,
  );
  // The reason is said in the report's language: requests cut off by it quote it.
  const onCancel = () => run.abort(new Error(say('execução cancelada', 'run cancelled')));
  if (deps.signal?.aborted) onCancel();
  else deps.signal?.addEventListener('abort', onCancel, { once: true });
  const stopReason = () =>
    deps.signal?.aborted
      ? say('execução cancelada', 'run cancelled')
      : say(
          `prazo global de ${settings.globalDeadlineSeconds} s atingido`,
          `global deadline of ${settings.globalDeadlineSeconds} s reached`,
        );

  let boot: BootResult = { ok: false, reason: 'not booted', services: [], durationMs: 0 };
  // Booted, or partly booted with a gateway that serves: the checks run (stage-up says what is missing).
  let stageServes = false;
  let http: GateHttpClient | undefined;
  let serviceLogs: ServiceLogTails | undefined;
  try {
    // ---- boot
    const bootStarted = clock.now();
    boot = await logger.group('boot', () => bootPhase());
    phases.push({ name: 'boot', durationMs: clock.now() - bootStarted });
    stageServes = boot.ok || boot.partial === true;

    if (stageServes) {
      const clientOptions: HttpClientOptions = {
        baseUrl: driver.baseUrl || settings.baseUrl || '',
        timeoutMs: settings.requestTimeoutSeconds * 1000,
        signal: run.signal,
      };
      http = (deps.createHttpClient ?? createGateHttpClient)(clientOptions);
    }

    // ---- checks, in order: each run in its own fold, its one-line result printed after it
    for (const id of CHECK_IDS) {
      const skip = skipReason(id);
      const result = skip === undefined ? await logger.group(`check ${id}`, () => runOneCheck(id)) : skip;
      results.push(result);
      if (result.status !== 'skipped' || settings.checks.includes(id))
        logger.info(`${STATUS_ICON[result.status]} ${id}: ${result.reason}`);
    }
    // ---- the newest lines of every service's log, when something did not pass (before the teardown
    // removes them; the whole logs go to the log dir at teardown). Bounded by what is left of the
    // checks' share of the deadline, and never more than a moment once it has passed.
    if (results.some((result) => result.status === 'fail' || result.status === 'warn') || !boot.ok) {
      const timeoutMs = Math.max(TAILS_MIN_MS, started + deadlineMs - reserveMs - clock.now());
      serviceLogs = await logger.group(
        `service logs (last ${SERVICE_LOG_TAIL_LINES} lines per service)`,
        () =>
          collectServiceLogTails(driver, logger, {
            timeoutMs: Math.min(timeoutMs, SERVICE_LOG_TAILS_TIMEOUT_MS),
            // The services the boot saw: no second `ps` (or probe of an external stage) for their names.
            services: boot.services.map((row) => row.service),
          }),
      );
    }
  } finally {
    clearTimeout(deadlineTimer);
    deps.signal?.removeEventListener('abort', onCancel);
    await http?.close().catch(() => undefined);
    // ---- teardown, always (unless asked to keep the stage), bounded by the reserve
    if (settings.keepStage) {
      logger.info(`keep-stage: the stage is left running${driver.baseUrl ? ` at ${driver.baseUrl}` : ''}`);
    } else {
      const teardownStarted = clock.now();
      await logger.group('teardown', async () => {
        logger.info(`teardown: stopping the stage${settings.logDir ? `, logs to ${settings.logDir}` : ''}`);
        const limit = sleep(reserveMs);
        const outcome = await Promise.race([
          driver.teardown({ logDir: settings.logDir, timeoutMs: reserveMs - 1000 }).then(
            () => 'done' as const,
            () => 'done' as const,
          ),
          limit,
        ]);
        limit.cancel();
        if (outcome === 'timeout') logger.warn(`teardown did not finish within ${formatSeconds(reserveMs)}`);
      });
      phases.push({ name: 'teardown', durationMs: clock.now() - teardownStarted });
    }
  }

  const report: GateReport = {
    version: REPORT_FORMAT_VERSION,
    verdict: decideVerdict(results, stageServes, settings.failOn),
    worst: worstStatus(results.map((result) => result.status)),
    checks: results,
    stage: {
      driver: driver.kind,
      baseUrl: driver.baseUrl || settings.baseUrl || '',
      replicas: settings.replicas,
      narratorMaxConcurrency: settings.narratorMaxConcurrency,
    },
    startedAt,
    durationMs: clock.now() - started,
    phases,
    language: settings.language,
    ...(serviceLogs ? { serviceLogs } : {}),
  };
  if (settings.jsonReport) await writeJsonReport(settings.jsonReport, report, logger);
  return report;

  /** Boots the stage and, when it came up only in part, decides whether the gateway serves anyway. */
  async function bootPhase(): Promise<BootResult> {
    logger.info(
      `boot: ${driver.kind} stage, ${settings.replicas} api replicas, narrator limit ${settings.narratorMaxConcurrency}, up to ${settings.bootTimeoutSeconds} s`,
    );
    let booted = await bootBounded(driver, settings, deps.stageEnv, run.signal, stopReason);
    if (booted.ok)
      logger.info(`boot: stage up at ${driver.baseUrl} in ${formatSeconds(Math.round(booted.durationMs))}`);
    else logger.warn(`boot failed: ${booted.reason ?? 'unknown reason'}`);
    if (!booted.ok && booted.partial) {
      const probe = await probeGateway(
        driver.baseUrl || settings.baseUrl || '',
        run.signal,
        deps.createHttpClient,
        say,
      );
      if (probe.serves)
        logger.info(`boot: partly booted, but the gateway answers (${probe.detail}): running the checks`);
      else {
        logger.warn(`boot: partly booted, and the gateway does not serve (${probe.detail})`);
        booted = {
          ...booted,
          partial: false,
          reason: say(
            `${booted.reason ?? 'motivo desconhecido'}; o gateway não respondeu GET ${ROUTES.healthz} com um 2xx (${probe.detail})`,
            `${booted.reason ?? 'unknown reason'}; the gateway did not answer GET ${ROUTES.healthz} with a 2xx (${probe.detail})`,
          ),
        };
      }
    }
    return booted;
  }

  /** The skipped result of a check that is not to run now, or undefined when it runs. */
  function skipReason(id: CheckId): CheckResult | undefined {
    const skipped = (reason: string): CheckResult => ({
      id,
      status: 'skipped',
      reason,
      evidence: [],
      durationMs: 0,
    });
    // A failed boot is always reported through stage-up, selected or not: it is the one thing proven.
    const bootFailureToReport = id === 'stage-up' && !boot.ok;
    if (!settings.checks.includes(id) && !bootFailureToReport)
      return skipped(
        say(
          `não selecionada (checks: ${settings.checks.join(', ')})`,
          `not selected (checks: ${settings.checks.join(', ')})`,
        ),
      );
    if (id !== 'stage-up' && !stageServes)
      return skipped(say('o stage não pôde ser iniciado', 'the stage could not be booted'));
    if (id !== 'stage-up' && run.signal.aborted)
      return skipped(say(`${stopReason()} antes desta verificação`, `${stopReason()} before this check`));
    return undefined;
  }

  async function runOneCheck(id: CheckId): Promise<CheckResult> {
    const context: CheckContext = {
      settings,
      driver,
      http: http ?? notBootedClient,
      burst: (requests) =>
        fireBurst({
          baseUrl: http?.baseUrl ?? settings.baseUrl ?? '',
          requests,
          timeoutMs: settings.requestTimeoutSeconds * 1000,
          signal: run.signal,
        }),
      logger,
      signal: run.signal,
      boot,
      runToken,
    };
    const checkStarted = clock.now();
    const running = checks[id](context).then(
      (result) => ({ kind: 'done' as const, result }),
      (error: unknown) => ({ kind: 'crashed' as const, error }),
    );
    // A check that ignores the signal still cannot outlive the deadline: race it. One that honours it
    // ends at once with its own evidence (which requests were cut off), so give it a moment to.
    let outcome = await Promise.race([
      running,
      whenAborted(run.signal).then(() => ({ kind: 'aborted' as const })),
    ]);
    if (outcome.kind === 'aborted') {
      const grace = sleep(ABORT_GRACE_MS);
      const late = await Promise.race([running, grace.then(() => ({ kind: 'aborted' as const }))]);
      grace.cancel();
      if (late.kind === 'done' && late.result.status === 'fail')
        outcome = {
          kind: 'done',
          result: { ...late.result, reason: `${stopReason()}: ${late.result.reason}` },
        };
    }
    const durationMs = clock.now() - checkStarted;
    phases.push({ name: id, durationMs });
    if (outcome.kind === 'aborted')
      return {
        id,
        status: 'fail',
        reason: say(
          `${stopReason()} durante esta verificação: o stage não respondeu a tempo`,
          `${stopReason()} during this check: the stage did not answer in time`,
        ),
        evidence: [],
        durationMs,
      };
    if (outcome.kind === 'crashed')
      return {
        id,
        status: 'fail',
        reason: say(
          `a verificação parou com um erro: ${(outcome.error as Error)?.message ?? String(outcome.error)}`,
          `the check stopped with an error: ${(outcome.error as Error)?.message ?? String(outcome.error)}`,
        ),
        evidence: [],
        durationMs,
      };
    return { ...outcome.result, id, durationMs };
  }
}

/**
 * One bounded `GET /healthz` through the gateway of a partly booted stage: a 2xx means it serves, so
 * the checks can run. Never throws.
 */
async function probeGateway(
  baseUrl: string,
  signal: AbortSignal,
  createHttpClient: GateDeps['createHttpClient'],
  say: Say,
): Promise<{ serves: boolean; detail: string }> {
  if (!baseUrl)
    return {
      serves: false,
      detail: say('o driver não dá a URL do gateway', 'the driver gives no gateway URL'),
    };
  if (signal.aborted) return { serves: false, detail: say('a execução parou', 'the run was stopped') };
  let client: GateHttpClient;
  try {
    client = (createHttpClient ?? createGateHttpClient)({
      baseUrl,
      timeoutMs: PARTIAL_BOOT_PROBE_MS,
      signal,
    });
  } catch (error) {
    return { serves: false, detail: (error as Error).message };
  }
  try {
    const exchange = await client.get(ROUTES.healthz);
    const answer = [
      ...(exchange.status !== undefined ? [`HTTP ${exchange.status}`] : []),
      ...(exchange.failure !== undefined ? [describeRequestFailure(exchange.failure, say)] : []),
    ].join(', ');
    return {
      serves: isSuccess(exchange),
      detail: `${baseUrl}${ROUTES.healthz}: ${answer || say('sem resposta', 'no answer')}`,
    };
  } catch (error) {
    return { serves: false, detail: `${baseUrl}: ${(error as Error).message}` };
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** driver.boot, bounded by the boot timeout (plus a grace) and the run's signal; never throws. */
async function bootBounded(
  driver: StageDriver,
  settings: GateSettings,
  env: Record<string, string> | undefined,
  signal: AbortSignal,
  stopReason: () => string,
): Promise<BootResult> {
  const bootTimeoutMs = settings.bootTimeoutSeconds * 1000;
  const graceMs = 15_000;
  const limit = sleep(bootTimeoutMs + graceMs);
  try {
    const outcome = await Promise.race([
      driver
        .boot(
          {
            replicas: settings.replicas,
            narratorMaxConcurrency: settings.narratorMaxConcurrency,
            bootTimeoutMs,
            ...(env ? { env } : {}),
          },
          signal,
        )
        .then(
          (result) => ({ kind: 'done' as const, result }),
          (error: unknown) => ({ kind: 'crashed' as const, error }),
        ),
      limit.then(() => ({ kind: 'timeout' as const })),
      whenAborted(signal).then(() => ({ kind: 'aborted' as const })),
    ]);
    switch (outcome.kind) {
      case 'done':
        return outcome.result;
      case 'crashed':
        return {
          ok: false,
          reason: (outcome.error as Error)?.message ?? String(outcome.error),
          services: [],
          durationMs: 0,
        };
      case 'timeout':
        return {
          ok: false,
          reason: localize(settings.language)(
            `o driver não terminou o boot dentro do boot-timeout (${settings.bootTimeoutSeconds} s)`,
            `the driver did not finish booting within the boot timeout (${settings.bootTimeoutSeconds} s)`,
          ),
          services: [],
          durationMs: bootTimeoutMs + graceMs,
        };
      case 'aborted':
        return { ok: false, reason: stopReason(), services: [], durationMs: 0 };
    }
  } finally {
    limit.cancel();
  }
}

/** Write the report model as JSON (the `json-report` option); a failure is logged, not fatal. */
export async function writeJsonReport(path: string, report: GateReport, logger: GateLogger): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, renderJson(report), 'utf8');
    logger.info(`report: JSON written to ${path}`);
  } catch (error) {
    logger.warn(`could not write the JSON report to ${path}: ${(error as Error).message}`);
  }
}
