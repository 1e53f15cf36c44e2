/**
 * The report model: what every check produces and what every renderer (markdown, terminal, JSON)
 * and every output (summary, PR comment, action outputs) reads. Pure data, serialisable as JSON.
 */

export const CHECK_IDS = [
  'stage-up',
  'load-balancing',
  'plan-cache-single-flight',
  'private-isolation',
  'narrator-saturation',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * `pass` ✅, `warn` ⚠️ (degraded), `fail` ❌, `skipped` (not run: not selected, or a check it depends
 * on could not run — the reason says which).
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

/** One piece of evidence: a table, a key/value list, a histogram, or preformatted lines. */
export type Evidence =
  | { kind: 'facts'; title: string; facts: Array<{ label: string; value: string | number | boolean }> }
  | { kind: 'table'; title: string; columns: string[]; rows: Array<Array<string | number | boolean>> }
  | { kind: 'histogram'; title: string; buckets: Array<{ label: string; count: number }> }
  | { kind: 'lines'; title: string; lines: string[] };

/**
 * The numbers a later run is compared with (see trend.ts): stable ids, whatever the report's language.
 * Each is set only by the check that measures it, and left out when that run could not measure it.
 */
export const MEASURE_IDS = [
  'heavyExecutions',
  'burstP50Ms',
  'burstP95Ms',
  'leaderMs',
  'overloads',
  'slowestHealthzMs',
] as const;
export type MeasureId = (typeof MEASURE_IDS)[number];
export type CheckMeasures = Partial<Record<MeasureId, number>>;

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** One line a human reads first: why this status. Stage-supplied text in here is escaped by renderers. */
  reason: string;
  evidence: Evidence[];
  /** Report format 2 on; absent when the check measured nothing comparable (or in a format-1 report). */
  measures?: CheckMeasures;
  durationMs: number;
}

/**
 * `ready`: every selected check passed (or warned, when warnings are allowed by the fail policy).
 * `not-ready`: a check failed. `boot-failed`: the stage could not be booted, so nothing was proven.
 */
export type Verdict = 'ready' | 'not-ready' | 'boot-failed';

/**
 * Version of the report's JSON format. 2 added `measures` to each check; a format-1 report is still
 * read (as a baseline or for publishing), without measures.
 */
export const REPORT_FORMAT_VERSION = 2;
/** Every format this build reads; anything else is refused by report-file.ts with the reason. */
export const READABLE_REPORT_VERSIONS = [1, 2] as const;

export interface GateReport {
  /** Format version of this JSON (REPORT_FORMAT_VERSION when written), so consumers can detect changes. */
  version: (typeof READABLE_REPORT_VERSIONS)[number];
  verdict: Verdict;
  /** Worst status over the checks that ran. */
  worst: CheckStatus;
  checks: CheckResult[];
  stage: {
    driver: 'compose' | 'local' | 'external';
    baseUrl: string;
    replicas: number;
    narratorMaxConcurrency: number;
  };
  startedAt: string;
  durationMs: number;
  /** Durations of boot, each check and teardown, for the time-to-verdict benchmark. */
  phases: Array<{ name: string; durationMs: number }>;
  language: 'pt-BR' | 'en';
}
