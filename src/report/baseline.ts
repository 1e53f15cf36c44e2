/**
 * The trend of a run against its baseline file, for the action and the CLI alike. A baseline never
 * breaks a run: a missing one becomes the one-line "no baseline", an unusable one the reason it was
 * not used; only the comparison itself (trend.ts) decides what is a regression.
 */
import type { GateReport } from './model.js';
import { readReportFile, ReportFileError } from './report-file.js';
import { compareReports, type TrendOptions, type TrendResult } from './trend.js';

/** Undefined when no baseline was asked for (`path` unset): the report then has no trend at all. */
export async function trendAgainstBaseline(
  path: string | undefined,
  current: GateReport,
  options: TrendOptions,
): Promise<TrendResult | undefined> {
  if (!path) return undefined;
  try {
    return compareReports(await readReportFile(path), current, options);
  } catch (error) {
    if (!(error instanceof ReportFileError)) throw error;
    return error.problem === 'missing'
      ? { kind: 'none', reason: error.message }
      : { kind: 'refused', reason: error.message };
  }
}
