/**
 * The bounded search for the most users a stage holds: double the users until a level falls short of
 * the target, then bisect between the highest level that met it and the lowest that fell short (where
 * the curve through the answers crosses the target, when there is one: bisectLevel), then re-check the
 * level held so far, then refine the range while the budget lasts (refineLevel). It never
 * starts a step after its time budget (so it ends within the budget plus one request timeout), never
 * sends more than its request budget, and stops at once when a level's answers are broken (5xx, no
 * answer): the stage is already past its limit. The steps only steer the search; what it claims comes
 * from all the answers together: pooled across levels (provenLevels) and through one curve
 * (capacity-estimate.ts), combined by combineRange.
 */
import { performance } from 'node:perf_hooks';
import { estimateCapacity, type EstimateOutcome } from './capacity-estimate.js';
import {
  MIN_JUDGED_ANSWERS,
  WILSON_Z,
  answersToConfirm,
  brokenAnswers,
  wilsonBounds,
  type StepResult,
} from './step-judge.js';

export interface SearchPlan {
  startUsers: number;
  maxUsers: number;
  /** The attainment a level needs. */
  target: number;
  /** performance.now() after which no step starts. */
  deadline: number;
  /** Shortest time a step needs to say anything; no step starts with less left. */
  minStepMs: number;
  /**
   * Time kept for the re-check of the highest level that met the target: the climb and the bisection
   * stop early rather than eat it, since the re-check is what proves the number reported.
   */
  recheckReserveMs?: number;
  /** Whether the request budget still has room for a step. */
  requestsLeft(): boolean;
  signal: AbortSignal;
}

/**
 * How long a level runs: `climb` only until its answers meet the target or decide it; `prove` until
 * they decide it, up to a step's longest; `recheck` (a level that met the target, run again: see
 * recheckTarget) until they decide it, for as long as the time budget allows: it proves the number;
 * `gather` a step's longest whatever its answers say. Why gather: the refinement runs at the knee,
 * where a level's share sits near the target, and a bound looked at every 50 ms while answers come in
 * crosses the target by chance far more often than one time in ten; a step that stopped there would
 * end on a fluctuation, and each new step pays its ramp again (a model of the narrator at limit 1:
 * 6,500 answers in a 600 s search instead of 5,500).
 */
export type LevelMode = 'climb' | 'prove' | 'recheck' | 'gather';

export type RunLevel = (users: number, mode: LevelMode) => Promise<StepResult>;

export interface SearchResult {
  steps: StepResult[];
  /**
   * Most users held (0: none): what the curve through all the levels' answers holds (estimate) when the
   * levels follow one, else what their own answers prove (proof); never at or above a level proven failed.
   */
  held: number;
  /** Which of the two the held end came from (combineRange). */
  heldBy: HeldSource;
  /** Fewest users proven failed by the levels' answers, or the level that broke; undefined when none. */
  failed?: number;
  /** The lowest level whose answers fell short of the target, proven or not: where saturation began. */
  short?: number;
  /** What the levels' answers prove, pooled (model-free). */
  proof: LevelProof;
  /** The curve through every level's answers and the level it holds (capacity-estimate.ts). */
  estimate: EstimateOutcome;
  /** The re-check met the target again at or above the level held, or left that level no lower. */
  confirmed: boolean;
  /** The first level whose answers were broken (5xx, no answer), where the search stopped. */
  broken?: StepResult;
  /** Why the search ended, as data. */
  end: 'resolved' | 'max-users' | 'time-budget' | 'request-budget' | 'broken' | 'undecided' | 'aborted';
}

/** Answers of a run of levels, pooled. */
export interface PooledLevels {
  from: number;
  to: number;
  good: number;
  total: number;
  /** The pooled Wilson bound that decided: lower for held, upper for failed. */
  bound: number;
}

export interface LevelProof {
  held: number;
  heldBy?: PooledLevels;
  failed?: number;
  failedBy?: PooledLevels;
}

/** Bisection stops when held and failed are this close: within one user, or a sixth of the held level. */
export function resolvedGap(held: number, failed: number): boolean {
  return failed - held <= Math.max(1, Math.ceil(held / 6));
}

/** The answers of one level over all its runs (a re-run adds to the first), and the time they took. */
interface LevelTally {
  good: number;
  total: number;
  ms: number;
}

