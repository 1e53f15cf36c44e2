/**
 * One step of the capacity search: N virtual chat users, each holding its own conversation — ask, wait
 * for the answer, think, ask again — joining one by one over the ramp. Every latency is counted from the
 * moment the user meant to send (its previous answer plus its think time), not from when the gate got
 * round to sending: a late generator, or a stage that makes its users wait, cannot hide a stall
 * (coordinated omission). Only asks meant for after the ramp are judged. The step stops by itself: at
 * its own length (longer while the verdict is still open), at the search's deadline, at the request
 * budget, or at once when broken answers show the stage is past its limit. An ask still in flight when
 * the step stops is waited for (at most one request timeout) and counted like the others.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { pause } from '../../kit/poll.js';
import { watchGenerator } from './generator-watch.js';
import {
  MIN_JUDGED_ANSWERS,
  brokenAnswers,
  countClasses,
  judgeStep,
  wilsonBounds,
  type AskSample,
  type QuestionKind,
  type StepResult,
} from './step-judge.js';

/** What one ask gave, before its latency (the step measures that from the intended send time). */
export type AskOutcome = Omit<AskSample, 'latencyMs'>;

/** Sends one ask of `user` (0-based) on its `turn`; never throws (a failure is an outcome). */
export type SendAsk = (kind: QuestionKind, user: number, turn: number) => Promise<AskOutcome>;

/** The requests the whole search may still send; shared by its steps. */
export interface RequestBudget {
  /** Takes one request from the budget; false when none is left. */
  take(): boolean;
  readonly used: number;
}

export function requestBudget(max: number): RequestBudget {
  let used = 0;
  return {
    take: () => (used < max ? (used += 1) > 0 : false),
    get used() {
      return used;
    },
  };
}

export interface StepPlan {
  users: number;
  /** Users join evenly over this time; asks meant before its end are not judged. */
  rampMs: number;
  /** The judged part lasts at least this long ... */
  minMs: number;
  /** ... and at most this long, while the answers cannot yet tell held from failed. */
  maxMs: number;
  thinkTimeMs: number;
  sloMs: number;
  target: number;
  /** performance.now() after which no ask is sent (the search's time budget). */
  sendUntil: number;
  requests: RequestBudget;
  /** Weights of the kinds of question. */
  mix: Record<QuestionKind, number>;
  signal: AbortSignal;
  /** Run until the answers decide the level (up to `maxMs`), not only until they meet the target. */
  prove?: boolean;
  /** Random numbers in [0, 1); injectable so a test can fix the draw. */
  random?: () => number;
}

/** Broken answers (errors, no answer) after which a step stops at once: the stage is past its limit. */
export const EARLY_STOP_BROKEN = 5;
const CONTROL_INTERVAL_MS = 50;

/** A think time drawn evenly from half to one and a half times the mean. */
export function thinkTime(meanMs: number, random: () => number): number {
  return meanMs * (0.5 + random());
}

/** The kind of a user's next question, drawn by the mix's weights. */
export function pickKind(mix: Record<QuestionKind, number>, random: () => number): QuestionKind {
  const kinds = (Object.keys(mix) as QuestionKind[]).filter((kind) => mix[kind] > 0);
  const total = kinds.reduce((sum, kind) => sum + mix[kind], 0);
  let draw = random() * total;
  for (const kind of kinds) {
    draw -= mix[kind];
    if (draw < 0) return kind;
  }
  return kinds[kinds.length - 1] ?? 'public';
}

/**
 * Whether the step may end at its minimum length: its answers already decide the level, or they meet
 * the target so far (the search climbs past such a level anyway, and a higher level that holds proves
 * it). Only a level that looks short of the target, without proof either way, runs longer.
 */
function enough(samples: AskSample[], target: number, prove: boolean): boolean {
  if (samples.length < MIN_JUDGED_ANSWERS) return false;
  const good = samples.filter((sample) => sample.answerClass === 'good').length;
  const { lower, upper } = wilsonBounds(good, samples.length);
  return lower >= target || upper < target || (!prove && good / samples.length >= target);
}

export async function runStep(plan: StepPlan, send: SendAsk): Promise<StepResult> {
  const random = plan.random ?? Math.random;
  const started = performance.now();
  const rampEnd = started + plan.rampMs;
  const stop = new AbortController();
  // Every waiting user listens to it: hundreds of listeners are expected, not a leak.
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort();
  plan.signal.addEventListener('abort', onAbort, { once: true });
  const samples: AskSample[] = [];
  let sent = 0;
  let stoppedEarly = false;
  const watch = watchGenerator(plan.sloMs);

  const user = async (index: number) => {
    let intended = started + (plan.rampMs * index) / plan.users;
    for (let turn = 0; ; turn += 1) {
      const wait = intended - performance.now();
      if (wait > 0) await pause(wait, stop.signal);
      if (stop.signal.aborted || performance.now() >= plan.sendUntil || !plan.requests.take()) return;
      sent += 1;
      const outcome = await send(pickKind(plan.mix, random), index, turn);
      const answeredAt = performance.now();
      const latencyMs = answeredAt - intended;
      const answerClass =
        outcome.answerClass === 'good' && latencyMs > plan.sloMs ? 'late' : outcome.answerClass;
      // The ramp only keeps warm-up latencies out of the judgement: a broken answer counts whenever it came.
      const broken = answerClass === 'error' || answerClass === 'no-answer';
      if (intended >= rampEnd || broken) samples.push({ ...outcome, answerClass, latencyMs });
      if (brokenAnswers(countClasses(samples)) >= EARLY_STOP_BROKEN && !stop.signal.aborted) {
        stoppedEarly = true;
        stop.abort();
      }
      intended = answeredAt + thinkTime(plan.thinkTimeMs, random);
    }
  };

  const control = (async () => {
    while (!stop.signal.aborted) {
      await pause(CONTROL_INTERVAL_MS, stop.signal);
      const now = performance.now();
      const judged = now - rampEnd;
      if (
        now >= plan.sendUntil ||
        judged >= plan.maxMs ||
        (judged >= plan.minMs && enough(samples, plan.target, plan.prove ?? false))
      )
        stop.abort();
    }
  })();
  const users = Array.from({ length: plan.users }, (_, index) => user(index));
  // Every user stops sending when told to; those waiting for an answer end within one request timeout.
  await Promise.all(users);
  stop.abort();
  await control;
  plan.signal.removeEventListener('abort', onAbort);
  return judgeStep({
    users: plan.users,
    samples,
    sent,
    target: plan.target,
    generator: watch.stop(),
    durationMs: performance.now() - started,
    stoppedEarly,
  });
}
