/**
 * The report model: what every check produces and what every renderer (markdown, terminal, JSON)
 * and every output (summary, PR comment, action outputs) reads. Pure data, serialisable as JSON.
 */
import type { DriverKind } from '../stage/driver.js';
import type { Language } from './language.js';

export const CHECK_IDS = [
  'stage-up',
  'load-balancing',
  'plan-cache-single-flight',
  'private-isolation',
  'narrator-saturation',
  'chat-capacity',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * `pass` ✅, `warn` ⚠️ (degraded), `fail` ❌, `skipped` (not run: not selected, or a check it depends
 * on could not run — the reason says which).
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

/**
 * One piece of evidence: a table, a key/value list, a histogram, preformatted lines, or a chart (drawn
 * where a renderer can — a Mermaid chart in markdown — and left to the other evidence elsewhere).
 */
export type Evidence =
  | { kind: 'facts'; title: string; facts: Array<{ label: string; value: string | number | boolean }> }
  | { kind: 'table'; title: string; columns: string[]; rows: Array<Array<string | number | boolean>> }
  | { kind: 'histogram'; title: string; buckets: Array<{ label: string; count: number }> }
  | { kind: 'lines'; title: string; lines: string[] }
  | { kind: 'chart'; title: string; chart: Chart };

/**
 * `bars`: one bar per category, for each series (series are drawn over each other, so a series that is
 * zero except at one category marks that category, e.g. the single-flight leader); a series drawn as a
 * `line` goes over the bars without hiding them (a limit beside the measured values, e.g. an SLO).
 * `pie`: shares. Labels may come from the stage: renderers sanitize them.
 */
export type Chart =
  | {
      type: 'bars';
      xTitle: string;
      yTitle: string;
      categories: string[];
      series: Array<{ name: string; values: number[]; drawn?: 'line' }>;
    }
  | { type: 'pie'; slices: Array<{ label: string; value: number }> };

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
  'capacityUsersHeld',
  'capacityUsersFailed',
  'capacitySloP95Ms',
  'capacityAttainmentPct',
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
  /**
   * Set when metric evidence this check relies on could not be read (the missing-metric rule,
   * src/checks/metric-evidence.ts): why, in the report's language. The verdict line says so.
   */
  metricEvidenceMissing?: string;
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
    driver: DriverKind;
    baseUrl: string;
    replicas: number;
    narratorMaxConcurrency: number;
  };
  startedAt: string;
  durationMs: number;
  /** Durations of boot, each check and teardown, for the time-to-verdict benchmark. */
  phases: Array<{ name: string; durationMs: number }>;
  language: Language;
  /** The newest lines of each service's log, attached when a check did not pass or the boot failed. */
  serviceLogs?: ServiceLogTails;
  /** Every /ask the checks sent over the run, the failed ones, and the error budget (absent: no ask sent). */
  asks?: AskAccount;
}

/**
 * A capped tail of every service's log: never the whole log (that is streamed to the log dir), only
 * the newest `linesPerService` lines of each service, each cut at `maxLineChars`.
 */
export interface ServiceLogTails {
  linesPerService: number;
  maxLineChars: number;
  services: Array<{
    service: string;
    /** Oldest first. */
    lines: string[];
    /** Why the log could not be read (a driver's own words). */
    error?: string;
  }>;
}

/**
 * The run's /ask answers, counted across every check: a failure is no response, a non-2xx other than
 * the designed overload refusal, a body that is not a JSON object, or a 2xx with an error or no answer.
 */
export interface AskAccount {
  sent: number;
  failed: number;
  /** Failed asks allowed (the error-budget option); more fail the run. */
  budget: number;
  checks: Array<{ check: CheckId; sent: number; failed: number }>;
  /** The failures grouped, most frequent first (stage-supplied text: escaped by renderers). */
  problems?: string;
}
