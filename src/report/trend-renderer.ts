/**
 * The trend (trend.ts) as a markdown section for the summary and the PR comment, and as lines for the
 * terminal. Regressions come first, in one plain line; then one row per check status and measure, with
 * an arrow and the size of each change. The only text from the baseline file shown is its start time,
 * escaped; everything else is an enum or a number the schema checked.
 */
import { STATUS_EMOJI } from './conclusion.js';
import { escapeMarkdownInline, sanitizeForTerminal } from './escape.js';
import { checkName, messagesFor } from './messages.js';
import type { Language } from './language.js';
import { formatDuration } from '../kit/duration.js';
import type { CheckStatus, MeasureId } from './model.js';
import { alignColumns } from '../kit/text-table.js';
import { MEASURE_INFO, P95_MIN_GROWTH_MS, STATUS_RANK, type Regression, type TrendResult } from './trend.js';
import { trendMessagesFor, type TrendMessages } from './trend-messages.js';

type Compared = Extract<TrendResult, { kind: 'compared' }>;

const REGRESSION_MARK = '🔺';
const TREND_MARK = '📊';

function formatValue(id: MeasureId, value: number): string {
  return MEASURE_INFO[id].unit === 'ms' ? formatDuration(value) : String(value);
}

/** `×20`, `×1.9`, `×0.4`, `×0.045`: two significant digits below 1, so a drop never reads as `×0`. */
function formatRatio(ratio: number): string {
  if (ratio >= 10) return String(Math.round(ratio));
  if (ratio >= 1) return ratio.toFixed(1).replace(/\.0$/, '');
  return String(Number(ratio.toPrecision(2)));
}

/** `▲ +19 (×20)`, `▼ −40 ms (×0.8)`, `=`; `new` / `not measured now` when one side is missing. */
function describeMeasureChange(
  id: MeasureId,
  before: number | undefined,
  after: number | undefined,
  t: TrendMessages,
): string {
  if (before === undefined) return t.onlyNow;
  if (after === undefined) return t.onlyBefore;
  if (after === before) return `= ${t.same}`;
  const delta = after - before;
  const size = formatValue(id, Math.abs(delta));
  const ratio = before > 0 ? ` (×${formatRatio(after / before)})` : '';
  return `${delta > 0 ? '▲ +' : '▼ −'}${size}${ratio}`;
}

function statusMark(status: CheckStatus | undefined, t: TrendMessages): string {
  return status ? STATUS_EMOJI[status] : t.absent;
}

function describeStatusChange(
  before: CheckStatus | undefined,
  after: CheckStatus | undefined,
  regression: boolean,
  t: TrendMessages,
): string {
  if (regression) return `${REGRESSION_MARK} ${t.regression}`;
  if (before === after) return `= ${t.same}`;
  if (before && after && STATUS_RANK[after] < STATUS_RANK[before] && after !== 'skipped')
    return `▼ ${t.better}`;
  return t.changed;
}

/** One regression in words: `plan-cache-single-flight ✅ → ❌`, `…: heavy executions 1 → 20, ▲ +19 (×20)`. */
function describeRegression(regression: Regression, t: TrendMessages): string {
  if (regression.what === 'status')
    return `${regression.check} ${STATUS_EMOJI[regression.before as CheckStatus]} → ${STATUS_EMOJI[regression.after as CheckStatus]}`;
  const id = regression.what;
  const before = regression.before as number;
  const after = regression.after as number;
  return `${regression.check}: ${t.measures[id]} ${formatValue(id, before)} → ${formatValue(id, after)}, ${describeMeasureChange(id, before, after, t)}`;
}

/** One line for the log: the regressions, or that there are none. */
export function describeTrend(trend: TrendResult, language: Language): string {
  const t = trendMessagesFor(language);
  if (trend.kind === 'none') return t.noBaseline(trend.reason);
  if (trend.kind === 'refused') return t.refused(trend.reason);
  if (trend.regressions.length === 0) return t.noRegression;
  return `${t.regressions(trend.regressions.length)}: ${trend.regressions.map((r) => describeRegression(r, t)).join('; ')}`;
}

function rowsOf(trend: Compared, language: Language): string[][] {
  const t = trendMessagesFor(language);
  const m = messagesFor(language);
  const rows: string[][] = [];
  for (const check of trend.checks) {
    const { before, after, regression } = check.status;
    rows.push([
      `${checkName(m, check.id)} (${check.id})`,
      t.status,
      statusMark(before, t),
      statusMark(after, t),
      describeStatusChange(before, after, regression, t),
    ]);
    for (const change of check.measures) {
      const mark = change.regression ? ` ${REGRESSION_MARK} ${t.regression}` : '';
      rows.push([
        '',
        t.measures[change.id],
        change.before === undefined ? t.absent : formatValue(change.id, change.before),
        change.after === undefined ? t.absent : formatValue(change.id, change.after),
        `${describeMeasureChange(change.id, change.before, change.after, t)}${mark}`,
      ]);
    }
  }
  return rows;
}

function baselineLine(trend: Compared, t: TrendMessages, clean: (text: string) => string): string {
  const b = trend.baseline;
  return t.baselineLine(clean(b.startedAt), b.driver, b.replicas, b.verdict);
}

/** The markdown section: a heading, the regressions in bold (or "no regression"), and the table. */
export function renderTrendMarkdown(trend: TrendResult, language: Language): string {
  const t = trendMessagesFor(language);
  if (trend.kind !== 'compared')
    return `_${TREND_MARK} ${escapeMarkdownInline(describeTrend(trend, language), 600)}_`;
  const parts = [`### ${TREND_MARK} ${t.title}`];
  parts.push(baselineLine(trend, t, (text) => escapeMarkdownInline(text, 40)));
  parts.push(
    trend.regressions.length === 0
      ? `**${t.noRegression}**`
      : `**${REGRESSION_MARK} ${t.regressions(trend.regressions.length)}:** ${trend.regressions
          .map((regression) => escapeMarkdownInline(describeRegression(regression, t)))
          .join(' · ')}`,
  );
  const rows = rowsOf(trend, language).map((row) => row.map((cell) => escapeMarkdownInline(cell) || ' '));
  if (rows.length > 0)
    parts.push(
      [
        `| ${t.columns.join(' | ')} |`,
        `| ${t.columns.map(() => '---').join(' | ')} |`,
        ...rows.map((row) => `| ${row.join(' | ')} |`),
      ].join('\n'),
    );
  parts.push(
    `<sub>${escapeMarkdownInline(t.rule(trend.p95Factor, formatDuration(P95_MIN_GROWTH_MS)))}</sub>`,
  );
  return parts.join('\n\n');
}

/** The terminal lines (the CLI prints them after the report). */
export function renderTrendTerminal(trend: TrendResult, language: Language, color = false): string {
  const t = trendMessagesFor(language);
  const paint = (text: string, code: number) => (color ? `\u001B[${code}m${text}\u001B[0m` : text);
  if (trend.kind !== 'compared')
    return `${TREND_MARK} ${sanitizeForTerminal(describeTrend(trend, language), 600)}\n`;
  const out = [
    paint(`${TREND_MARK} ${t.title}`, 1),
    `   ${baselineLine(trend, t, (text) => sanitizeForTerminal(text, 40))}`,
  ];
  out.push(
    trend.regressions.length === 0
      ? paint(`   ${t.noRegression}`, 32)
      : paint(`   ${REGRESSION_MARK} ${describeTrend(trend, language)}`, 31),
  );
  for (const line of alignColumns(rowsOf(trend, language))) out.push(`   ${line}`);
  return `${out.join('\n')}\n`;
}