/** Every level's tally; generator-bound runs are never counted (the gate, not the stage, was the limit). */
function tallyByLevel(steps: StepResult[]): Map<number, LevelTally> {
  const byLevel = new Map<number, LevelTally>();
  for (const step of steps) {
    if (step.judgement === 'generator-bound') continue;
    const level = byLevel.get(step.users) ?? { good: 0, total: 0, ms: 0 };
    level.good += step.counts.good;
    level.total += step.samples.length;
    level.ms += step.durationMs;
    byLevel.set(step.users, level);
  }
  return byLevel;
}

/**
 * What the answers prove, pooled across levels. More users never make a stage faster, so every level
 * above L has an attainment at most L's: the answers of L and the levels just above it, pooled, have an
 * expected share of good answers at most L's, and their lower Wilson bound reaching the target proves L
 * held. Symmetrically, L and the levels just below it have attainments at least L's: their pooled upper
 * bound below the target proves L failed. One short step near the knee then no longer hides what the
 * levels around it show together. Generator-bound steps are never counted (the gate was the limit).
 */
export function provenLevels(steps: StepResult[], target: number): LevelProof {
  const byLevel = tallyByLevel(steps);
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  const pool = (from: number, to: number): PooledLevels => {
    let good = 0;
    let total = 0;
    for (let index = from; index <= to; index += 1) {
      const level = byLevel.get(levels[index]!)!;
      good += level.good;
      total += level.total;
    }
    return { from: levels[from]!, to: levels[to]!, good, total, bound: Number.NaN };
  };
  let failed: PooledLevels | undefined;
  search: for (let index = 0; index < levels.length; index += 1)
    for (let from = index; from >= 0; from -= 1) {
      const pooled = pool(from, index);
      const { upper } = wilsonBounds(pooled.good, pooled.total);
      if (pooled.total >= MIN_JUDGED_ANSWERS && upper < target) {
        failed = { ...pooled, bound: upper };
        break search;
      }
    }
  let held: PooledLevels | undefined;
  search: for (let index = levels.length - 1; index >= 0; index -= 1) {
    if (failed && levels[index]! >= failed.to) continue;
    for (let to = index; to < levels.length && (!failed || levels[to]! < failed.to); to += 1) {
      const pooled = pool(index, to);
      const { lower } = wilsonBounds(pooled.good, pooled.total);
      if (pooled.total >= MIN_JUDGED_ANSWERS && lower >= target) {
        held = { ...pooled, bound: lower };
        break search;
      }
    }
  }
  return {
    held: held?.from ?? 0,
    ...(held ? { heldBy: held } : {}),
    ...(failed ? { failed: failed.to, failedBy: failed } : {}),
  };
}

/** The curve through every level's answers (generator-bound runs never counted). */
export function estimateOf(steps: StepResult[], target: number): EstimateOutcome {
  const levels = [...tallyByLevel(steps)].map(([users, { good, total }]) => ({ users, good, total }));
  return estimateCapacity(levels, target);
}

/** Where the held end of the range came from. */
export type HeldSource = 'curve' | 'levels';

/**
 * The range reported. The held end is the curve's when the levels follow one and it holds a level: it
 * sees every answer at once, where the levels' proof picks the one level that happened to gather enough
 * good answers, and with a dozen levels run one of them is lucky (17 users held on 125 good answers of
 * 125, one level below 18 users failing at 93 %, in a bench run whose curve held 15). The levels' proof
 * stands alone when there is no curve (a cliff, too few levels) or the curve holds none of the levels.
 * Never at or above a level proven failed; the failed end is the levels' proof alone, or a broken level
 * (5xx, no answer), which has failed whatever the answers around it say.
 */
export function combineRange(
  proof: LevelProof,
  estimate: EstimateOutcome,
  brokenUsers?: number,
): { held: number; failed?: number; heldBy: HeldSource } {
  const known = [proof.failed, brokenUsers].filter((value): value is number => value !== undefined);
  const failed = known.length > 0 ? Math.min(...known) : undefined;
  const curveHeld = estimate.kind === 'estimated' ? estimate.estimate.held : 0;
  const heldBy: HeldSource = curveHeld > 0 ? 'curve' : 'levels';
  const held = Math.min(heldBy === 'curve' ? curveHeld : proof.held, (failed ?? Infinity) - 1);
  return { held: Math.max(0, held), ...(failed === undefined ? {} : { failed }), heldBy };
}

