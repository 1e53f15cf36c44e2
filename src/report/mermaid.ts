/**
 * Charts as Mermaid source, which GitHub draws in the job summary and in PR comments (a ```mermaid
 * block): bars as `xychart-beta`, shares as `pie`. Every title and label is reduced to a small safe
 * alphabet, so stage-controlled text (a replica id) can neither end a quoted string, start a directive
 * (`%%{init}%%`), add a statement, inject HTML nor close the code fence. A chart too large to read (or
 * to fit a comment) is not drawn: the caller falls back to the evidence's text.
 */
import { toSingleLine, truncateText } from './escape.js';
import type { Chart } from './model.js';

/** Most bars (categories) or slices in one chart. */
export const CHART_MAX_POINTS = 60;
/** Most bytes of one chart's source. */
const CHART_MAX_BYTES = 6000;
const LABEL_MAX_CHARS = 40;
const TITLE_MAX_CHARS = 80;

/** Letters, digits, space and a little punctuation that no Mermaid grammar gives a meaning inside a label. */
const UNSAFE_LABEL_CHARS = /[^\p{L}\p{N} _.:#/()+-]/gu;

/** A label safe inside a Mermaid string (or a pie title): never empty, one line, at most `maxChars`. */
export function mermaidLabel(text: string, maxChars = LABEL_MAX_CHARS): string {
  const clean = toSingleLine(text).replace(UNSAFE_LABEL_CHARS, ' ').replace(/\s+/g, ' ').trim();
  return truncateText(clean, maxChars) || '?';
}

/** A whole, finite, non-negative number, as Mermaid reads it. */
function chartNumber(value: number | undefined): string {
  return value !== undefined && Number.isFinite(value) && value > 0 ? String(Math.round(value)) : '0';
}

/** Labels made distinct: two ids may sanitize to the same text, and a band axis needs distinct ones. */
function distinctLabels(labels: string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((label) => {
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    return count === 1 ? label : `${label} (${count})`;
  });
}

/** The top of the value axis: the largest value drawn, and at least 1 (an axis from 0 to 0 draws nothing). */
function axisTop(chart: Extract<Chart, { type: 'bars' }>): string {
  const values = chart.series.flatMap((series) =>
    chart.categories.map((_, index) => Number(chartNumber(series.values[index]))),
  );
  return String(Math.max(1, ...values));
}

function barsSource(title: string, chart: Extract<Chart, { type: 'bars' }>): string | undefined {
  if (chart.categories.length === 0 || chart.series.length === 0) return undefined;
  const categories = distinctLabels(chart.categories.map((label) => mermaidLabel(label)));
  return [
    'xychart-beta',
    `    title "${mermaidLabel(title, TITLE_MAX_CHARS)}"`,
    `    x-axis "${mermaidLabel(chart.xTitle)}" [${categories.map((label) => `"${label}"`).join(', ')}]`,
    // From zero, always: Mermaid otherwise starts the axis at the smallest value, and a bar of 6 beside
    // bars of 7 looks like nothing at all.
    `    y-axis "${mermaidLabel(chart.yTitle)}" 0 --> ${axisTop(chart)}`,
    // Bars first, lines after: a line is drawn over the bars, never hidden behind one.
    ...[...chart.series]
      .sort((a, b) => Number(a.drawn === 'line') - Number(b.drawn === 'line'))
      .map(
        (series) =>
          `    ${series.drawn === 'line' ? 'line' : 'bar'} [${chart.categories.map((_, index) => chartNumber(series.values[index])).join(', ')}]`,
      ),
  ].join('\n');
}

function pieSource(title: string, chart: Extract<Chart, { type: 'pie' }>): string | undefined {
  // An empty slice draws nothing and says nothing.
  const slices = chart.slices.filter((slice) => chartNumber(slice.value) !== '0');
  if (slices.length === 0) return undefined;
  const labels = distinctLabels(slices.map((slice) => mermaidLabel(slice.label)));
  return [
    `pie title ${mermaidLabel(title, TITLE_MAX_CHARS)}`,
    ...slices.map((slice, index) => `    "${labels[index]}" : ${chartNumber(slice.value)}`),
  ].join('\n');
}

/** The Mermaid source of `chart`, or undefined when it has nothing to draw or is too large to draw. */
export function mermaidSource(title: string, chart: Chart): string | undefined {
  const points = chart.type === 'bars' ? chart.categories.length : chart.slices.length;
  if (points > CHART_MAX_POINTS) return undefined;
  const source = chart.type === 'bars' ? barsSource(title, chart) : pieSource(title, chart);
  if (source === undefined || Buffer.byteLength(source, 'utf8') > CHART_MAX_BYTES) return undefined;
  return source;
}

/** A ```mermaid block; the source holds no backtick (labels cannot), so the fence cannot be closed early. */
export function mermaidBlock(source: string): string {
  return `\`\`\`mermaid\n${source}\n\`\`\``;
}
