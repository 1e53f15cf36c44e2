/**
 * `chat-capacity`: how many simultaneous chat users the stage holds within an SLO, what saturates first,
 * and whether phase B (queues/workers, streaming) is called for. Virtual users hold conversations through
 * the gateway (virtual-users.ts); a bounded search finds the knee (capacity-search.ts); the stage's own
 * metrics around the first failing level name the bottleneck (stage-signals.ts, bottleneck.ts).
 */
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { ROUTES, type AskRequest, type ErrorCode } from '../../contract/index.js';
import {
  closeDispatcher,
  exchangeOnce,
  IDLE_CONNECTION_MAX_MS,
  joinUrl,
} from '../../http/gate-http-client.js';
import { describeMetricsFailure, describeMetricsSource } from '../../stage/stage-words.js';
import { readAskAnswer, readPath } from '../ask-answer.js';
import type { Check, CheckContext } from '../check-context.js';
import { localize } from '../localize.js';
import { metricsOf } from '../stage-metrics.js';
import { decidePhaseB, findBottleneck } from './bottleneck.js';
import { searchCapacity } from './capacity-search.js';
import { decideCapacity } from './capacity-verdict.js';
import { signalsBetween, takeSnapshot, type Signals, type SignalSnapshot } from './stage-signals.js';
import type { QuestionKind } from './step-judge.js';
import { requestBudget, runStep, type AskOutcome, type SendAsk } from './virtual-users.js';

/** A designed refusal of the narrator: a degraded answer, not an error. */
const LLM_LIMITED = 'llm_concurrency_limited' satisfies ErrorCode;

/** Share of the time budget the climb and the bisection leave for the re-check, which proves the number. */
const RECHECK_SHARE = 0.3;

/** How long each level runs, from the search's time budget: short enough for several levels. */
export function stepTimes(
  budgetMs: number,
  thinkTimeMs: number,
): { rampMs: number; minMs: number; maxMs: number } {
  const minMs = Math.min(8000, Math.max(1000, budgetMs / 12));
  const rampMs = Math.min(minMs / 2, Math.max(300, thinkTimeMs));
  return { rampMs, minMs, maxMs: minMs * 3 };
}

/** The request a virtual user sends: its own client, nickname and conversation, and its kind of question. */
export function askOf(
  context: Pick<CheckContext, 'options' | 'runToken'>,
  step: number,
  kind: QuestionKind,
  user: number,
  turn: number,
): AskRequest {
  const { options, runToken } = context;
  const id = `gate-${runToken}-cap${step}-u${user + 1}`;
  const narrated = options.llmQuestions[(user + turn) % options.llmQuestions.length]!;
  const question =
    kind === 'public'
      ? options.publicQuestion
      : kind === 'private'
        ? options.privateQuestion
        : // Tagged per user and turn, so no two coalesce and none is served from the cache.
          `${narrated} [stagegate ${runToken}-${step}-${user + 1}-${turn + 1}]`;
  return { question, client_id: id, conversation_id: `${id}-c`, nickname: `user ${user + 1}` };
}

