/**
 * THE MISSING-METRIC RULE, in one place for every check that reads a metric: when the metric a check
 * relies on cannot be read — no metrics source, a source that failed (any MetricsFailure, present or
 * future kind), a source that is not a sum over this stage's replicas, or the metric absent — the check
 * is never ✅ on answers alone. It is ⚠️ with the same words everywhere, and the run's verdict line says
 * metric evidence was missing (the check's result carries `metricEvidenceMissing`).
 *
 * Optional cross-check metrics (declared optional in src/contract) a stage does not expose only weaken
 * the check: "not cross-checked: <metric> not exposed", without changing its status by themselves.
 */
import type { Say } from '../report/language.js';
import { describeMetricsFailure, describeMetricsSource } from '../stage/stage-words.js';
import type { CounterReading } from './stage-metrics.js';

/** What a reading proves: a number from a source that sums this stage's replicas, or why not. */
export type MetricEvidence = { kind: 'read'; value: number } | { kind: 'missing'; why: string };

/**
 * The evidence of a reading. Readings taken before and after a burst are passed together, the last one
 * last: the first one that failed decides (an increase needs both). A counter absent before the burst
 * counts as 0 (labelled series appear when first counted); absent in the last reading, it is missing.
 */
export function metricEvidence(say: Say, ...readings: CounterReading[]): MetricEvidence {
  // Any failure counts, whatever its kind: a reader that failed proved nothing. Its own words first.
  const failed = readings.find((reading) => reading.failure !== undefined);
  if (failed?.failure) return { kind: 'missing', why: describeMetricsFailure(failed.failure, say) };
  let value = 0;
  for (const [index, reading] of readings.entries()) {
    const last = index === readings.length - 1;
    if (!reading.reachable || reading.source === undefined)
      return { kind: 'missing', why: describeMetricsSource(reading.source, say) };
    // One replica per scrape is not a sum over the stage: it cannot confirm a stage-wide count.
    if (reading.source.kind === 'gateway-only')
      return { kind: 'missing', why: describeMetricsSource(reading.source, say) };
    if (reading.value === undefined && !last) continue;
    if (reading.value === undefined)
      return {
        kind: 'missing',
        why: say(
          `${reading.metric} ausente em ${describeMetricsSource(reading.source, say)}`,
          `${reading.metric} absent from ${describeMetricsSource(reading.source, say)}`,
        ),
      };
    value = reading.value;
  }
  return { kind: 'read', value };
}

/** The rule's one wording, the same in every check. */
export function metricEvidenceMissingText(why: string, say: Say): string {
  return say(
    `evidência de métrica ausente: ${why}; confirmado só pelas respostas`,
    `metric evidence missing: ${why}; confirmed by answers only`,
  );
}

/** An optional cross-check the stage does not expose: said in the evidence, never a status by itself. */
export function notCrossCheckedText(metric: string, say: Say): string {
  return say(`sem verificação cruzada: ${metric} não exposta`, `not cross-checked: ${metric} not exposed`);
}
