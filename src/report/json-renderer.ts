/**
 * The report model as JSON, for `--json FILE`, the action's `report-json` output and other tools.
 * Keys come out in the model's order (then any others alphabetically), so two runs with the same
 * results give byte-identical files and diffs stay readable.
 */
import { MEASURE_IDS, type GateReport } from './model.js';

// One order for every object in the model; each object's own keys come out in the order it declares them.
const KEY_ORDER = [
  'version',
  'verdict',
  'worst',
  'id',
  'name',
  'status',
  'reason',
  'kind',
  'title',
  'label',
  'value',
  'count',
  'facts',
  'columns',
  'rows',
  'buckets',
  'lines',
  'driver',
  'baseUrl',
  'replicas',
  'narratorMaxConcurrency',
  'language',
  'stage',
  'startedAt',
  'durationMs',
  'measures',
  ...MEASURE_IDS,
  'evidence',
  'phases',
  'checks',
];
const RANK = new Map(KEY_ORDER.map((key, index) => [key, index]));

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value as Record<string, unknown>).sort((a, b) => {
    const ra = RANK.get(a) ?? Number.MAX_SAFE_INTEGER;
    const rb = RANK.get(b) ?? Number.MAX_SAFE_INTEGER;
    return ra !== rb ? ra - rb : a < b ? -1 : a > b ? 1 : 0;
  });
  return Object.fromEntries(keys.map((key) => [key, ordered((value as Record<string, unknown>)[key])]));
}

/** Pretty-printed JSON of `report`, ending in a newline. */
export function renderJson(report: GateReport): string {
  return `${JSON.stringify(ordered(report), null, 2)}\n`;
}
