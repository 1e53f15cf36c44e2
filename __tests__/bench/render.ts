/** The bench's markdown: one table of every figure (min / median / max, target, PASS/MISS), by section. */
import type { FigureSummary } from './figures.js';
import type { BenchResults } from './run-bench.js';
import { round } from './stats.js';

function show(value: number | undefined, unit: string): string {
  if (value === undefined) return '–';
  if (unit === 'count') return String(round(value, 0));
  if (unit === 'ratio' || unit === 'cmd/req') return round(value, 3).toFixed(3);
  if (unit === 'req/s' || unit === 'µs') return String(Math.round(value));
  if (unit === 's') return round(value, 2).toFixed(2);
  return round(value, 1).toFixed(1);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMarkdown(results: BenchResults): string {
  const { machine, profile } = results;
  const lines = [
    `# stagegate bench (${profile.name})`,
    '',
    `${results.startedAt} · ${Math.round(results.durationMs / 1000)} s · ${machine.cpus} × ${machine.cpuModel} · Node ${machine.node} · ` +
      `load average ${machine.loadAverageAtStart.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end · ` +
      `${profile.repetitions} repetitions per figure` +
      (profile.throughputRounds
        ? ` (gate burst: at least 3; throughput: ${profile.throughputRounds} rounds of ${profile.throughput.durationMs / 1000} s per load, ${profile.throughput.connections} connections)`
        : '') +
      (profile.wrkRounds && machine.wrk
        ? ` · wrk: ${profile.wrkRounds} rounds of ${profile.wrk.durationMs / 1000} s per load, -t${profile.wrk.threads} -c${profile.wrk.connections}, ${machine.wrk}`
        : ''),
    '',
    '| Figure | min | median | max | unit | target | |',
    '|---|---:|---:|---:|---|---|---|',
  ];
  let section = '';
  for (const figure of results.figures) {
    if (figure.section !== section) {
      section = figure.section;
      lines.push(`| **${cell(section)}** | | | | | | |`);
    }
    lines.push(row(figure));
  }
  const notes = results.figures.filter((figure) => figure.note);
  if (notes.length) {
    lines.push('', ...notes.map((figure) => `- ${figure.label}: ${figure.note}`));
  }
  const redis = redisBreakdown(results);
  if (redis) lines.push('', redis);
  return `${lines.join('\n')}\n`;
}

function row(figure: FigureSummary): string {
  const { spread, unit, target } = figure;
  const verdict = target
    ? target.verdict === 'PASS'
      ? 'PASS'
      : target.verdict === 'MISS'
        ? '**MISS**'
        : '–'
    : '';
  return `| ${cell(figure.label)} | ${show(spread?.min, unit)} | ${show(spread?.median, unit)} | ${show(spread?.max, unit)} | ${unit} | ${cell(target?.text ?? '')} | ${verdict} |`;
}

/** Which commands Redis ran for one burst of each size (the first repetition), as Redis counted them. */
function redisBreakdown(results: BenchResults): string | undefined {
  const seen = new Set<number>();
  const lines: string[] = [];
  for (const burst of results.details.singleFlight) {
    if (seen.has(burst.size)) continue;
    seen.add(burst.size);
    const commands = Object.entries(burst.redis.byCommand)
      .sort(([, a], [, b]) => b - a)
      .map(([name, calls]) => `${name} ${calls}`)
      .join(', ');
    lines.push(`- burst of ${burst.size}: ${burst.redis.total} commands (${commands || 'none'})`);
  }
  if (!lines.length) return undefined;
  return [
    'Redis commands of one single-flight burst, from INFO commandstats (commands run inside Lua scripts count too):',
    '',
    ...lines,
  ].join('\n');
}