/** Room kept on the estimate of a re-check's time: a level's share is only known from a short step. */
const RECHECK_MARGIN = 1.5;

/**
 * The level to re-check: the highest that met the target whose proof the time left can still buy.
 * Proving a share p above the target t takes about z²·p(1−p)/(p−t)² answers (32 at the least for
 * 95 %), and a level gives answers at the rate its own steps did; a level just below the knee (p barely
 * above t) may need minutes, a lower one seconds. When none fits, the one whose proof is nearest.
 */
export function recheckTarget(
  steps: StepResult[],
  looksHeld: number,
  target: number,
  remainingMs: number,
): number {
  const byLevel = tallyByLevel(steps);
  const levels = [...byLevel.keys()].filter((users) => users <= looksHeld).sort((a, b) => b - a);
  let nearest: { users: number; ms: number } | undefined;
  for (const users of levels) {
    const { good, total, ms } = byLevel.get(users)!;
    if (total === 0 || ms <= 0) continue;
    // Never quite 1: a short run of good answers does not make the next ones certain.
    const share = Math.min(0.995, good / total);
    if (share <= target) continue;
    const needed = Math.max(
      answersToConfirm(target),
      Math.ceil((WILSON_Z * WILSON_Z * share * (1 - share)) / (share - target) ** 2),
    );
    const needMs = (Math.max(0, needed - total) / total) * ms * RECHECK_MARGIN;
    if (needMs <= remainingMs) return users;
    if (!nearest || needMs < nearest.ms) nearest = { users, ms: needMs };
  }
  return nearest?.users ?? looksHeld;
}

/**
 * Where the re-check runs, and the level held just before it. With a curve through the answers, where
 * it crosses the target: answers there narrow its bounds the most, and a level of many users gives many
 * answers a second (a re-check at 2 users gathers a tenth of what 16 do in the same time); never below
 * the level held so far, never at or above a level that fell short, never above every level run.
 * Without a curve, the level held so far; with none, the highest level that looks held and that the
 * time left can prove.
 */
export function recheckLevel(
  steps: StepResult[],
  at: { target: number; looksHeld: number; short?: number; maxUsers: number; remainingMs: number },
): { users: number; heldBefore: number } {
  const estimate = estimateOf(steps, at.target);
  const proof = provenLevels(steps, at.target);
  const heldBefore = combineRange(proof, estimate).held;
  if (estimate.kind === 'estimated') {
    // Below the lowest level that fell short; when none did, no higher than the highest that met the
    // target: the re-check confirms, it does not explore past the levels run.
    const below = Math.min(proof.failed ?? Infinity, at.short ?? at.looksHeld + 1, at.maxUsers + 1) - 1;
    const crossing = Math.round(Number.isFinite(estimate.estimate.users) ? estimate.estimate.users : below);
    const users = Math.max(heldBefore, 1, Math.min(crossing, below));
    return { users, heldBefore };
  }
  if (heldBefore > 0) return { users: heldBefore, heldBefore };
  return { users: recheckTarget(steps, at.looksHeld, at.target, at.remainingMs), heldBefore };
}

/**
 * The next level of the bisection between the highest level that met the target (looksHeld) and the
 * lowest that fell short (ceiling): where the curve through every answer so far crosses the target,
 * when the levels follow one, else the middle. Undefined when the curve crosses at or below looksHeld:
 * that level met the target by chance, and halving the bracket above it would spend the budget on
 * levels past the knee (32 users at 96.1 % on 233 answers in a bench run at narrator limit 1, then 64,
 * 48, 40 and 36 users all failing, a third of the budget, with the curve crossing at 12); the re-check
 * and the refinement then go where the curve says.
 */
export function bisectLevel(
  steps: StepResult[],
  at: { target: number; looksHeld: number; ceiling: number },
): number | undefined {
  const estimate = estimateOf(steps, at.target);
  if (estimate.kind !== 'estimated' || !Number.isFinite(estimate.estimate.users))
    return Math.floor((at.looksHeld + at.ceiling) / 2);
  const crossing = Math.round(estimate.estimate.users);
  return crossing <= at.looksHeld ? undefined : Math.min(crossing, at.ceiling - 1);
}

