/**
 * The checks step: every check in order, each in its own fold of the log with its one-line result after
 * it. A check not selected, or one that cannot run (no stage, the deadline passed), gets a skipped
 * result saying why. A check that crashes fails alone; one that outlives the deadline is cut off and
 * fails, keeping what it saw when it stops within a moment.
 */
import type { Check, CheckOptions } from '../../checks/index.js';
import { fireBurst } from '../../http/burst.js';
import type { GateHttpClient, HttpClientOptions } from '../../http/gate-http-client.js';
import type { HttpExchange } from '../../http/http-exchange.js';
import type { GateLogger } from '../../kit/gate-logger.js';
import { STATUS_EMOJI } from '../../report/conclusion.js';
import type { Say } from '../../report/language.js';
import { CHECK_IDS, type CheckId, type CheckResult } from '../../report/model.js';
import type { BootResult, StageDriver } from '../../stage/driver.js';
import type { Clock } from '../clock.js';
import { settleWithin } from '../../kit/settle.js';
import type { RunBounds } from '../run-bounds.js';
import { AskTally } from '../ask-tally.js';
import { STAGE_CHANGES_TIMEOUT_MS, stageChangesSince } from './stage-changes.js';
import type { AskAccount } from '../../report/model.js';
import type { GateSettings } from '../settings.js';

/** How long a check cut off by the deadline may take to report what it saw. */
const ABORT_GRACE_MS = 2000;

/** The options the checks read, out of the gate's settings. */
export function checkOptionsOf(settings: GateSettings): CheckOptions {
  return {
    language: settings.language,
    replicas: settings.replicas,
    apiService: settings.apiService,
    gatewayService: settings.gatewayService,
    requiredServices: settings.requiredServices,
    healthzRequests: settings.healthzRequests,
    concurrency: settings.concurrency,
    replicaHeader: settings.replicaHeader,
    answerPath: settings.answerPath,
    errorPath: settings.errorPath,
    cacheHitPath: settings.cacheHitPath,
    cacheKeyPath: settings.cacheKeyPath,
    overloadPath: settings.overloadPath,
    publicQuestion: settings.publicQuestion,
    singleFlightBurst: settings.singleFlightBurst,
    heavyExecutionsMetric: settings.heavyExecutionsMetric,
    latencyBudgetFactor: settings.latencyBudgetFactor,
    latencyBudgetMs: settings.latencyBudgetMs,
    privateQuestion: settings.privateQuestion,
    clientA: settings.clientA,
    clientB: settings.clientB,
    llmQuestions: settings.llmQuestions,
    narratorBurst: settings.narratorBurst,
    narratorRequestsMetric: settings.narratorRequestsMetric,
    narratorMaxConcurrency: settings.narratorMaxConcurrency,
    healthzLatencyBudgetMs: settings.healthzLatencyBudgetMs,
    requestTimeoutSeconds: settings.requestTimeoutSeconds,
    capacity: {
      targetUsers: settings.capacityTargetUsers,
      sloMs: settings.capacitySloP95Ms,
      attainment: settings.capacityAttainment,
      thinkTimeMs: settings.capacityThinkTimeMs,
      budgetSeconds: settings.capacityBudgetSeconds,
      maxRequests: settings.capacityMaxRequests,
      maxUsers: settings.capacityMaxUsers,
      mix: {
        public: settings.capacityPublicShare,
        private: settings.capacityPrivateShare,
        narrated: settings.capacityNarratedShare,
      },
    },
  };
}

export interface ChecksStep {
  checks: Record<CheckId, Check>;
  /** The checks asked for; the others are reported as not selected. */
  selected: readonly CheckId[];
  options: CheckOptions;
  driver: StageDriver;
  boot: BootResult;
  /** Booted, or partly booted with a gateway that serves: the checks that need HTTP can run. */
  stageServes: boolean;
  /** The gateway's URL when the driver gives none (an external stage's base-url). */
  baseUrl: string;
  createHttpClient: (options: HttpClientOptions) => GateHttpClient;
  runToken: string;
  /** Failed asks allowed over the run (errors anywhere). */
  errorBudget: number;
  bounds: RunBounds;
  logger: GateLogger;
  clock: Clock;
  say: Say;
}

