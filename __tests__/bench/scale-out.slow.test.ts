/**
 * The bench's scale-out figures, small: the local stage with 10 api replicas (real processes behind the
 * real HAProxy, one Redis, the Ollama simulator). Exactly one heavy execution for 20 and for 200
 * identical asks spread over the replicas, and the narrator limit held on each replica. It asserts
 * counts only, never a wall-clock figure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coldQuestion } from './bench-questions.js';
import { FigureBook, summarize } from './figures.js';
import { measureScaleOut, recordScaleOutFigures } from './scale-out-bench.js';

const PROFILE = { replicas: 10, burstSizes: [20, 200], repetitions: 1, narratorAsks: 40, narratorLimit: 2 };

test(
  '10 replicas: one heavy execution for 20 and 200 identical asks; the narrator limit holds per replica',
  { timeout: 240_000 },
  async () => {
    let question = 0;
    const measured = await measureScaleOut(PROFILE, () => coldQuestion(question++));

    assert.deepEqual(
      measured.bursts.map((burst) => [burst.size, burst.heavyExecutions, burst.failures]),
      [
        [20, 1, 0],
        [200, 1, 0],
      ],
      JSON.stringify(measured.bursts.map((burst) => burst.firstFailure)),
    );
    // The gateway spread the 200 over the replicas: the single execution was shared across all of them.
    assert.equal(measured.bursts[1]!.replicas, PROFILE.replicas);

    const [narrator] = measured.narrator;
    assert.ok(narrator);
    const narrated = Object.values(narrator.narratedByReplica);
    assert.equal(narrator.failures, 0, narrator.firstFailure);
    assert.equal(narrated.reduce((sum, count) => sum + count, 0) + narrator.overload, PROFILE.narratorAsks);
    assert.ok(
      Math.max(...narrated) <= PROFILE.narratorLimit,
      `narrated per replica: ${JSON.stringify(narrator.narratedByReplica)}`,
    );
    assert.ok(
      narrator.overload >= PROFILE.narratorAsks - PROFILE.replicas * PROFILE.narratorLimit,
      `refused: ${narrator.overload}`,
    );
    assert.ok(narrated.length >= PROFILE.replicas / 2, `${narrated.length} replicas narrated`);
    assert.ok(narrator.gaugeSamples > 0);
    assert.ok(narrator.peakInFlight <= PROFILE.narratorLimit, `peak in flight ${narrator.peakInFlight}`);

    // The figures the bench prints: every count target met.
    const book = new FigureBook();
    recordScaleOutFigures(book, measured);
    const figures = book.all().map(summarize);
    const judged = figures.filter((figure) => figure.target);
    assert.ok(judged.length >= 4);
    for (const figure of judged)
      assert.equal(figure.target!.verdict, 'PASS', `${figure.label}: ${figure.samples.join(', ')}`);
  },
);
