/**
 * The bounded search for the most users a stage holds: double the users until a level fails, then
 * bisect between the highest level held and the lowest that failed, then run the highest held level
 * again to confirm it. It never starts a step after its time budget (so it ends within the budget plus
 * one request timeout), never sends more than its request budget, and stops at once when a level's
 * answers are broken (5xx, no answer): the stage is already past its limit. Levels below one that held
 * are taken as held (more users never make a stage faster), so a low level that had too few answers to
 * judge does not stop the climb.
 */
import { performance } from 'node:perf_hooks';
import { brokenAnswers, type StepResult } from './step-judge.js';

export interface SearchPlan {
  startUsers: number;
  maxUsers: number;
  /** The attainment a level needs. */
  target: number;
  /** performance.now() after which no step starts. */
  deadline: number;
  /** Shortest time a step needs to say anything; no step starts with less left. */
  minStepMs: number;
  /** Whether the request budget still has room for a step. */
  requestsLeft(): boolean;
  signal: AbortSignal;
}

/** Runs one level; `prove`: keep going (up to the step's longest) until the answers decide it. */
export type RunLevel = (users: number, prove: boolean) => Promise<StepResult>;

export interface SearchResult {
  steps: StepResult[];
  /** Most users held (0: none). */
  held: number;
  /** Fewest users that failed; undefined when no level failed. */
  failed?: number;
  /** The re-run of the highest held level held too. */
  confirmed: boolean;
  /** The first level whose answers were broken (5xx, no answer), where the search stopped. */
  broken?: StepResult;
  /** Why the search ended, as data. */
  end: 'resolved' | 'max-users' | 'time-budget' | 'request-budget' | 'broken' | 'undecided' | 'aborted';
}

/** Bisection stops when held and failed are this close: within one user, or a sixth of the held level. */
export function resolvedGap(held: number, failed: number): boolean {
  return failed - held <= Math.max(1, Math.ceil(held / 6));
}

export async function searchCapacity(plan: SearchPlan, runLevel: RunLevel): Promise<SearchResult> {
  const steps: StepResult[] = [];
  /** The highest level proven held (its lower bound reached the target). */
  let held = 0;
  /** The highest level whose answers met the target so far, proven or not: where bisection starts. */
  let looksHeld = 0;
  let failed: number | undefined;

  const roomFor = (): SearchResult['end'] | undefined => {
    if (plan.signal.aborted) return 'aborted';
    if (performance.now() + plan.minStepMs > plan.deadline) return 'time-budget';
    if (!plan.requestsLeft()) return 'request-budget';
    return undefined;
  };
  const finish = (end: SearchResult['end'], confirmed = false, broken?: StepResult): SearchResult => ({
    steps,
    held,
    failed,
    confirmed,
    broken,
    end,
  });
  const isBroken = (step: StepResult) => brokenAnswers(step.counts) > 0 && step.judgement === 'failed';
  const meets = (step: StepResult) => step.attainment !== undefined && step.attainment >= plan.target;

  /**
   * Runs a level; one that was generator-bound, or below the target without proof, is run once more
   * (a 2-core runner has moments of noise). Undefined when the search must end; the reason is in `ended`.
   */
  let ended: SearchResult | undefined;
  const level = async (users: number, prove: boolean): Promise<StepResult | undefined> => {
    for (let attempt = 1; ; attempt += 1) {
      const blocked = roomFor();
      if (blocked) {
        ended = finish(blocked);
        return undefined;
      }
      const step = await runLevel(users, prove);
      steps.push(step);
      if (isBroken(step)) {
        failed = Math.min(failed ?? users, users);
        ended = finish('broken', false, step);
        return undefined;
      }
      const unsure =
        step.judgement === 'generator-bound' || (step.judgement === 'indeterminate' && !meets(step));
      if (!unsure) return step;
      if (attempt >= 2) {
        ended = finish('undecided');
        return undefined;
      }
    }
  };

  // Climb: double until a level fails, or the ceiling.
  for (let users = Math.min(plan.startUsers, plan.maxUsers); ; users = Math.min(users * 2, plan.maxUsers)) {
    const step = await level(users, false);
    if (!step) return ended!;
    if (step.judgement === 'failed') {
      failed = users;
      break;
    }
    if (step.judgement === 'held') held = users;
    looksHeld = users;
    if (users >= plan.maxUsers) break;
  }

  // Bisect between the highest level that met the target and the lowest that failed; each level proven.
  while (failed !== undefined && !resolvedGap(looksHeld, failed)) {
    const mid = Math.floor((looksHeld + failed) / 2);
    const step = await level(mid, true);
    if (!step) return ended!;
    if (step.judgement === 'failed') failed = mid;
    else {
      if (step.judgement === 'held') held = mid;
      looksHeld = mid;
    }
  }

  // Re-check the highest level that held (or met the target without proof yet), run until proven.
  const end = failed === undefined ? 'max-users' : 'resolved';
  if (looksHeld === 0) return finish(end);
  const again = await level(looksHeld, true);
  if (!again) return ended!;
  if (again.judgement === 'held') held = looksHeld;
  return finish(end, again.judgement === 'held' && held === looksHeld);
}
