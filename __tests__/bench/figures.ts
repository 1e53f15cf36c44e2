/**
 * The bench's results model: every figure is a list of samples (one per repetition) summarised as
 * min / median / max, optionally against one of the targets of issues 5 and 13. A target is information, printed
 * PASS or MISS next to the figure, never a test failure.
 */
import { spreadOf, type Spread } from './stats.js';

export interface Target {
  /** How the target reads in the table, e.g. `= 1 every time`, `≤ 25 ms`. */
  text: string;
  /** `every`: each sample must meet it (counts); `median`: the median must (timings, ratios). */
  judgedOn: 'every' | 'median';
  meets(value: number): boolean;
}

export interface Figure {
  /** Stable id for the JSON, e.g. `single-flight.burst-1000.heavy-executions`. */
  id: string;
  section: string;
  label: string;
  unit: string;
  samples: number[];
  target?: Target;
  /** Why a figure has no samples, or what bounds it. */
  note?: string;
}

export type Verdict = 'PASS' | 'MISS' | 'n/a';

export function verdictOf(figure: Figure): Verdict {
  const spread = spreadOf(figure.samples);
  if (!figure.target || !spread) return 'n/a';
  if (figure.target.judgedOn === 'every') return figure.samples.every(figure.target.meets) ? 'PASS' : 'MISS';
  return figure.target.meets(spread.median) ? 'PASS' : 'MISS';
}

export const TARGETS = {
  exactlyOne: {
    text: '= 1 every time',
    judgedOn: 'every',
    meets: (value: number) => value === 1,
  },
  followersWithin25Ms: {
    text: '≤ 25 ms',
    judgedOn: 'median',
    meets: (value: number) => value <= 25,
  },
  cachedAskRatio: {
    text: '≥ 0.60',
    judgedOn: 'median',
    meets: (value: number) => value >= 0.6,
  },
  /** Issue 13's targets, measured with wrk. */
  wrkCachedAskRatio: {
    text: '≥ 0.85',
    judgedOn: 'median',
    meets: (value: number) => value >= 0.85,
  },
  wrkCachedAskP99: {
    text: '≤ 2',
    judgedOn: 'median',
    meets: (value: number) => value <= 2,
  },
  wrkRedisPerCachedAsk: {
    text: '≤ 0.05',
    judgedOn: 'median',
    meets: (value: number) => value <= 0.05,
  },
  dispatchSpread: {
    text: '< 5 ms',
    judgedOn: 'median',
    meets: (value: number) => value < 5,
  },
  timeToVerdict: {
    text: '< 20 s',
    judgedOn: 'median',
    meets: (value: number) => value < 20,
  },
  /** Issue 11: the warm compose stage's time to verdict within 1.5 × the local stage's. */
  composeVerdictRatio: {
    text: '≤ 1.5',
    judgedOn: 'median',
    meets: (value: number) => value <= 1.5,
  },
} as const satisfies Record<string, Target>;

/** `≤ limit` on every sample: a bound that must hold each time (counts). */
export function atMostEveryTime(limit: number): Target {
  return { text: `≤ ${limit} every time`, judgedOn: 'every', meets: (value: number) => value <= limit };
}

/** Collects figures in the order they are measured; a figure measured again gets its samples appended. */
export class FigureBook {
  private readonly figures = new Map<string, Figure>();

  add(figure: Omit<Figure, 'samples'>, sample: number | undefined): void {
    const existing = this.figures.get(figure.id);
    const entry = existing ?? { ...figure, samples: [] };
    if (!existing) this.figures.set(figure.id, entry);
    if (sample !== undefined && Number.isFinite(sample)) entry.samples.push(sample);
  }

  note(id: string, note: string): void {
    const figure = this.figures.get(id);
    if (figure) figure.note = figure.note ? `${figure.note}; ${note}` : note;
  }

  all(): Figure[] {
    return [...this.figures.values()];
  }
}

export interface FigureSummary {
  id: string;
  section: string;
  label: string;
  unit: string;
  samples: number[];
  spread?: Spread;
  target?: { text: string; judgedOn: Target['judgedOn']; verdict: Verdict };
  note?: string;
}

export function summarize(figure: Figure): FigureSummary {
  const spread = spreadOf(figure.samples);
  return {
    id: figure.id,
    section: figure.section,
    label: figure.label,
    unit: figure.unit,
    samples: figure.samples,
    ...(spread ? { spread } : {}),
    ...(figure.target
      ? { target: { text: figure.target.text, judgedOn: figure.target.judgedOn, verdict: verdictOf(figure) } }
      : {}),
    ...(figure.note ? { note: figure.note } : {}),
  };
}
