/**
 * The bench's smoke run (`npm run bench -- --smoke` in-process): one burst of 20 on each stage, one
 * short throughput round with each generator (the Node one and wrk), the gate's burst, one gate run and
 * the memory figure. It proves the harness
 * still produces every figure as well-formed JSON and markdown, and that single-flight holds — exactly
 * one heavy execution for 20 identical asks. It never asserts a wall-clock figure: CI machines are noisy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from './render.js';
import { PROFILES, runBench, type BenchResults } from './run-bench.js';

/** Figures every run must produce (with at least one sample), whatever the machine. */
const REQUIRED_FIGURES = [
  'single-flight.burst-20.heavy-executions',
  'single-flight.burst-20.leader',
  'single-flight.burst-20.followers-p50',
  'single-flight.burst-20.followers-p99',
  'single-flight.burst-20.redis-per-request',
  'single-flight.burst-20.total',
  'baseline.burst-20.heavy-executions',
  'baseline.burst-20.total',
  'throughput.healthz-gateway',
  'throughput.ask-gateway',
  'throughput.ask-vs-healthz',
  'throughput.ask-direct',
  'throughput.gateway-vs-direct',
  'throughput.control',
  'throughput.ask-redis-per-request',
  'throughput.cpu.ask-gateway.api',
  'wrk.healthz-gateway',
  'wrk.healthz-gateway-p50',
  'wrk.healthz-gateway-p99',
  'wrk.ask-gateway',
  'wrk.ask-gateway-p50',
  'wrk.ask-gateway-p99',
  'wrk.ask-direct',
  'wrk.ask-direct-p50',
  'wrk.ask-direct-p99',
  'wrk.ask-vs-healthz',
  'wrk.ask-p99-vs-healthz-p99',
  'wrk.ask-redis-per-request',
  'wrk.cpu.ask-gateway.generator',
  'wrk.cpu.ask-gateway.api',
  'gate-burst.control.dispatch-spread',
  'gate-burst.control.client-cpu',
  'gate-burst.gateway.dispatch-spread',
  'verdict.total',
  'verdict.phase.boot',
  'verdict.phase.plan-cache-single-flight',
  'verdict.phase.teardown',
  'memory.idle',
  'memory.after-asks',
  'capacity.limit-1.held',
];

test('the smoke bench produces every figure, and single-flight holds', { timeout: 150_000 }, async () => {
  const results = await runBench(PROFILES.smoke);

  // Well-formed JSON: what run.ts writes round-trips unchanged.
  const json = JSON.stringify(results);
  const parsed = JSON.parse(json) as BenchResults;
  assert.deepEqual(parsed.figures, results.figures);
  assert.equal(parsed.version, 1);

  const byId = new Map(results.figures.map((figure) => [figure.id, figure]));
  for (const id of REQUIRED_FIGURES) {
    const figure = byId.get(id);
    assert.ok(figure, `figure ${id} is missing`);
    assert.ok(
      figure.samples.length >= 1,
      `figure ${id} has no sample${figure.note ? ` (${figure.note})` : ''}`,
    );
    assert.ok(
      figure.samples.every((sample) => Number.isFinite(sample)),
      `figure ${id} has a non-finite sample: ${figure.samples.join(', ')}`,
    );
    assert.ok(
      figure.spread && figure.spread.min <= figure.spread.median && figure.spread.median <= figure.spread.max,
    );
  }

  // Single-flight: exactly one heavy execution, and the burst really was cold (a leader answered).
  const [burst] = results.details.singleFlight;
  assert.ok(burst, 'no single-flight burst was measured');
  assert.equal(burst.heavyExecutions, 1, `heavy executions for 20 identical asks: ${burst.heavyExecutions}`);
  assert.equal(burst.failures, 0, `failed answers: ${burst.firstFailure}`);
  assert.equal(burst.roles.leader, 1, `roles: ${JSON.stringify(burst.roles)}`);
  assert.equal(byId.get('single-flight.burst-20.heavy-executions')!.target?.verdict, 'PASS');

  // The baseline really is a baseline: every ask executed.
  assert.equal(results.details.baseline[0]?.heavyExecutions, 20);

  // The cached loads (both generators) saw no errors, and the gate it timed reached a verdict.
  assert.equal(byId.get('throughput.errors')!.samples[0], 0);
  assert.equal(byId.get('wrk.errors')!.samples[0], 0);
  // wrk's figures carry issue 13's targets, each judged PASS or MISS.
  for (const id of ['wrk.ask-vs-healthz', 'wrk.ask-p99-vs-healthz-p99', 'wrk.ask-redis-per-request'])
    assert.match(byId.get(id)!.target?.verdict ?? '', /^(PASS|MISS)$/, id);
  assert.equal(results.details.timeToVerdict[0]?.verdict, 'ready');
  // The capacity search ran on a healthy stage: a measured range (no target, so never ❌).
  const [capacity] = results.details.capacity ?? [];
  assert.ok(capacity, 'no capacity run was measured');
  assert.notEqual(capacity.status, 'fail', capacity.reason);
  assert.ok(capacity.steps.length >= 1, capacity.reason);

  // The markdown names every figure, with a PASS or MISS next to each target.
  const markdown = renderMarkdown(results);
  for (const figure of results.figures)
    assert.ok(markdown.includes(figure.label), `table lacks "${figure.label}"`);
  assert.match(markdown, /\| (PASS|\*\*MISS\*\*) \|/);
});
