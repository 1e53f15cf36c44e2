/**
 * The narrator burst's default questions come in several shapes, and every one of them really needs
 * the LLM on the reference stage (the planner gives it the `explain` intent): otherwise a shape would
 * be answered by a template and never reach the narrator's limiter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planQuestion, requiresLlm } from '../../src/api/planner.js';
import { saturationQuestions } from '../../src/checks/narrator-saturation.js';
import { DEFAULT_LLM_QUESTIONS } from '../../src/gate/options/option-values.js';
import { ASK_LIMITS } from '../../src/contract/index.js';

test('every default narrator question plans as explain (LLM only) on the reference stage, tagged or not', () => {
  for (const question of [
    ...DEFAULT_LLM_QUESTIONS,
    ...saturationQuestions([...DEFAULT_LLM_QUESTIONS], 40, '7abcdefg', 2),
  ]) {
    const plan = planQuestion(question);
    assert.ok(requiresLlm(plan), `${question} → ${plan.intent}`);
    assert.ok(question.length <= ASK_LIMITS.questionMaxChars);
  }
});

test('each burst of the default size asks every shape: explain, compare, why, long free text', () => {
  for (const round of [1, 2]) {
    const burst = saturationQuestions([...DEFAULT_LLM_QUESTIONS], 10, '7abcdefg', round);
    assert.ok(
      burst.some((q) => q.startsWith('Explique')),
      `round ${round}: explain`,
    );
    assert.ok(
      burst.some((q) => q.startsWith('Compare')),
      `round ${round}: compare`,
    );
    assert.ok(
      burst.some((q) => q.startsWith('Por que')),
      `round ${round}: why`,
    );
    assert.ok(
      burst.some((q) => q.length > 150),
      `round ${round}: long free text`,
    );
    assert.equal(new Set(burst).size, burst.length);
  }
});