/** Every check's result, in CHECK_IDS order, and the time each one that ran took. */
export async function runChecks(step: ChecksStep): Promise<{
  results: CheckResult[];
  phases: Array<{ name: CheckId; durationMs: number }>;
  asks?: AskAccount;
}> {
  const { logger } = step;
  const tally = new AskTally(step.options, step.errorBudget);
  const results: CheckResult[] = [];
  const phases: Array<{ name: CheckId; durationMs: number }> = [];
  const http = step.stageServes
    ? step.createHttpClient({
        baseUrl: step.driver.baseUrl || step.baseUrl,
        timeoutMs: step.options.requestTimeoutSeconds * 1000,
        signal: step.bounds.signal,
      })
    : undefined;
  try {
    for (const id of CHECK_IDS) {
      const skipped = skippedResult(step, id);
      let result: CheckResult;
      if (skipped) result = skipped;
      else {
        result = await logger.group(`check ${id}`, () => runOneCheck(step, id, http, tally));
        phases.push({ name: id, durationMs: result.durationMs });
        // A check that met a broken stage sees only HTTP; the driver's view names what broke.
        if ((result.status === 'fail' || result.status === 'warn') && id !== 'stage-up' && step.stageServes) {
          const changed = await stageChangesSince(step.driver, step.boot.services, step.say, {
            signal: step.bounds.signal,
            timeoutMs: Math.min(STAGE_CHANGES_TIMEOUT_MS, step.bounds.msLeft()),
          });
          if (changed) result = { ...result, reason: `${result.reason}; ${changed}` };
        }
      }
      results.push(result);
      if (result.status !== 'skipped' || step.selected.includes(id))
        logger.info(`${STATUS_EMOJI[result.status]} ${id}: ${result.reason}`);
    }
  } finally {
    await http?.close().catch(() => undefined);
  }
  const asks = tally.account();
  if (asks.sent > 0)
    logger.info(`asks over the run: ${asks.sent} sent, ${asks.failed} failed (error budget ${asks.budget})`);
  return { results, phases, ...(asks.sent > 0 ? { asks } : {}) };
}

/** The skipped result of a check that is not to run now, or undefined when it runs. */
function skippedResult(step: ChecksStep, id: CheckId): CheckResult | undefined {
  const { say, selected } = step;
  const skipped = (reason: string): CheckResult => ({
    id,
    status: 'skipped',
    reason,
    evidence: [],
    durationMs: 0,
  });
  // A failed boot is always reported through stage-up, selected or not: it is the one thing proven.
  const bootFailureToReport = id === 'stage-up' && !step.boot.ok;
  if (!selected.includes(id) && !bootFailureToReport)
    return skipped(
      say(
        `não selecionada (checks: ${selected.join(', ')})`,
        `not selected (checks: ${selected.join(', ')})`,
      ),
    );
  if (id !== 'stage-up' && !step.stageServes)
    return skipped(say('o stage não pôde ser iniciado', 'the stage could not be booted'));
  if (id !== 'stage-up' && step.bounds.signal.aborted) {
    const reason = step.bounds.stopReason();
    return skipped(say(`${reason} antes desta verificação`, `${reason} before this check`));
  }
  return undefined;
}

async function runOneCheck(
  step: ChecksStep,
  id: CheckId,
  http: GateHttpClient | undefined,
  tally: AskTally,
): Promise<CheckResult> {
  const { bounds, say, options } = step;
  const started = step.clock.now();
  // Called inside an async function, so a check that throws at once crashes like any other.
  const running = (async () =>
    step.checks[id]({
      options,
      driver: step.driver,
      http: http ? tally.client(id, http) : notBootedClient,
      burst: tally.burst(id, (requests) =>
        fireBurst({
          baseUrl: http?.baseUrl ?? step.baseUrl,
          requests,
          timeoutMs: options.requestTimeoutSeconds * 1000,
          signal: bounds.signal,
        }),
      ),
      logger: step.logger,
      signal: bounds.signal,
      boot: step.boot,
      runToken: step.runToken,
    }))();
  // A check that ignores the signal still cannot outlive the deadline: race it. One that honours it
  // ends at once with its own evidence (which requests were cut off), so give it a moment to.
  let outcome = await settleWithin(running, { signal: bounds.signal });
  if (outcome.kind === 'aborted') {
    const late = await settleWithin(running, { limitMs: ABORT_GRACE_MS });
    if (late.kind === 'done' && late.value.status === 'fail')
      outcome = {
        kind: 'done',
        value: { ...late.value, reason: `${bounds.stopReason()}: ${late.value.reason}` },
      };
  }
  const durationMs = step.clock.now() - started;
  switch (outcome.kind) {
    case 'done':
      return { ...outcome.value, id, durationMs };
    case 'crashed': {
      const message = (outcome.error as Error)?.message ?? String(outcome.error);
      return {
        id,
        status: 'fail',
        reason: say(
          `a verificação parou com um erro: ${message}`,
          `the check stopped with an error: ${message}`,
        ),
        evidence: [],
        durationMs,
      };
    }
    default:
      return {
        id,
        status: 'fail',
        reason: say(
          `${bounds.stopReason()} durante esta verificação: o stage não respondeu a tempo`,
          `${bounds.stopReason()} during this check: the stage did not answer in time`,
        ),
        evidence: [],
        durationMs,
      };
  }
}

/** Stands in for the HTTP client when the stage never booted (only stage-up runs then, without HTTP). */
const notBootedClient: GateHttpClient = {
  baseUrl: '',
  timeoutMs: 0,
  get: async (path) => notBootedExchange('GET', path),
  postJson: async (path) => notBootedExchange('POST', path),
  close: async () => undefined,
};

function notBootedExchange(method: string, path: string): HttpExchange {
  return {
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
}