/** Refining steps at most: the budgets bound them already; this bounds a stage that answers at once. */
export const MAX_REFINE_STEPS = 24;

/**
 * The next level the search runs after its re-check, or undefined when the range needs no more answers.
 * Why it goes on at all: where the share of good answers falls slowly with users (a narrator that
 * refuses a share of narrations growing with the load), one re-check leaves the held end a third apart
 * from one run to the next on the same stage (11–19 users at narrator limit 1 in the bench); every
 * answer more near the knee narrows it (capacity-repeatability.test.ts measures how much). In order:
 * - the curve holds a level the levels' answers prove failed: that level again, whose answers settle
 *   which is right (one short run near the knee fails often by chance: one-sided 90 % bounds, tried at
 *   every level and every run of levels);
 * - the range is wider than the bisection would leave it (or nothing failed yet though a level fell
 *   short): where the curve crosses the target, between the two ends;
 * - a level proven failed that has not been run again: once, as the held level was (a false failure is
 *   as costly as a false hold: it caps the held end below it).
 * Before all of these, when nothing is held yet: where the curve crosses the target, below every level
 * that fell short.
 */
export function refineLevel(
  steps: StepResult[],
  at: { target: number; short?: number; maxUsers: number; failedRechecked: ReadonlySet<number> },
): { users: number; failedRecheck: boolean } | undefined {
  const proof = provenLevels(steps, at.target);
  const estimate = estimateOf(steps, at.target);
  const { held, failed } = combineRange(proof, estimate);
  const curve = estimate.kind === 'estimated' ? estimate.estimate : undefined;
  if (held === 0) {
    // Nothing held yet, but a curve says where the target is met: answers there (a search whose first
    // levels came out a little short stopped here with most of its budget left).
    if (!curve || !Number.isFinite(curve.users)) return undefined;
    const below = Math.min(failed ?? Infinity, at.short ?? Infinity, at.maxUsers + 1) - 1;
    return below < 1
      ? undefined
      : { users: Math.max(1, Math.min(Math.round(curve.users), below)), failedRecheck: false };
  }
  if (curve && proof.failed !== undefined && curve.held >= proof.failed)
    return { users: proof.failed, failedRecheck: true };
  const wide =
    failed === undefined ? at.short !== undefined && held < at.maxUsers : !resolvedGap(held, failed);
  if (wide) {
    const crossing = curve && Number.isFinite(curve.users) ? Math.round(curve.users) : held;
    return {
      users: Math.max(held, Math.min(crossing, (failed ?? at.maxUsers + 1) - 1)),
      failedRecheck: false,
    };
  }
  if (proof.failed !== undefined && !at.failedRechecked.has(proof.failed))
    return { users: proof.failed, failedRecheck: true };
  return undefined;
}