export const chatCapacityCheck: Check = async (context) => {
  const { options, logger, signal } = context;
  const capacity = options.capacity;
  const say = localize(options.language);
  const timeoutMs = options.requestTimeoutSeconds * 1000;
  const budgetMs = capacity.budgetSeconds * 1000;
  const times = stepTimes(budgetMs, capacity.thinkTimeMs);
  // Its own connections, as many as users: a shared pool would queue users inside the gate.
  const agent = new Agent({
    connections: capacity.maxUsers + 4,
    connectTimeout: timeoutMs,
    keepAliveMaxTimeout: IDLE_CONNECTION_MAX_MS,
  });
  const origin = performance.now();
  const reader = metricsOf(context.driver);
  const requests = requestBudget(capacity.maxRequests);
  const started = performance.now();
  const deadline = started + budgetMs;
  const snapshots: Array<{ before?: SignalSnapshot; after?: SignalSnapshot }> = [];
  let metricsUnread: string | undefined = reader ? undefined : describeMetricsSource(undefined, say);

  const sendFor =
    (step: number): SendAsk =>
    async (kind, user, turn): Promise<AskOutcome> => {
      const exchange = await exchangeOnce({
        dispatcher: agent,
        url: joinUrl(context.http.baseUrl, ROUTES.ask),
        method: 'POST',
        path: ROUTES.ask,
        body: JSON.stringify(askOf(context, step, kind, user, turn)),
        headers: { 'content-type': 'application/json' },
        timeoutMs,
        runSignal: signal,
        origin,
      });
      const answer = readAskAnswer(exchange, options, ['answer']);
      const llm = readPath(exchange.json, 'meta.compute.timings.llm_ms');
      const base = { kind, status: exchange.status, llmMs: typeof llm === 'number' ? llm : undefined };
      if (exchange.timedOut) return { ...base, answerClass: 'no-answer', problem: answer.problem };
      if (answer.problem !== undefined) return { ...base, answerClass: 'error', problem: answer.problem };
      if (answer.error === LLM_LIMITED || answer.overload === true)
        return { ...base, answerClass: 'degraded' };
      if (answer.error !== undefined)
        return { ...base, answerClass: 'error', problem: `HTTP ${exchange.status} ${answer.error}` };
      return { ...base, answerClass: 'good' };
    };

  logger.info(
    `chat-capacity: virtual users from 2 up to ${capacity.maxUsers}, SLO ${capacity.attainment} within ${capacity.sloMs} ms, budget ${capacity.budgetSeconds} s / ${capacity.maxRequests} requests`,
  );
  let search;
  try {
    search = await searchCapacity(
      {
        startUsers: 2,
        maxUsers: capacity.maxUsers,
        target: capacity.attainment,
        deadline,
        minStepMs: times.rampMs + times.minMs,
        recheckReserveMs: budgetMs * RECHECK_SHARE,
        requestsLeft: () => requests.used < capacity.maxRequests,
        signal,
      },
      async (users, mode) => {
        const index = snapshots.length;
        const room = () => Math.max(500, Math.min(5000, deadline - performance.now()));
        const before = reader && !metricsUnread ? await takeSnapshot(reader, room()) : undefined;
        const step = await runStep(
          {
            users,
            ...times,
            // A gathering step runs its longest whatever its answers say (LevelMode).
            minMs: mode === 'gather' ? times.maxMs : times.minMs,
            // The re-check may use what is left of the budget (less the snapshot after it).
            maxMs:
              mode === 'recheck'
                ? Math.max(times.maxMs, deadline - performance.now() - times.rampMs - 1000)
                : times.maxMs,
            thinkTimeMs: capacity.thinkTimeMs,
            sloMs: capacity.sloMs,
            target: capacity.attainment,
            sendUntil: deadline,
            requests,
            mix: capacity.mix,
            signal,
            prove: mode !== 'climb',
          },
          sendFor(index + 1),
        );
        const after = reader && !metricsUnread ? await takeSnapshot(reader, room()) : undefined;
        const failure = after?.failure ?? before?.failure;
        if (failure) metricsUnread = describeMetricsFailure(failure, say);
        snapshots.push({ before, after });
        logger.info(
          `chat-capacity: ${users} users → ${step.judgement} (${step.samples.length} answers, p95 ${Math.round(step.p95Ms ?? 0)} ms, attainment ${step.attainment === undefined ? '?' : step.attainment.toFixed(3)})`,
        );
        return step;
      },
    );
  } finally {
    await closeDispatcher(agent);
  }
  /** The step of a level that shows it best: the worst run of a failing level, the best of a held one. */
  const signalsAt = (users: number | undefined, worst: boolean) => {
    const at = search.steps
      .map((step, index) => ({ step, index }))
      .filter(({ step }) => step.users === users && step.judgement !== 'generator-bound')
      .sort((a, b) => ((a.step.attainment ?? 0) - (b.step.attainment ?? 0)) * (worst ? 1 : -1))[0];
    if (!at) return { step: undefined, signals: {} as Signals };
    const shot = snapshots[at.index];
    return { step: at.step, signals: signalsBetween(shot?.before, shot?.after) };
  };
  // Saturation is read where the answers first fell short, proven or not: the metrics say why.
  const failing = signalsAt(search.broken?.users ?? search.short, true);
  // The level held may come from the curve and never have run itself: the highest level run at or below it.
  const heldRun = Math.max(
    0,
    ...search.steps.map((step) => step.users).filter((users) => users <= search.held),
  );
  const held = signalsAt(heldRun || undefined, false);
  const bottleneck = findBottleneck({
    failing: failing.step,
    failingSignals: failing.signals,
    held: held.step,
    heldSignals: held.signals,
    sloMs: capacity.sloMs,
    metricsUnread,
    say,
  });
  const phaseB = decidePhaseB({
    bottleneck,
    failing: failing.step,
    held: search.held,
    sloMs: capacity.sloMs,
    narratorLimit: options.narratorMaxConcurrency,
    say,
  });
  const outcome = decideCapacity({
    search,
    bottleneck,
    phaseB,
    options: capacity,
    requestTimeoutMs: timeoutMs,
    elapsedMs: performance.now() - started,
    requestsSent: requests.used,
    say,
  });
  return { id: 'chat-capacity', ...outcome, durationMs: 0 };
};
