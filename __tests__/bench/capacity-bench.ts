/**
 * The reference stage's chat capacity (the gate's chat-capacity check, its options at their defaults but
 * the time budget, which the profile sets) on the local stage, as `npm run gate:local` boots it: 3
 * replicas, the Ollama simulator. Three variants in one run, each repeated on a fresh stage: the narrator limit at 1, at 4, and at 1 with the narrator's
 * bounded queue (NARRATOR_QUEUE_TIMEOUT_MS). Each run reports the range (held / failed), the bottleneck
 * the check named from the stage's metrics, and its phase-B line.
 *
 * The simulator generates 4 replies at once (OLLAMA_NUM_PARALLEL=4, as the bench's other stages):
 * with one slot (its default, a CPU-only Ollama) the LLM backend is the limit whatever the narrator
 * allows, and the comparison of narrator limits would measure the backend twice.
 */
import { performance } from 'node:perf_hooks';
import { runGate } from '../../src/gate/run-gate.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import type { CheckResult } from '../../src/report/model.js';
import { factOf } from '../support/check-facts.js';
import { LocalStageDriver } from '../../src/stage/local/local-driver.js';
import type { FigureBook, Target } from './figures.js';
import { spreadOf } from './stats.js';

export interface CapacityVariant {
  id: 'limit-1' | 'limit-4' | 'limit-1-queue';
  label: string;
  narratorLimit: number;
  /** The stage's own env on top (NARRATOR_QUEUE_TIMEOUT_MS for the bounded queue). */
  stageEnv: Record<string, string>;
}

const BACKEND_ENV = { OLLAMA_NUM_PARALLEL: '4' };

export const CAPACITY_VARIANTS: readonly CapacityVariant[] = [
  { id: 'limit-1', label: 'narrator limit 1', narratorLimit: 1, stageEnv: BACKEND_ENV },
  { id: 'limit-4', label: 'narrator limit 4', narratorLimit: 4, stageEnv: BACKEND_ENV },
  {
    id: 'limit-1-queue',
    label: 'narrator limit 1, queue 1000 ms',
    narratorLimit: 1,
    stageEnv: { ...BACKEND_ENV, NARRATOR_QUEUE_TIMEOUT_MS: '1000' },
  },
];

export interface CapacityProfile {
  variants: CapacityVariant['id'][];
  repetitions: number;
  /** capacity-budget-seconds; undefined: the gate's default. */
  budgetSeconds?: number;
  /** capacity-budget-seconds of a variant, over budgetSeconds. */
  budgetSecondsOf?: Partial<Record<CapacityVariant['id'], number>>;
}

/**
 * Requests a second of the time budget: the search's request budget, set so that its time budget always
 * ends it first (the local stage answers 20 asks a second at most here; the gate's default of 4,000
 * requests would end a 600 s search at limit 1 two-thirds of the way).
 */
const REQUESTS_PER_BUDGET_SECOND = 30;

/** The time budget a variant's searches get in `profile` (undefined: the gate's default). */
export function budgetOf(profile: CapacityProfile, variant: CapacityVariant['id']): number | undefined {
  return profile.budgetSecondsOf?.[variant] ?? profile.budgetSeconds;
}

export interface CapacityMeasurement {
  variant: CapacityVariant['id'];
  repetition: number;
  status: CheckResult['status'];
  held: number;
  /** Undefined when no level was proven failed. */
  failed?: number;
  /** What the levels' own answers proved, and the curve through all of them (the report's facts). */
  proof: string;
  curve: string;
  bottleneck: string;
  phaseB: string;
  /** Each step: users, answers, attainment, judgement. */
  steps: string[];
  reason: string;
  checkMs: number;
  /** The search's time budget (undefined: the gate's default). */
  budgetSeconds?: number;
}

const fact = (check: CheckResult, label: string): string => factOf(check, label) ?? '?';

function stepsOf(check: CheckResult): string[] {
  const table = check.evidence.find((evidence) => evidence.kind === 'table');
  if (table?.kind !== 'table') return [];
  // #, users, answers, p50, p95, within SLO [bounds], degraded, errors, no answer, generator load, result
  return table.rows.map(
    (row) => `${row[1]}u ${row[2]} answers ${row[5]} degraded ${row[6]} p95 ${row[4]} ${row[10]}`,
  );
}

