/**
 * What changed since an earlier report (the baseline, usually the base branch's last run): per check,
 * the status and the measures, and which changes are regressions. Pure: reading the baseline is
 * baseline.ts's job, wording it the trend renderer's.
 */
import {
  CHECK_IDS,
  MEASURE_IDS,
  type CheckId,
  type CheckResult,
  type CheckStatus,
  type GateReport,
  type MeasureId,
} from './model.js';

/**
 * A burst p95 that grew by less than this is never called a regression, whatever the factor: on a fast
 * stage a few milliseconds of scheduling noise can double it.
 */
export const P95_MIN_GROWTH_MS = 100;

/** Which check measures what, and in which unit. */
export const MEASURE_INFO: Record<MeasureId, { check: CheckId; unit: 'count' | 'ms' }> = {
  heavyExecutions: { check: 'plan-cache-single-flight', unit: 'count' },
  burstP50Ms: { check: 'plan-cache-single-flight', unit: 'ms' },
  burstP95Ms: { check: 'plan-cache-single-flight', unit: 'ms' },
  leaderMs: { check: 'plan-cache-single-flight', unit: 'ms' },
  overloads: { check: 'narrator-saturation', unit: 'count' },
  slowestHealthzMs: { check: 'narrator-saturation', unit: 'ms' },
  capacityUsersHeld: { check: 'chat-capacity', unit: 'count' },
  capacityUsersFailed: { check: 'chat-capacity', unit: 'count' },
  capacitySloP95Ms: { check: 'chat-capacity', unit: 'ms' },
  capacityAttainmentPct: { check: 'chat-capacity', unit: 'count' },
};

/**
 * The noise band of the users held: three repeats of the capacity search on a 2-core runner stay within
 * ±25 % of their median (or ±2 users), so only a drop beyond both is called a regression.
 */
export const CAPACITY_NOISE_SHARE = 0.25;
export const CAPACITY_NOISE_USERS = 2;

export interface TrendOptions {
  /** The burst p95 may grow up to this many times the baseline's before it is a regression. */
  p95Factor: number;
}

export interface StatusChange {
  /** Undefined when the report has no such check. */
  before: CheckStatus | undefined;
  after: CheckStatus | undefined;
  regression: boolean;
}

export interface MeasureChange {
  id: MeasureId;
  before: number | undefined;
  after: number | undefined;
  regression: boolean;
}

export interface CheckTrend {
  id: CheckId;
  status: StatusChange;
  measures: MeasureChange[];
}

export interface Regression {
  check: CheckId;
  /** `status`, or the measure that regressed. */
  what: 'status' | MeasureId;
  before: CheckStatus | number;
  after: CheckStatus | number;
}

export interface BaselineInfo {
  startedAt: string;
  version: number;
  verdict: GateReport['verdict'];
  driver: GateReport['stage']['driver'];
  replicas: number;
}

export type TrendResult =
  /** No baseline to compare with (e.g. the first run on the base branch): said in one line. */
  | { kind: 'none'; reason: string }
  /** A baseline was there but could not be used (not ours, another format): said with the reason. */
  | { kind: 'refused'; reason: string }
  | {
      kind: 'compared';
      baseline: BaselineInfo;
      checks: CheckTrend[];
      regressions: Regression[];
      p95Factor: number;
    };

const RAN: readonly CheckStatus[] = ['pass', 'warn', 'fail'];
/** Worse is higher; `skipped` (nothing proven) lowest. */
export const STATUS_RANK: Record<CheckStatus, number> = { skipped: 0, pass: 1, warn: 2, fail: 3 };

/** Worse only between checks that ran both times: a check not run proves nothing either way. */
function statusRegressed(before: CheckStatus | undefined, after: CheckStatus | undefined): boolean {
  if (!before || !after || !RAN.includes(before) || !RAN.includes(after)) return false;
  return STATUS_RANK[after] > STATUS_RANK[before];
}

function measureRegressed(
  id: MeasureId,
  before: number | undefined,
  after: number | undefined,
  options: TrendOptions,
): boolean {
  if (before === undefined || after === undefined) return false;
  switch (id) {
    // One execution per burst is the design: any more than before means sharing was lost.
    case 'heavyExecutions':
      return after > before;
    case 'burstP95Ms':
      return after > before * options.p95Factor && after - before >= P95_MIN_GROWTH_MS;
    case 'capacityUsersHeld':
      return after < before * (1 - CAPACITY_NOISE_SHARE) && before - after > CAPACITY_NOISE_USERS;
    default:
      return false;
  }
}

function compareCheck(
  id: CheckId,
  before: CheckResult | undefined,
  after: CheckResult | undefined,
  options: TrendOptions,
): CheckTrend {
  const measures = MEASURE_IDS.filter((measure) => MEASURE_INFO[measure].check === id)
    .map((measure) => {
      const was = before?.measures?.[measure];
      const now = after?.measures?.[measure];
      return {
        id: measure,
        before: was,
        after: now,
        regression: measureRegressed(measure, was, now, options),
      };
    })
    .filter((change) => change.before !== undefined || change.after !== undefined);
  return {
    id,
    status: {
      before: before?.status,
      after: after?.status,
      regression: statusRegressed(before?.status, after?.status),
    },
    measures,
  };
}

/** Compares `current` with `baseline`, check by check, in the checks' canonical order. */
export function compareReports(
  baseline: GateReport,
  current: GateReport,
  options: TrendOptions,
): Extract<TrendResult, { kind: 'compared' }> {
  const find = (report: GateReport, id: CheckId) => report.checks.find((check) => check.id === id);
  const checks = CHECK_IDS.map((id) =>
    compareCheck(id, find(baseline, id), find(current, id), options),
  ).filter(
    // A check skipped (or absent) both times has nothing to show.
    (trend) =>
      RAN.includes(trend.status.before ?? 'skipped') || RAN.includes(trend.status.after ?? 'skipped'),
  );
  const regressions: Regression[] = [];
  for (const trend of checks) {
    const { before, after } = trend.status;
    if (trend.status.regression && before && after)
      regressions.push({ check: trend.id, what: 'status', before, after });
    for (const change of trend.measures)
      if (change.regression && change.before !== undefined && change.after !== undefined)
        regressions.push({ check: trend.id, what: change.id, before: change.before, after: change.after });
  }
  return {
    kind: 'compared',
    baseline: {
      startedAt: baseline.startedAt,
      version: baseline.version,
      verdict: baseline.verdict,
      driver: baseline.stage.driver,
      replicas: baseline.stage.replicas,
    },
    checks,
    regressions,
    p95Factor: options.p95Factor,
  };
}