export async function searchCapacity(plan: SearchPlan, runLevel: RunLevel): Promise<SearchResult> {
  const steps: StepResult[] = [];
  const rechecks: StepResult[] = [];
  /** The highest level whose answers met the target so far, proven or not: where bisection starts. */
  let looksHeld = 0;
  /** The lowest level whose answers fell short of it, proven or not. */
  let short: number | undefined;

  const roomFor = (): SearchResult['end'] | undefined => {
    if (plan.signal.aborted) return 'aborted';
    if (performance.now() + plan.minStepMs > plan.deadline) return 'time-budget';
    if (!plan.requestsLeft()) return 'request-budget';
    return undefined;
  };
  /** A level's share of good answers over all its runs so far meets the target. */
  const meets = (step: StepResult) => {
    const level = tallyByLevel(steps).get(step.users);
    return level !== undefined && level.total > 0 && level.good / level.total >= plan.target;
  };
  /** The level held just before the re-check (0: none, or no re-check yet). */
  let heldBeforeRecheck = 0;
  const finish = (end: SearchResult['end'], broken?: StepResult): SearchResult => {
    const proof = provenLevels(steps, plan.target);
    const estimate = estimateOf(steps, plan.target);
    const { held, failed, heldBy } = combineRange(proof, estimate, broken?.users);
    // Confirmed: a re-check at or above the level held met the target again, or, run higher up where
    // the curve crosses the target, left the level held where it was or raised it.
    const again = rechecks.filter((step) => step.users >= held && meets(step));
    const kept = rechecks.length > 0 && heldBeforeRecheck > 0 && held >= heldBeforeRecheck;
    return {
      steps,
      held,
      heldBy,
      failed,
      short: short ?? failed,
      proof,
      estimate,
      confirmed: held > 0 && (again.length > 0 || kept),
      broken,
      end,
    };
  };
  const isBroken = (step: StepResult) => brokenAnswers(step.counts) > 0 && step.judgement === 'failed';

  /**
   * Runs a level; one that was generator-bound, or below the target without proof, is run once more
   * (a 2-core runner has moments of noise; the two runs are pooled). Undefined when the search must
   * end; the reason is in `ended`.
   */
  let ended: SearchResult | undefined;
  const level = async (users: number, mode: LevelMode): Promise<StepResult | undefined> => {
    for (let attempt = 1; ; attempt += 1) {
      const blocked = roomFor();
      if (blocked) {
        ended = finish(blocked);
        return undefined;
      }
      const step = await runLevel(users, mode);
      steps.push(step);
      if (mode === 'recheck') rechecks.push(step);
      if (isBroken(step)) {
        short = Math.min(short ?? users, users);
        ended = finish('broken', step);
        return undefined;
      }
      const bound = step.judgement === 'generator-bound';
      const unsure = bound || (step.judgement === 'indeterminate' && !meets(step));
      if (!unsure) return step;
      if (attempt >= 2) {
        if (!bound) return step;
        ended = finish('undecided');
        return undefined;
      }
    }
  };
  /** The climb or the bisection stopped to leave the re-check its time, before it was done. */
  let outOfTime = false;
  /** Whether another climb or bisection step still leaves the re-check its reserve. */
  const roomBeforeRecheck = () =>
    looksHeld === 0 || performance.now() + plan.minStepMs + (plan.recheckReserveMs ?? 0) <= plan.deadline;
  /** A level is taken as past the knee when its answers fell short of the target, proven or not. */
  const fellShort = (step: StepResult) => step.judgement === 'failed' || !meets(step);

  // Climb: double until a level falls short, or the ceiling.
  for (let users = Math.min(plan.startUsers, plan.maxUsers); ; users = Math.min(users * 2, plan.maxUsers)) {
    const step = await level(users, 'climb');
    if (!step) return ended!;
    if (fellShort(step)) {
      short = users;
      break;
    }
    looksHeld = users;
    if (users >= plan.maxUsers) break;
    if (!roomBeforeRecheck()) {
      outOfTime = true;
      break;
    }
  }

  // Bisect between the highest level that met the target and the lowest that fell short.
  let ceiling = short;
  while (ceiling !== undefined && !resolvedGap(looksHeld, ceiling)) {
    if (!roomBeforeRecheck()) {
      outOfTime = true;
      break;
    }
    const mid = bisectLevel(steps, { target: plan.target, looksHeld, ceiling });
    if (mid === undefined) break;
    const step = await level(mid, 'prove');
    if (!step) return ended!;
    if (fellShort(step)) {
      ceiling = mid;
      short = Math.min(short ?? mid, mid);
    } else looksHeld = mid;
  }

  // Re-check, run until its answers decide it or the budget ends.
  const end = outOfTime ? 'time-budget' : short === undefined ? 'max-users' : 'resolved';
  if (looksHeld === 0) return finish(end);
  const { users: target, heldBefore } = recheckLevel(steps, {
    target: plan.target,
    looksHeld,
    short,
    maxUsers: plan.maxUsers,
    remainingMs: plan.deadline - performance.now(),
  });
  heldBeforeRecheck = heldBefore;
  const again = await level(target, 'recheck');
  if (!again) return ended!;

  // Refine while the budgets last: more answers where they narrow the range most (refineLevel).
  const failedRechecked = new Set<number>();
  for (let refined = 0; refined < MAX_REFINE_STEPS; refined += 1) {
    const next = refineLevel(steps, { target: plan.target, short, maxUsers: plan.maxUsers, failedRechecked });
    if (next === undefined) break;
    if (next.failedRecheck) failedRechecked.add(next.users);
    if (!(await level(next.users, 'gather'))) return ended!;
  }
  return finish(end);
}
