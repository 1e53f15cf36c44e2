/**
 * How many narrations were in flight at once, from timing alone: each narrated answer's LLM call is
 * placed at the end of its request (its `meta.compute.timings.llm_ms` long, or the whole request when
 * the stage does not say), and the most that overlap is counted, over the burst and per replica. This is
 * the evidence for a stage with no in-flight metric; a stage with one is held to both.
 */
import { readPath, type AskAnswer } from './ask-answer.js';

export interface InFlightEstimate {
  /** The most narrations overlapping at any moment. */
  total: number;
  /** The same, per replica (the replica header, else `meta.replica`). */
  perReplica: Map<string, number>;
  /** `llm_ms`: every interval came from the stage's own LLM timing; `request`: some used the whole request. */
  basis: 'llm_ms' | 'request';
}

interface Interval {
  start: number;
  end: number;
}

function llmInterval(answer: AskAnswer): { interval: Interval; fromLlmMs: boolean } {
  const start = answer.exchange.startedAtMs;
  const end = start + answer.exchange.durationMs;
  const llmMs = readPath(answer.exchange.json, 'meta.compute.timings.llm_ms');
  if (typeof llmMs === 'number' && llmMs > 0 && llmMs <= end - start)
    return { interval: { start: end - llmMs, end }, fromLlmMs: true };
  return { interval: { start, end }, fromLlmMs: false };
}

/** The most intervals that overlap (touching ends do not: one call ended as the next began). */
function maxOverlap(intervals: Interval[]): number {
  const events = intervals.flatMap((interval) => [
    { at: interval.start, delta: 1 },
    { at: interval.end, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const event of events) {
    now += event.delta;
    most = Math.max(most, now);
  }
  return most;
}

/** The narrations in flight at once among `narrated` (answers of one burst, all timed from one origin). */
export function narrationsInFlight(narrated: AskAnswer[]): InFlightEstimate {
  const placed = narrated.map((answer) => ({ replica: answer.replica ?? '?', ...llmInterval(answer) }));
  const byReplica = new Map<string, Interval[]>();
  for (const { replica, interval } of placed)
    byReplica.set(replica, [...(byReplica.get(replica) ?? []), interval]);
  return {
    total: maxOverlap(placed.map((entry) => entry.interval)),
    perReplica: new Map([...byReplica.entries()].map(([replica, list]) => [replica, maxOverlap(list)])),
    basis: placed.every((entry) => entry.fromLlmMs) ? 'llm_ms' : 'request',
  };
}