export async function measureCapacity(
  variant: CapacityVariant,
  repetition: number,
  budgetSeconds: number | undefined,
): Promise<CapacityMeasurement> {
  const settings = parseGateSettings({
    driver: 'local',
    language: 'en',
    checks: ['stage-up', 'chat-capacity'],
    narratorMaxConcurrency: variant.narratorLimit,
    ...(budgetSeconds === undefined
      ? {}
      : {
          capacityBudgetSeconds: budgetSeconds,
          capacityMaxRequests: budgetSeconds * REQUESTS_PER_BUDGET_SECOND,
        }),
  });
  const driver = new LocalStageDriver();
  const started = performance.now();
  try {
    const report = await runGate(settings, { driver, stageEnv: variant.stageEnv });
    const check = report.checks.find((entry) => entry.id === 'chat-capacity');
    if (!check || check.status === 'skipped')
      throw new Error(
        `chat-capacity did not run (${report.checks.map((entry) => `${entry.id}: ${entry.reason}`).join('; ')})`,
      );
    return {
      variant: variant.id,
      repetition,
      status: check.status,
      held: check.measures?.capacityUsersHeld ?? 0,
      ...(check.measures?.capacityUsersFailed === undefined
        ? {}
        : { failed: check.measures.capacityUsersFailed }),
      proof: fact(check, 'proof'),
      curve: fact(check, 'curve through all levels'),
      bottleneck: fact(check, 'bottleneck'),
      phaseB: fact(check, 'phase B'),
      steps: stepsOf(check),
      reason: check.reason,
      checkMs: check.durationMs || performance.now() - started,
      ...(budgetSeconds === undefined ? {} : { budgetSeconds }),
    };
  } finally {
    // runGate tears down; this only guards against a bug leaving processes behind.
    await driver.teardown({ timeoutMs: 5000 });
  }
}

/** The issue's bound on the repeats: each within ±25 % of their median, or ±2 users, whichever is larger. */
export function allowedDeviation(median: number): number {
  return Math.max(2, 0.25 * median);
}

const withinAllowed: Target = {
  text: '≤ 1 (±25 % of the median or ±2 users)',
  judgedOn: 'every',
  meets: (value) => value <= 1,
};
const moreThanOne: Target = { text: '> 1', judgedOn: 'median', meets: (value) => value > 1 };
const everyTime: Target = { text: '= 1 every time', judgedOn: 'every', meets: (value) => value === 1 };

export function recordCapacityFigures(book: FigureBook, measurements: CapacityMeasurement[]): void {
  const section = "Chat capacity (the gate's chat-capacity, local stage, Ollama simulator with 4 slots)";
  const heldMedian: Partial<Record<CapacityVariant['id'], number>> = {};
  for (const variant of CAPACITY_VARIANTS) {
    const runs = measurements.filter((entry) => entry.variant === variant.id);
    if (runs.length === 0) continue;
    const id = `capacity.${variant.id}`;
    for (const run of runs) {
      book.add({ id: `${id}.held`, section, label: `users held, ${variant.label}`, unit: 'count' }, run.held);
      book.add(
        { id: `${id}.failed`, section, label: `users failed, ${variant.label}`, unit: 'count' },
        run.failed,
      );
    }
    const median = spreadOf(runs.map((run) => run.held))!.median;
    heldMedian[variant.id] = median;
    for (const run of runs)
      book.add(
        {
          id: `${id}.held-deviation`,
          section,
          label: `held's distance from the median ÷ allowed, ${variant.label}`,
          unit: 'ratio',
          target: withinAllowed,
        },
        Math.abs(run.held - median) / allowedDeviation(median),
      );
    if (variant.id === 'limit-1')
      for (const run of runs) {
        book.add(
          {
            id: `${id}.narrator-named`,
            section,
            label: 'bottleneck named the narrator and phase B called for (1 = yes)',
            unit: 'count',
            target: everyTime,
          },
          /^narrator semaphore/.test(run.bottleneck) && /^phase B called for/.test(run.phaseB) ? 1 : 0,
        );
      }
    book.note(
      `${id}.held`,
      runs.map((run) => `#${run.repetition + 1}: ${run.held} / ${run.failed ?? '–'}`).join(', ') +
        (runs[0]!.budgetSeconds === undefined ? '' : ` (${runs[0]!.budgetSeconds} s a search)`),
    );
  }
  const one = heldMedian['limit-1'];
  const four = heldMedian['limit-4'];
  if (one !== undefined && four !== undefined)
    book.add(
      {
        id: 'capacity.limit-4-vs-limit-1',
        section,
        label: 'users held at limit 4 ÷ at limit 1 (medians)',
        unit: 'ratio',
        target: moreThanOne,
      },
      four / Math.max(1, one),
    );
}
