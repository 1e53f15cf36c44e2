/**
 * The capacity estimated from every level's answers at once: the share of good answers as a logistic
 * curve of the logarithm of the number of users, the dose-response model of probit analysis (Finney),
 * fitted by Firth's penalised likelihood so that levels where every answer was good do not push the
 * slope to infinity. Why a model at all: a stage whose share of good answers falls slowly with users (a
 * narrator that refuses now and then at any load) sits a point or two above the target over a wide range
 * of levels, and no single level — nor a few pooled — gathers the hundreds of answers that would prove
 * it; the curve through all of them does, and where it crosses the target is repeatable run to run.
 *
 * What it claims is bounded like the rest of the search: a level is held when the curve's lower
 * pointwise bound there (one-sided, the search's z) reaches the target, and only levels within the range
 * the search ran (no extrapolation). It never claims a level failed: between two levels run, a cliff
 * can stand anywhere, and a smooth curve would place a failure where none was seen (a stage that holds 7
 * users and fails at 8 looks, from levels 4 and 8, like one that fails at 6); failures stay proven by
 * the levels' own answers. When the levels scatter more than binomial noise allows, the bounds widen by
 * that factor (quasi-binomial); when they reject the curve outright (Pearson's χ² beyond its 99th
 * percentile: a cliff, not a slope), it claims nothing.
 */
import { WILSON_Z } from './step-judge.js';

/** The answers of one level of users, all its runs pooled. */
export interface LevelAnswers {
  users: number;
  good: number;
  total: number;
}

export interface CapacityEstimate {
  /** Users where the fitted share of good answers equals the target (may lie outside the levels run). */
  users: number;
  /** Most users the curve's lower bound holds within the levels run (0: not even the lowest). */
  held: number;
  /** Change of the log-odds of a good answer per doubling of the users (negative: worse with more). */
  slopePerDoubling: number;
  /** How much more the levels scatter around the curve than binomial noise would (≥ 1). */
  dispersion: number;
  levels: number;
  answers: number;
}

export type EstimateOutcome =
  { kind: 'estimated'; estimate: CapacityEstimate } | { kind: 'none'; why: string };

/** Levels below which a two-parameter curve cannot be told from the answers (and its scatter not measured). */
export const MIN_ESTIMATE_LEVELS = 3;

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

/** The normal quantile of a 1 % misfit test: a curve the levels reject at 1 % is not used. */
const MISFIT_Z = 2.3263;

/** The χ² quantile with `freedom` degrees of freedom at normal quantile `z` (Wilson–Hilferty). */
function chiSquareQuantile(freedom: number, z: number): number {
  const spread = 2 / (9 * freedom);
  return freedom * (1 - spread + z * Math.sqrt(spread)) ** 3;
}

interface Fit {
  intercept: number;
  slope: number;
  /** Inverse Fisher information: the covariance of (intercept, slope). */
  vii: number;
  vis: number;
  vss: number;
}

/** Firth-penalised logistic regression of good/total on x (Newton-Raphson on the modified score). */
function fitFirth(points: Array<{ x: number; good: number; total: number }>): Fit | undefined {
  let intercept = 0;
  let slope = 0;
  for (let iteration = 0; iteration < 100; iteration += 1) {
    let iii = 0;
    let iis = 0;
    let iss = 0;
    const probabilities = points.map((point) => logistic(intercept + slope * point.x));
    points.forEach((point, index) => {
      const p = probabilities[index]!;
      const weight = point.total * p * (1 - p);
      iii += weight;
      iis += weight * point.x;
      iss += weight * point.x * point.x;
    });
    const determinant = iii * iss - iis * iis;
    if (!(determinant > 1e-12)) return undefined;
    const [vii, vis, vss] = [iss / determinant, -iis / determinant, iii / determinant];
    let scoreI = 0;
    let scoreS = 0;
    points.forEach((point, index) => {
      const p = probabilities[index]!;
      const weight = point.total * p * (1 - p);
      // Leverage of this level: Firth's correction adds half of it as a good and half as a bad answer.
      const leverage = weight * (vii + 2 * vis * point.x + vss * point.x * point.x);
      const residual = point.good - point.total * p + leverage * (0.5 - p);
      scoreI += residual;
      scoreS += residual * point.x;
    });
    const stepI = vii * scoreI + vis * scoreS;
    const stepS = vis * scoreI + vss * scoreS;
    // Newton steps on the log-odds scale are capped: far from the answer the curvature misleads.
    const scale = Math.min(1, 5 / Math.max(Math.abs(stepI), Math.abs(stepS)));
    intercept += stepI * scale;
    slope += stepS * scale;
    if (Math.abs(stepI) + Math.abs(stepS) < 1e-9) return { intercept, slope, vii, vis, vss };
  }
  return undefined;
}

export function estimateCapacity(levels: LevelAnswers[], target: number, z = WILSON_Z): EstimateOutcome {
  const used = levels.filter((level) => level.total > 0 && level.users > 0);
  const answers = used.reduce((sum, level) => sum + level.total, 0);
  if (used.length < MIN_ESTIMATE_LEVELS)
    return { kind: 'none', why: `${used.length} level(s) with answers, ${MIN_ESTIMATE_LEVELS} needed` };
  const points = used.map((level) => ({ x: Math.log2(level.users), good: level.good, total: level.total }));
  const fit = fitFirth(points);
  if (!fit) return { kind: 'none', why: 'the curve could not be fitted to the answers' };
  if (!(fit.slope < 0))
    return { kind: 'none', why: 'the share of good answers does not fall as users are added' };
  // Scatter beyond binomial noise (Pearson's χ² over its degrees of freedom) widens every bound.
  const pearson = points.reduce((sum, point) => {
    const p = logistic(fit.intercept + fit.slope * point.x);
    const expected = point.total * p;
    return sum + (point.good - expected) ** 2 / Math.max(1e-9, expected * (1 - p));
  }, 0);
  const freedom = points.length - 2;
  // A curve the levels reject (a cliff, a stage that recovers with more users) claims nothing: the
  // levels' own proof stands alone. Milder scatter widens the bounds instead.
  if (pearson > chiSquareQuantile(freedom, MISFIT_Z))
    return {
      kind: 'none',
      why: `the levels do not follow a smooth curve (χ² ${pearson.toFixed(1)} on ${freedom} degrees of freedom)`,
    };
  const dispersion = Math.max(1, pearson / freedom);
  const bounds = (users: number) => {
    const x = Math.log2(users);
    const centre = fit.intercept + fit.slope * x;
    const spread = z * Math.sqrt(dispersion * Math.max(0, fit.vii + 2 * fit.vis * x + fit.vss * x * x));
    return { lower: logistic(centre - spread), upper: logistic(centre + spread) };
  };
  const lowest = Math.min(...used.map((level) => level.users));
  const highest = Math.max(...used.map((level) => level.users));
  // The curve falls with users, so a level it holds vouches for every level below it. Its bounds are
  // widest at the ends of the levels run: the lowest level may lie outside the lower bound's reach
  // while a middle one, with answers on both sides, lies within it.
  let held = 0;
  for (let users = lowest; users <= highest; users += 1) if (bounds(users).lower >= target) held = users;
  const logit = Math.log(target / (1 - target));
  return {
    kind: 'estimated',
    estimate: {
      users: 2 ** ((logit - fit.intercept) / fit.slope),
      held,
      slopePerDoubling: fit.slope,
      dispersion,
      levels: used.length,
      answers,
    },
  };
}
