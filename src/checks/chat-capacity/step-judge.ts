/**
 * How one level of users is judged. Every answer is sorted into one class (good, late, degraded,
 * error, no answer); the attainment is the share of good ones, and a one-sided Wilson bound on it says
 * whether the level clearly met the target, clearly missed it, or cannot be told apart from noise
 * ("indeterminate"), so a noisy 2-core runner never turns a coin flip into a verdict. A level where the
 * gate itself was the limit (generator-bound) is never judged at all.
 */
import { percentile } from '../stats.js';
import type { GeneratorLoad } from './generator-watch.js';

/** One ask of a virtual user, as the step saw it. */
export type AnswerClass = 'good' | 'late' | 'degraded' | 'error' | 'no-answer';

export type QuestionKind = 'public' | 'private' | 'narrated';

export interface AskSample {
  kind: QuestionKind;
  answerClass: AnswerClass;
  /** From the moment the user meant to send it (not when the generator got round to it). */
  latencyMs: number;
  /** HTTP status when one came; 5xx errors fail the check. */
  status?: number;
  /** Why an error or a missing answer, in the report's language. */
  problem?: string;
  /** The LLM time the stage says it spent on this answer (meta.compute.timings.llm_ms), when it says. */
  llmMs?: number;
}

export type StepJudgement = 'held' | 'failed' | 'indeterminate' | 'generator-bound';

export interface StepResult {
  users: number;
  judgement: StepJudgement;
  /** Answers counted (asks meant to be sent once every user had joined). */
  samples: AskSample[];
  /** Every ask the step sent, ramp included (what the request budget counts). */
  sent: number;
  attainment?: number;
  /** One-sided Wilson bounds of the attainment. */
  lower?: number;
  upper?: number;
  p50Ms?: number;
  p95Ms?: number;
  counts: Record<AnswerClass, number>;
  generator: GeneratorLoad;
  durationMs: number;
  /** Ended early: errors or missing answers showed the stage past its limit. */
  stoppedEarly: boolean;
}

/**
 * 1.2816: a one-sided 90 % bound, so "held" means the attainment is above target with 90 % confidence.
 * Not 95 %: proving a share of 95 % then takes 32 good answers in a row instead of 52, and a stage whose
 * share sits a little above the target (a narrator that refuses now and then) can be proven within a
 * budget of under a minute on a 2-core runner; 90 % is still far from a coin flip.
 */
export const WILSON_Z = 1.2816;
/** Below this many answers no level is judged: the bound could not tell anything. */
export const MIN_JUDGED_ANSWERS = 10;

/** Wilson score interval of `good` successes in `total` trials, at `z`. */
export function wilsonBounds(good: number, total: number, z = WILSON_Z): { lower: number; upper: number } {
  if (total <= 0) return { lower: 0, upper: 1 };
  const p = good / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const spread = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  const denominator = 1 + z2 / total;
  return {
    lower: Math.max(0, (centre - spread) / denominator),
    upper: Math.min(1, (centre + spread) / denominator),
  };
}

export function countClasses(samples: AskSample[]): Record<AnswerClass, number> {
  const counts: Record<AnswerClass, number> = { good: 0, late: 0, degraded: 0, error: 0, 'no-answer': 0 };
  for (const sample of samples) counts[sample.answerClass] += 1;
  return counts;
}

/** Answers that show the stage broken rather than slow: 5xx (other than designed overload) and silence. */
export function brokenAnswers(counts: Record<AnswerClass, number>): number {
  return counts.error + counts['no-answer'];
}

export function judgeStep(input: {
  users: number;
  samples: AskSample[];
  sent: number;
  target: number;
  generator: GeneratorLoad;
  durationMs: number;
  stoppedEarly: boolean;
}): StepResult {
  const counts = countClasses(input.samples);
  const total = input.samples.length;
  const latencies = input.samples.filter((s) => s.answerClass !== 'no-answer').map((s) => s.latencyMs);
  const base = {
    users: input.users,
    samples: input.samples,
    sent: input.sent,
    counts,
    generator: input.generator,
    durationMs: input.durationMs,
    stoppedEarly: input.stoppedEarly,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  };
  if (total === 0) return { ...base, judgement: input.generator.bound ? 'generator-bound' : 'indeterminate' };
  const attainment = counts.good / total;
  const { lower, upper } = wilsonBounds(counts.good, total);
  const measured = { ...base, attainment, lower, upper };
  if (input.generator.bound) return { ...measured, judgement: 'generator-bound' };
  // Broken answers are never noise: a stage that answers 5xx or leaves a user without an answer has
  // failed this level, whatever the share of good answers around them.
  if (brokenAnswers(counts) > 0) return { ...measured, judgement: 'failed' };
  if (total < MIN_JUDGED_ANSWERS) return { ...measured, judgement: 'indeterminate' };
  if (lower >= input.target) return { ...measured, judgement: 'held' };
  if (upper < input.target) return { ...measured, judgement: 'failed' };
  return { ...measured, judgement: 'indeterminate' };
}

/** Answers needed, all good, for the lower bound to reach `target`: n ≥ z²·t/(1−t). */
export function answersToConfirm(target: number, z = WILSON_Z): number {
  return Math.ceil((z * z * target) / (1 - target));
}
