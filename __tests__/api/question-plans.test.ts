import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derivePlanCacheKey } from '../../src/api/plan-cache.js';
import { planQuestion } from '../../src/api/planner.js';
import { QuestionPlans } from '../../src/api/question-plans.js';

const QUESTIONS = [
  'Qual o preço atual do MXRF11?',
  'Qual o histórico de 7 meses do KNRI11?',
  'Como está minha carteira?',
  'O que é um FII de papel?',
  'Compare HGLG11 e BTLG11',
];

test('a remembered question gets the same plan and key as planning it afresh', () => {
  for (const sharePrivateKeys of [false, true]) {
    const plans = new QuestionPlans({ maxEntries: 8, keyOptions: { sharePrivateKeys } });
    for (const round of [1, 2])
      for (const question of QUESTIONS)
        for (const client of ['client-a', 'client-b']) {
          const resolved = plans.resolve(question, client);
          const plan = planQuestion(question);
          assert.deepEqual(resolved.plan, plan, `${question} (round ${round})`);
          assert.equal(resolved.key, derivePlanCacheKey(plan, client, { sharePrivateKeys }), question);
        }
  }
});

test('private keys stay per client when the plan is remembered', () => {
  const plans = new QuestionPlans({ maxEntries: 8 });
  const a = plans.resolve('Como está minha carteira?', 'client-a').key;
  const b = plans.resolve('Como está minha carteira?', 'client-b').key;
  assert.notEqual(a, b);
  assert.match(b, /^plan:v1:private:client-b:/);
});

test('a shared plan cannot be changed by one request for the next', () => {
  const plans = new QuestionPlans({ maxEntries: 8 });
  const first = plans.resolve('Compare HGLG11 e BTLG11', 'client-a').plan;
  assert.throws(() => (first.entities as string[]).push('XPML11'), TypeError);
  assert.throws(() => ((first as { intent: string }).intent = 'portfolio'), TypeError);
  assert.deepEqual(plans.resolve('Compare HGLG11 e BTLG11', 'client-b').plan.entities, ['BTLG11', 'HGLG11']);
});

test('bounded: the least recently asked question is forgotten first', () => {
  const plans = new QuestionPlans({ maxEntries: 2 });
  const first = plans.resolve(QUESTIONS[0]!, 'c').plan;
  plans.resolve(QUESTIONS[1]!, 'c');
  plans.resolve(QUESTIONS[0]!, 'c'); // asked again: now the most recent
  plans.resolve(QUESTIONS[2]!, 'c'); // evicts QUESTIONS[1]
  assert.equal(plans.size, 2);
  assert.equal(plans.resolve(QUESTIONS[0]!, 'c').plan, first, 'still remembered (same object)');
  assert.throws(() => new QuestionPlans({ maxEntries: 0 }), /maxEntries must be a whole number ≥ 1, got 0/);
});
